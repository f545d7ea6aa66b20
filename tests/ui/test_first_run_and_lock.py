"""First run → main window → lock → unlock returns to the same page."""

from __future__ import annotations

from pathlib import Path

import pyotp
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import STRONG, FakeClock
from tests.ui.conftest import Harness, make_ctx
from therapynotes import APP_NAME
from therapynotes.services.setup_flow import Step
from therapynotes.settings import VIEW_IDS
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.setup_wizard import SetupWizardView
from therapynotes.ui.unlock_view import UnlockView


def _wait_step(qtbot: QtBot, view: SetupWizardView, step: Step) -> None:
    qtbot.waitUntil(lambda: view.flow.step is step and not view._busy, timeout=10_000)


def _run_wizard(qtbot: QtBot, window: MainWindow, clock: FakeClock, folder: Path) -> str:
    """Walks the wizard like a user, with a few wrong turns; returns the TOTP secret."""
    wizard = window.gate
    assert isinstance(wizard, SetupWizardView)

    create_button = next(
        b for b in wizard.findChildren(QWidget) if b.accessibleName() == "Create a new vault"
    )
    qtbot.mouseClick(create_button, Qt.MouseButton.LeftButton)
    assert wizard.flow.step is Step.PASSPHRASE
    qtbot.keyClicks(wizard.passphrase, "password123")
    assert not wizard.meter.acceptable
    wizard.next_button.click()
    assert wizard.message.isVisible() and wizard.flow.step is Step.PASSPHRASE
    wizard.passphrase.setText(STRONG)
    wizard.confirm.setText(STRONG)
    assert wizard.meter.acceptable
    wizard.next_button.click()
    _wait_step(qtbot, wizard, Step.TOTP)
    assert wizard.passphrase.text() == ""  # not kept in the widget
    assert not wizard.qr.pixmap().isNull()
    secret = wizard.totp_key.text().replace(" ", "")

    wizard.code.setText("000000" if pyotp.TOTP(secret).at(clock()) != "000000" else "111111")
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.message.isVisible() and not wizard._busy)
    assert wizard.flow.step is Step.TOTP
    wizard.code.setText(pyotp.TOTP(secret).at(clock()))
    wizard.next_button.click()
    _wait_step(qtbot, wizard, Step.RECOVERY_SHOW)
    groups = [label.text() for label in wizard.group_labels]
    assert all(len(g) == 4 for g in groups)
    wizard.next_button.click()
    assert wizard.flow.step is Step.RECOVERY_CHECK
    wizard.check_field.setText("ZZZZ" if groups[wizard.flow.check_group] != "ZZZZ" else "AAAA")
    wizard.next_button.click()
    assert wizard.message.isVisible()
    wizard.check_field.setText(groups[wizard.flow.check_group])
    wizard.next_button.click()
    assert wizard.flow.step is Step.BACKUP_FOLDER
    wizard.folder.setText(str(folder))
    wizard.next_button.click()
    return secret


def test_wizard_creates_vault_then_lock_and_unlock_return_to_same_page(
    qtbot: QtBot, vault_dir: Path, clock: FakeClock, config_dir: Path, tmp_path: Path
) -> None:
    window = MainWindow(make_ctx(vault_dir, clock, config_dir))
    qtbot.addWidget(window)
    window.show()
    folder = tmp_path / "usb"
    folder.mkdir()
    secret = _run_wizard(qtbot, window, clock, folder)

    qtbot.waitUntil(lambda: window.session is not None)
    assert window.central.currentWidget() is window.shell
    assert window.windowTitle() == APP_NAME
    assert window.ctx.settings.backup_folder == str(folder)
    session = window.session
    window.show_view("clients")

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.sidebar, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.session is None  # records off screen at once
    assert isinstance(window.gate, UnlockView)
    # A new vault has never been backed up, so the lock backs up first, then closes it.
    qtbot.waitUntil(lambda: not session.is_open)
    assert len(list(folder.glob("*.tnbackup"))) == 1
    assert window.gate.isEnabled()

    harness = Harness(window, window.ctx, clock, None, qtbot)
    view = harness.unlock_view
    view.passphrase.setText(STRONG)
    clock.advance(30)
    view.code.setText(pyotp.TOTP(secret).at(clock()))
    view.unlock_button.click()
    qtbot.waitUntil(lambda: window.session is not None)
    assert window.current_view() == "clients"
    assert window.content.currentWidget() is window.pages["clients"]
    assert window.sidebar.currentRow() == VIEW_IDS.index("clients")


def _recorder(names: list[str], name: str):  # type: ignore[no-untyped-def]
    return lambda *_args: names.append(name)


def test_lock_closes_db_and_destroys_every_page(unlocked: Harness) -> None:
    window = unlocked.window
    session = window.session
    assert session is not None and session.is_open
    pages = list(window.pages.values())
    destroyed: list[str] = []
    for page in pages:
        page.destroyed.connect(_recorder(destroyed, page.objectName()))
    window.lock("manual")
    unlocked.flush_deletes()
    assert not session.is_open
    assert len(destroyed) == len(pages)
    assert all(not shiboken6.isValid(p) for p in pages)
    assert not [w for w in window.findChildren(QWidget) if w.property("holdsRecords")]
    assert window.pages == {}
    assert not window.lock_action.isEnabled()
    assert window.state_label.text() == "Locked"


def test_lock_saves_drafts_first_and_closes_dialogs(unlocked: Harness) -> None:
    window = unlocked.window
    session = window.session
    assert session is not None

    class Editor:
        saved_while_open: bool | None = None

        def save_draft(self) -> None:
            Editor.saved_while_open = session.is_open

    editor = Editor()
    window.register_draft_saver(editor)
    window.show_view("settings")
    panel = window.pages["settings"]
    panel.change_passphrase()  # type: ignore[attr-defined]
    from PySide6.QtWidgets import QApplication, QDialog

    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog)]
    assert any(d.isVisible() for d in dialogs)
    window.lock("manual")
    assert Editor.saved_while_open is True
    unlocked.flush_deletes()
    assert not [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()
    ]


def test_unlock_view_shows_no_client_data(harness: Harness) -> None:
    texts = " ".join(
        getattr(w, "text", lambda: "")() for w in harness.unlock_view.findChildren(QWidget)
    )
    assert "client" not in texts.lower()
    assert harness.window.windowTitle() == APP_NAME


def test_lock_waits_for_work_in_flight_and_drops_its_answer(unlocked: Harness) -> None:
    import threading
    import time

    from therapynotes.ui.ops import Op

    window = unlocked.window
    session = window.session
    assert session is not None
    started = threading.Event()
    seen: dict[str, object] = {}

    def work() -> int:
        started.set()
        time.sleep(0.2)
        seen["open_at_end"] = session.is_open
        return 1

    called: list[object] = []
    Op(window.pages["home"], work).success(called.append).failure(called.append).run()
    started.wait(2)
    window.lock("manual")
    assert seen["open_at_end"] is True  # the database stayed open until the work ended
    unlocked.qtbot.wait(50)
    assert called == []
