"""Snippets: defined in Settings → Snippets, expanded in a note field from the
type-ahead menu or Tab after "/name", placeholders filled in turn with Tab; the snippet
dialog survives a lock. Also "Insert this section from last note"."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from tests.ui.conftest import Harness
from tests.ui.test_records_flow import clients, settled
from tests.ui.waits import worker_done
from therapynotes.domain.models import ClientFields
from therapynotes.ui.note_editor import SectionEditor
from therapynotes.ui.settings_dialog import SettingsPanel
from therapynotes.ui.snippets.settings_group import SnippetDialog, SnippetSettingsGroup

MSE = "Mood {{mood}}, affect {{affect}}. Denies SI/HI."


def _group(h: Harness) -> SnippetSettingsGroup:
    h.window.show_view("settings")
    panel = h.window.pages["settings"]
    assert isinstance(panel, SettingsPanel)
    return panel.snippets


def _define(h: Harness, trigger: str, text: str) -> None:
    dialog = _group(h).add()
    dialog.trigger.setText(trigger)
    dialog.text.setPlainText(text)
    dialog.accept()
    assert not dialog.isVisible(), dialog.message.text()


def _field(h: Harness) -> SectionEditor:
    h.window.show_view("clients")
    page = clients(h)
    client = page.records.service.create_client(ClientFields(legal_name="Snip Pet"))
    chart = settled(h, page.open_client(client))
    chart.show_notes()
    chart.notes.start_note("soap", None)
    worker_done()
    editor = chart.notes.editor.editors["objective"]
    h.qtbot.waitUntil(editor.isVisible, timeout=20000)
    editor.setFocus()
    editor.moveCursor(QTextCursor.MoveOperation.End)
    return editor


def test_type_ahead_expands_and_tab_walks_the_placeholders(unlocked: Harness) -> None:
    h = unlocked
    _define(h, "/mse", MSE)
    _define(h, "plan", "Continue weekly CBT.")
    editor = _field(h)
    h.qtbot.keyClicks(editor, "Seen today. /m")
    expander = editor.expander
    assert expander is not None
    h.qtbot.waitUntil(expander.popup.isVisible, timeout=20000)
    shown = [
        expander.completer.completionModel().index(i, 0).data()
        for i in range(expander.completer.completionCount())
    ]
    assert shown == ["/mse    Mood mood, affect affect. Denies SI/HI."]
    h.qtbot.keyClick(expander.popup, Qt.Key.Key_Return)
    assert editor.toPlainText() == "Seen today. Mood mood, affect affect. Denies SI/HI."
    assert editor.textCursor().selectedText() == "mood"
    h.qtbot.keyClicks(editor, "euthymic")
    h.qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.textCursor().selectedText() == "affect"
    h.qtbot.keyClicks(editor, "congruent")
    assert editor.toPlainText() == "Seen today. Mood euthymic, affect congruent. Denies SI/HI."
    h.qtbot.keyClick(editor, Qt.Key.Key_Tab)  # past the last placeholder: done
    assert expander.fields == []


def test_tab_after_a_whole_name_expands_without_the_menu(unlocked: Harness) -> None:
    h = unlocked
    _define(h, "plan", "Continue weekly CBT.")
    editor = _field(h)
    h.qtbot.keyClicks(editor, "/plan")
    expander = editor.expander
    assert expander is not None
    expander.popup.hide()
    h.qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == "Continue weekly CBT."
    editor.undo()  # one undo step takes the expansion back
    assert editor.toPlainText() == "/plan"
    editor.redo()
    h.qtbot.keyClicks(editor, " and")  # "and/plan" is not a snippet: a slash in a word
    assert not expander.popup.isVisible()


def test_a_bad_name_is_refused_and_the_dialog_survives_a_lock(unlocked: Harness) -> None:
    h = unlocked
    dialog = _group(h).add()
    dialog.trigger.setText("two words")
    dialog.text.setPlainText("Half typed text")
    dialog.accept()
    assert dialog.isVisible() and dialog.message.isVisible()
    h.window.lock()
    h.unlock_ok()
    h.records_settled()

    def reopened() -> SnippetDialog | None:
        group = getattr(h.window.pages.get("settings"), "snippets", None)
        found = getattr(group, "dialog", None)
        return found if found is not None and found.isVisible() else None

    h.qtbot.waitUntil(lambda: reopened() is not None, timeout=20000)
    again = reopened()
    assert again is not None and again.text.toPlainText() == "Half typed text"


def test_one_section_starts_from_the_last_note(unlocked: Harness) -> None:
    h = unlocked
    _field(h)  # a chart with a draft open
    chart = clients(h).chart
    assert chart is not None
    notes = chart.notes.editor
    notes.editors["subjective"].setPlainText("Sleeping better; exposure homework done.")
    notes.save_draft()
    assert notes.note is not None
    signed = notes.records.call(lambda s: s.sign_note(notes.note.id))  # type: ignore[union-attr]
    chart.notes.start_note("soap", None)
    worker_done()
    h.qtbot.waitUntil(lambda: notes.note is not None and notes.note.id != signed.id)
    subjective = notes.editors["subjective"]
    h.qtbot.waitUntil(subjective.isVisible, timeout=20000)
    menu = subjective.context_menu(subjective.rect().center())
    action = next(a for a in menu.actions() if a.text() == "Insert this section from last note")
    assert action.isEnabled()
    action.trigger()
    assert subjective.toPlainText() == "Sleeping better; exposure homework done."
    plan = notes.editors["plan"]
    empty = plan.context_menu(plan.rect().center())
    assert not next(a for a in empty.actions() if a.text().startswith("Insert this")).isEnabled()
