"""Spell check in the note editor: a misspelt word is underlined as it is typed, the
context menu suggests, Add to dictionary survives a lock and unlock (the word is kept
in the vault), Ignore lasts until the lock, and a signed note is not underlined."""

from __future__ import annotations

from PySide6.QtGui import QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QMenu

from tests.ui.conftest import Harness, save_settings
from tests.ui.test_records_flow import clients, settled
from tests.ui.waits import worker_done
from therapynotes.domain.models import ClientFields
from therapynotes.services.spelling import SpellingService
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.note_editor import SectionEditor
from therapynotes.ui.settings_dialog import SettingsPanel
from therapynotes.ui.spelling.access import spelling_for
from therapynotes.ui.spelling.menu import spelling_menu


def _chart(h: Harness) -> ClientChartView:
    h.window.show_view("clients")
    page = clients(h)
    client = page.records.service.create_client(ClientFields(legal_name="Di Speller"))
    chart = settled(h, page.open_client(client))
    chart.show_notes()
    return chart


def _underlined(editor: SectionEditor) -> list[str]:
    """The words drawn with the spell-check underline, read from the text layout."""
    words = []
    block = editor.document().begin()
    while block.isValid():
        for rng in block.layout().formats():
            style = rng.format.underlineStyle()
            if style == QTextCharFormat.UnderlineStyle.SpellCheckUnderline:
                words.append(block.text()[rng.start : rng.start + rng.length])
        block = block.next()
    return words


def _type(h: Harness, editor: SectionEditor, text: str) -> None:
    h.qtbot.waitUntil(editor.isVisible, timeout=20000)  # laid out: points map to words
    editor.setFocus()
    editor.moveCursor(QTextCursor.MoveOperation.End)
    h.qtbot.keyClicks(editor, text)


def _menu_at(editor: SectionEditor, word: str) -> QMenu:
    start = editor.toPlainText().index(word) + 1
    cursor = editor.textCursor()
    cursor.setPosition(start)
    point = editor.cursorRect(cursor).center()
    assert editor.spelling is not None
    return spelling_menu(editor, editor.spelling, point)


def _action(menu: QMenu, text: str):  # type: ignore[no-untyped-def]
    return next(a for a in menu.actions() if a.text() == text)


def test_misspelt_word_is_underlined_and_a_suggestion_replaces_it(unlocked: Harness) -> None:
    h = unlocked
    chart = _chart(h)
    chart.notes.start_note("soap", None)
    worker_done()
    editor = chart.notes.editor.editors["subjective"]
    _type(h, editor, "Client reports psychoeducation helped; unable to recieve feedback")
    h.qtbot.waitUntil(lambda: _underlined(editor) == ["recieve"], timeout=20000)
    menu = _menu_at(editor, "recieve")
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == "receive" and "Add to dictionary" in texts and "Ignore" in texts
    assert "Copy" in " ".join(texts)  # the usual editing actions are still there
    _action(menu, "receive").trigger()
    assert editor.toPlainText().endswith("unable to receive feedback")
    assert _underlined(editor) == []
    editor.undo()  # one undo step brings the typed word back
    assert editor.toPlainText().endswith("unable to recieve feedback")


def test_add_to_dictionary_survives_lock_and_unlock(unlocked: Harness) -> None:
    h = unlocked
    chart = _chart(h)
    chart.notes.start_note("soap", None)
    worker_done()
    editor = chart.notes.editor.editors["subjective"]
    _type(h, editor, "Seen with Okonkwo and zqxbrand today")
    h.qtbot.waitUntil(lambda: _underlined(editor) == ["Okonkwo", "zqxbrand"], timeout=20000)
    _action(_menu_at(editor, "Okonkwo"), "Add to dictionary").trigger()
    _action(_menu_at(editor, "zqxbrand"), "Ignore").trigger()
    assert _underlined(editor) == []
    h.records_settled()
    assert SpellingService(h.window.session).words() == ["Okonkwo"]  # type: ignore[arg-type]

    h.window.lock()
    h.unlock_ok()
    h.records_settled()
    chart = _chart(h)
    chart.notes.start_note("dap", None)
    worker_done()
    editor = next(iter(chart.notes.editor.editors.values()))
    _type(h, editor, "Okonkwo and zqxbrand again")
    # the added word is still right; the ignored one is flagged again after the lock
    h.qtbot.waitUntil(lambda: _underlined(editor) == ["zqxbrand"], timeout=20000)


def test_turning_spelling_off_removes_underlines_and_a_signed_note_has_none(
    unlocked: Harness,
) -> None:
    h = unlocked
    chart = _chart(h)
    chart.notes.start_note("soap", None)
    worker_done()
    editor = chart.notes.editor.editors["subjective"]
    _type(h, editor, "wrng")
    h.qtbot.waitUntil(lambda: _underlined(editor) == ["wrng"], timeout=20000)
    menu = _menu_at(editor, "wrng")
    spelling_sub = _action(menu, "Spelling").menu()
    names = [a.text() for a in spelling_sub.actions()]
    assert "English (United States)" in names and "English (United Kingdom)" in names
    _action(spelling_sub, "Check spelling as I type").trigger()
    assert _underlined(editor) == []
    h.records_settled()
    assert not SpellingService(h.window.session).enabled()  # type: ignore[arg-type]
    _action(
        _action(_menu_at(editor, "wrng"), "Spelling").menu(), "Check spelling as I type"
    ).trigger()
    assert _underlined(editor) == ["wrng"]
    h.records_settled()

    note = chart.notes.editor.note
    assert note is not None
    for section in ("objective", "assessment", "plan"):
        chart.notes.editor.editors[section].setPlainText("x")
    chart.notes.editor.save_draft()
    signed = chart.notes.editor.records.call(lambda s: s.sign_note(note.id))
    chart.notes.editor.show_note(signed)
    shown = chart.notes.editor.editors["subjective"]
    assert shown.toPlainText() == "wrng" and _underlined(shown) == []
    assert shown.spelling is None


def test_settings_remove_a_word_and_open_notes_flag_it_again(unlocked: Harness) -> None:
    h = unlocked
    chart = _chart(h)
    chart.notes.start_note("soap", None)
    worker_done()
    editor = chart.notes.editor.editors["subjective"]
    _type(h, editor, "Okonkwo called")
    h.qtbot.waitUntil(lambda: _underlined(editor) == ["Okonkwo"], timeout=20000)
    _action(_menu_at(editor, "Okonkwo"), "Add to dictionary").trigger()
    h.records_settled()
    assert _underlined(editor) == []

    h.window.show_view("settings")
    panel = h.window.pages["settings"]
    assert isinstance(panel, SettingsPanel)
    group = panel.spelling
    group.load()
    assert [group.words.item(i).text() for i in range(group.words.count())] == ["Okonkwo"]
    group.words.setCurrentRow(0)
    group.remove_word()
    assert group.words.count() == 0
    assert _underlined(editor) == ["Okonkwo"]  # the open note looked again
    group.language.setCurrentIndex(group.language.findData("en_GB"))
    assert SpellingService(h.window.session).language() == "en_US"  # type: ignore[arg-type]
    save_settings(h)  # Settings' one Save (issue 16)
    assert SpellingService(h.window.session).language() == "en_GB"  # type: ignore[arg-type]
    assert editor.spelling is not None and editor.spelling.checker.language == "en_GB"


def test_the_addendum_is_spell_checked_too(unlocked: Harness) -> None:
    h = unlocked
    chart = _chart(h)
    chart.notes.start_note("freeform", None)
    worker_done()
    notes = chart.notes.editor
    notes.editors["text"].setPlainText("Seen.")
    notes.save_draft()
    assert notes.note is not None
    note_id = notes.note.id
    notes.show_note(notes.records.call(lambda s: s.sign_note(note_id)))
    dialog = notes.add_addendum()
    assert dialog is not None
    h.qtbot.waitUntil(dialog.editor.isVisible, timeout=20000)
    h.qtbot.keyClicks(dialog.editor, "Client called to recieve the referal")
    block = dialog.editor.document().begin()
    wavy = QTextCharFormat.UnderlineStyle.SpellCheckUnderline
    flagged = [
        block.text()[r.start : r.start + r.length]
        for r in block.layout().formats()
        if r.format.underlineStyle() == wavy
    ]
    assert flagged == ["recieve", "referal"]
    cursor = dialog.editor.textCursor()
    cursor.setPosition(dialog.editor.toPlainText().index("referal") + 2)
    point = dialog.editor.cursorRect(cursor).center()
    spelling = spelling_for(notes.records)
    assert spelling is not None
    menu = spelling_menu(dialog.editor, spelling, point)  # type: ignore[arg-type]
    assert "referral" in [a.text() for a in menu.actions()]
    dialog.reject()
