"""Every copy out of a record goes through the secure clipboard: Ctrl+C, Ctrl+X and the
context menu in a note (a draft or a signed one), in record text fields, line edits and
lists carry the concealed hints, and the window clears them after the set time and on
lock. The real application clipboard, offscreen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QTextEdit
from pytestqt.qtbot import QtBot

from tests.ui.conftest import Harness, save_settings
from tests.ui.test_records_flow import clients, settled
from tests.ui.waits import worker_done
from therapynotes.domain.enums import ClientStatus
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import ClientFields, ClientSummary
from therapynotes.ui.chart_tabs.sessions import SessionDialog
from therapynotes.ui.client_dialog import ClientDialog
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.clipboard import (
    CONCEALED_HINTS,
    SecureClipboard,
    clear_ours_from_clipboard,
    is_ours,
    put_on_clipboard,
)
from therapynotes.ui.note_dialogs import AddendumDialog

WAIT = 20000


@pytest.fixture(autouse=True)
def _nothing_of_ours_left_on_the_clipboard() -> Iterator[None]:
    """As the app does at quit (a PySide QMimeData left to Qt's exit crashes Python)."""
    yield
    clear_ours_from_clipboard()


CTRL = Qt.KeyboardModifier.ControlModifier


def _concealed(text: str) -> bool:
    mime = QGuiApplication.clipboard().mimeData()
    return (
        mime.text() == text
        and all(mime.hasFormat(fmt) for fmt in CONCEALED_HINTS)
        and bytes(mime.data("x-kde-passwordManagerHint").data()) == b"secret"
        and not mime.hasHtml()
        and is_ours(mime)
    )


def _chart(h: Harness) -> ClientChartView:
    h.window.show_view("clients")
    page = clients(h)
    client = page.records.service.create_client(ClientFields(legal_name="Ada Copy"))
    page.list.refresh()
    return settled(h, page.open_client(client))


def _draft(h: Harness, text: str) -> QTextEdit:
    chart = _chart(h)
    chart.notes.start_note("freeform", None)
    worker_done()
    editor = next(iter(chart.notes.editor.editors.values()))
    editor.setPlainText(text)
    editor.selectAll()
    editor.setFocus()
    return editor


def _menu_action(menu: QMenu, name: str):  # type: ignore[no-untyped-def]
    return next(a for a in menu.actions() if a.objectName() == name)


def test_ctrl_c_in_a_note_is_concealed_and_cleared_on_lock(unlocked: Harness) -> None:
    QGuiApplication.clipboard().clear()
    editor = _draft(unlocked, "Worried about sleep")
    unlocked.qtbot.keyClick(editor, Qt.Key.Key_C, CTRL)
    assert _concealed("Worried about sleep")
    assert unlocked.window.clipboard.holds_ours()
    unlocked.window.lock("manual")
    assert QGuiApplication.clipboard().text() == ""


def test_copied_note_text_is_cleared_after_the_set_time(unlocked: Harness) -> None:
    unlocked.window.pages["settings"].clipboard.setValue(5)  # type: ignore[attr-defined]
    save_settings(unlocked)  # Settings' one Save (issue 16)
    assert unlocked.window.clipboard.clear_seconds == 5
    editor = _draft(unlocked, "Talked about the move")
    unlocked.qtbot.keyClick(editor, Qt.Key.Key_C, CTRL)
    assert _concealed("Talked about the move")
    unlocked.qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "", timeout=WAIT)


def test_cut_and_the_context_menu_copy_in_a_draft(unlocked: Harness) -> None:
    editor = _draft(unlocked, "Cut this out")
    unlocked.qtbot.keyClick(editor, Qt.Key.Key_X, CTRL)
    assert _concealed("Cut this out") and editor.toPlainText() == ""
    editor.setPlainText("From the menu")
    editor.selectAll()
    menu = editor.createStandardContextMenu()
    _menu_action(menu, "edit-copy").trigger()
    assert _concealed("From the menu")
    assert unlocked.window.clipboard.holds_ours()


def test_a_signed_read_only_note_copies_through_the_secure_clipboard(unlocked: Harness) -> None:
    editor = _draft(unlocked, "Signed words")
    notes = clients(unlocked).chart.notes  # type: ignore[union-attr]
    notes.editor.save_draft()
    notes.editor._sign_now()
    worker_done()
    signed = next(iter(notes.editor.editors.values()))
    assert signed is not editor and signed.isReadOnly()
    signed.selectAll()
    signed.setFocus()
    unlocked.qtbot.keyClick(signed, Qt.Key.Key_C, CTRL)
    assert _concealed("Signed words")
    QGuiApplication.clipboard().clear()
    menu = signed.createStandardContextMenu()
    _menu_action(menu, "edit-copy").trigger()
    assert _concealed("Signed words")


def test_the_client_list_and_name_fields_copy_concealed(unlocked: Harness) -> None:
    _chart(unlocked)
    table = clients(unlocked).list.table
    unlocked.qtbot.waitUntil(lambda: table.currentIndex().isValid(), timeout=WAIT)
    table.setFocus()
    unlocked.qtbot.keyClick(table, Qt.Key.Key_C, CTRL)
    assert _concealed("Ada Copy")
    assert unlocked.window.clipboard.holds_ours()


def test_line_edit_keys_and_context_menu(qtbot: QtBot) -> None:
    dialog = ClientDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    field = dialog.legal_name
    field.setText("Bea Quiet")
    field.selectAll()
    field.setFocus()
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(field, Qt.Key.Key_C, CTRL)
    assert _concealed("Bea Quiet")
    qtbot.keyClick(field, Qt.Key.Key_X, CTRL)
    assert _concealed("Bea Quiet") and field.text() == ""
    field.setText("Menu Copy")
    field.selectAll()
    QGuiApplication.clipboard().clear()
    QApplication.sendEvent(
        field, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(2, 2), QPoint(2, 2))
    )
    menu = next(m for m in field.findChildren(QMenu) if m.isVisible())
    _menu_action(menu, "edit-copy").trigger()
    menu.close()
    assert _concealed("Menu Copy")


def test_addendum_text_copies_concealed(qtbot: QtBot) -> None:
    dialog = AddendumDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.editor.setPlainText("Addendum words")
    dialog.editor.selectAll()
    dialog.editor.setFocus()
    qtbot.keyClick(dialog.editor, Qt.Key.Key_C, CTRL)
    assert _concealed("Addendum words")


def test_client_name_lists_in_dialogs_copy_concealed(qtbot: QtBot) -> None:
    people = [
        ClientSummary(ClientId(i), name, ClientStatus.ACTIVE, None, 0)
        for i, name in ((1, "Ada Copy"), (2, "Alexandra Rivera (Alex)"))
    ]
    dialog = SessionDialog(client_id=ClientId(1), others=people)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.others.setCurrentRow(0)
    dialog.others.setFocus()
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(dialog.others, Qt.Key.Key_C, CTRL)
    assert _concealed("Alexandra Rivera (Alex)")


def test_quitting_clears_our_copies_and_leaves_others() -> None:
    clip = SecureClipboard(clear_seconds=30)
    put_on_clipboard("made by a copy in a note")
    clip.clear_at_quit()
    assert QGuiApplication.clipboard().text() == ""
    QGuiApplication.clipboard().setText("copied in another program")
    clip.clear_at_quit()
    assert QGuiApplication.clipboard().text() == "copied in another program"
