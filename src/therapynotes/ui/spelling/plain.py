"""Spell check for a plain-text field that is not a note section (the addendum): the
underline, and the spelling menu on right-click through an event filter on the field's
viewport, so the field's own class needs no change."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

from therapynotes.ui.spelling.access import Spelling
from therapynotes.ui.spelling.highlighter import SpellHighlighter
from therapynotes.ui.spelling.menu import spelling_menu


class SpellingMenuFilter(QObject):
    def __init__(self, editor: QPlainTextEdit | QTextEdit, spelling: Spelling) -> None:
        super().__init__(editor)
        self.editor = editor
        self.spelling = spelling
        self.highlighter = SpellHighlighter(editor.document(), spelling)
        editor.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if isinstance(event, QContextMenuEvent) and event.type() == QEvent.Type.ContextMenu:
            menu = spelling_menu(self.editor, self.spelling, event.pos())  # type: ignore[arg-type]
            menu.exec(event.globalPos())
            menu.deleteLater()
            return True
        return super().eventFilter(watched, event)


def check_spelling(editor: QPlainTextEdit | QTextEdit, spelling: Spelling) -> SpellingMenuFilter:
    return SpellingMenuFilter(editor, spelling)
