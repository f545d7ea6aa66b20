"""The context menu of a spell-checked field: for a misspelt word under the pointer, up
to six suggestions (choosing one replaces the word, one undo step), "Add to dictionary"
and "Ignore"; then the usual Cut/Copy/Paste; then "Spelling" (check as I type, and the
language, from the dictionaries installed on this computer)."""

from __future__ import annotations

from PySide6.QtCore import QLocale, QPoint
from PySide6.QtGui import QAction, QFont, QTextCursor
from PySide6.QtWidgets import QMenu, QTextEdit

from therapynotes.services.spelling import WORD
from therapynotes.ui.spelling.access import Spelling


def language_name(code: str) -> str:
    """'en_GB' -> 'English (United Kingdom)'."""
    locale = QLocale(code)
    if locale.language() == QLocale.Language.C:
        return code
    language = QLocale.languageToString(locale.language())
    territory = QLocale.territoryToString(locale.territory())
    return f"{language} ({territory})" if "_" in code else language


def word_at(editor: QTextEdit, pos: QPoint) -> QTextCursor | None:
    """A cursor selecting the word under `pos` (viewport coordinates), if any."""
    cursor = editor.cursorForPosition(pos)
    block = cursor.block()
    at = cursor.position() - block.position()
    for match in WORD.finditer(block.text()):
        if match.start() <= at <= match.end():
            cursor.setPosition(block.position() + match.start())
            cursor.setPosition(block.position() + match.end(), QTextCursor.MoveMode.KeepAnchor)
            return cursor
    return None


def _replace(cursor: QTextCursor, text: str) -> None:
    cursor.beginEditBlock()
    cursor.insertText(text)
    cursor.endEditBlock()


def spelling_menu(editor: QTextEdit, spelling: Spelling, pos: QPoint) -> QMenu:
    """The field's menu for a right-click at `pos` (viewport coordinates)."""
    standard = editor.createStandardContextMenu(editor.viewport().mapToGlobal(pos))
    menu = QMenu(editor)
    menu.setAccessibleName("Spelling menu")
    cursor = word_at(editor, pos) if spelling.active and not editor.isReadOnly() else None
    word = cursor.selectedText() if cursor is not None else ""
    if cursor is not None and not spelling.checker.is_correct(word):
        _word_actions(menu, editor, spelling, cursor)
        menu.addSeparator()
    for action in standard.actions():
        action.setParent(menu)
        menu.addAction(action)
    if not editor.isReadOnly():
        menu.addSeparator()
        _preferences(menu.addMenu("Spelling"), editor, spelling)
    standard.deleteLater()
    return menu


def _word_actions(menu: QMenu, editor: QTextEdit, spelling: Spelling, cursor: QTextCursor) -> None:
    word = cursor.selectedText()
    suggestions = spelling.checker.suggestions(word)
    bold = QFont(menu.font())
    bold.setBold(True)
    for suggestion in suggestions:
        action = menu.addAction(suggestion)
        action.setFont(bold)
        action.triggered.connect(lambda _=False, s=suggestion: _replace(cursor, s))
    if not suggestions:
        menu.addAction("No suggestions").setEnabled(False)
    menu.addSeparator()
    add = menu.addAction("Add to dictionary")
    add.setToolTip("Never flag this word again (kept in your vault)")
    add.triggered.connect(lambda: spelling.add_word(editor, word))
    ignore = menu.addAction("Ignore")
    ignore.setToolTip("Do not flag this word again until TherapyNotes locks")
    ignore.triggered.connect(lambda: spelling.ignore(word))


def _preferences(menu: QMenu, editor: QTextEdit, spelling: Spelling) -> None:
    check = QAction("Check spelling as I type", menu)
    check.setCheckable(True)
    check.setChecked(spelling.enabled)
    check.setEnabled(spelling.checker.available)
    check.toggled.connect(
        lambda on: spelling.set_preferences(editor, language=spelling.checker.language, enabled=on)
    )
    menu.addAction(check)
    menu.addSeparator()
    installed = spelling.languages()
    if not installed:
        menu.addAction("No dictionaries are installed on this computer").setEnabled(False)
    for code in installed:
        action = QAction(language_name(code), menu)
        action.setCheckable(True)
        action.setChecked(code == spelling.checker.language)
        action.triggered.connect(
            lambda _=False, c=code: spelling.set_preferences(
                editor, language=c, enabled=spelling.enabled
            )
        )
        menu.addAction(action)
