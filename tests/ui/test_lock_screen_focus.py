"""The lock screen takes the keyboard whenever it shows, whatever ran before: a lock that
first backed up unsaved changes (the screen stays disabled until that ends), a lock with
a dialog open; and its error message has room reserved, so the fields don't move."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit

from tests.ui.conftest import Harness
from tests.ui.test_records_flow import clients
from therapynotes.errors import TotpRejected
from therapynotes.store.audit import AuditKind
from therapynotes.ui.backup_view import BackupsView


def _activate(h: Harness) -> None:
    h.window.activateWindow()
    h.qtbot.waitUntil(h.window.isActiveWindow)


def _typing_goes_to_the_passphrase(h: Harness) -> None:
    view = h.unlock_view
    h.qtbot.waitUntil(lambda: QApplication.focusWidget() is view.passphrase, timeout=20_000)
    h.qtbot.keyClicks(QApplication.focusWidget(), "abc")
    assert view.passphrase.text() == "abc"


def test_focus_after_a_lock_that_ran_a_backup(unlocked: Harness, tmp_path: Path) -> None:
    h = unlocked
    drive = tmp_path / "usb"
    drive.mkdir()
    h.window.show_view("backups")
    page = h.window.pages["backups"]
    assert isinstance(page, BackupsView)
    page.set_folder(drive)
    _activate(h)
    session = h.window.session
    assert session is not None
    session.record(AuditKind.RECORD_CREATED, subject="client")  # an unsaved change
    h.window.lock("manual")
    assert not h.unlock_view.isEnabled()  # waiting for the lock's backup
    h.qtbot.waitUntil(lambda: not session.is_open, timeout=20_000)
    assert list(drive.glob("*.tnbackup"))
    _typing_goes_to_the_passphrase(h)


def test_focus_after_a_lock_with_a_dialog_open(unlocked: Harness) -> None:
    h = unlocked
    h.window.show_view("clients")
    _activate(h)
    dialog = clients(h).list.add_client()
    dialog.legal_name.setFocus()
    h.qtbot.waitUntil(dialog.isActiveWindow)
    h.window.lock("manual")
    h.qtbot.waitUntil(h.window.isActiveWindow)
    _typing_goes_to_the_passphrase(h)


def test_ctrl_l_locks_with_a_dialog_open(unlocked: Harness) -> None:
    """The lock key works whatever is on screen: a modal dialog keeps the window's own
    shortcuts from Qt, so every dialog gets the lock action as it shows
    (ui/idle_watcher.py). The key is not typed into the dialog's field."""
    h = unlocked
    h.window.show_view("clients")
    _activate(h)
    dialog = clients(h).list.add_client()
    dialog.legal_name.setFocus()
    h.qtbot.waitUntil(dialog.isActiveWindow)
    assert QGuiApplication.modalWindow() is not None  # the case Qt's shortcuts miss
    h.qtbot.keyClicks(dialog.legal_name, "Jo")
    h.qtbot.keyClick(dialog.legal_name, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert dialog.legal_name.text() == "Jo"
    h.qtbot.waitUntil(lambda: h.window.session is None, timeout=20_000)
    h.qtbot.waitUntil(h.window.isActiveWindow)
    _typing_goes_to_the_passphrase(h)


def test_ctrl_l_locks_from_a_window_of_its_own(unlocked: Harness) -> None:
    """A dialog that is not modal is a window of its own: while it has the keyboard the
    main window's shortcuts are not heard either, and Ctrl+L must still lock."""
    h = unlocked
    dialog = QDialog(h.window)
    field = QLineEdit(dialog)
    dialog.show()
    dialog.activateWindow()
    field.setFocus()
    h.qtbot.waitUntil(dialog.isActiveWindow)
    assert QGuiApplication.modalWindow() is None
    h.qtbot.keyClick(field, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    h.qtbot.waitUntil(lambda: h.window.session is None, timeout=20_000)
    assert field.text() == ""


def test_the_unlock_message_does_not_move_the_fields(harness: Harness) -> None:
    h = harness
    view = h.unlock_view
    h.qtbot.waitUntil(lambda: view.isVisible() and view.isEnabled())

    def places() -> list[QPoint]:
        return [w.mapTo(h.window, QPoint(0, 0)) for w in (view.passphrase, view.unlock_button)]

    before = places()
    view.code.setText("123456")
    view.try_unlock()  # no passphrase: a message, no unlock attempt
    assert view.message.isVisible() and view.message.text() == "Enter your passphrase."
    QApplication.processEvents()
    assert places() == before
    view._say(TotpRejected())  # the longest of the everyday messages: three lines
    QApplication.processEvents()
    assert places() == before
