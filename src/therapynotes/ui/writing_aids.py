"""What a note field does for the writer beyond plain editing: spell check (underline
and the context menu, ui/spelling/), snippets (ui/snippets/) and "Insert this section
from last note". A mixin for
SectionEditor (ui/note_editor.py), placed before QTextEdit in its bases."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QKeyEvent
from PySide6.QtWidgets import QMenu, QTextEdit

from therapynotes.ui.snippets.access import Snippets
from therapynotes.ui.snippets.expander import SnippetExpander
from therapynotes.ui.spelling.access import Spelling
from therapynotes.ui.spelling.highlighter import SpellHighlighter
from therapynotes.ui.spelling.menu import spelling_menu


class WritingAids(QTextEdit):
    spelling: Spelling | None = None
    highlighter: SpellHighlighter | None = None
    expander: SnippetExpander | None = None
    last_note: Callable[[], str] | None = None  # this section of the last signed note

    def check_spelling(self, spelling: Spelling) -> None:
        """Underline misspelt words; suggestions on the context menu."""
        self.spelling = spelling
        self.highlighter = SpellHighlighter(self.document(), spelling)

    def use_snippets(self, snippets: Snippets) -> None:
        self.expander = SnippetExpander(self, snippets)

    def context_menu(self, pos: QPoint) -> QMenu:
        """Spelling (when on) and the usual actions, then "Insert from last note"."""
        if self.spelling is not None:
            menu = spelling_menu(self, self.spelling, pos)
        else:
            menu = self.createStandardContextMenu(self.viewport().mapToGlobal(pos))
        if self.last_note is not None and not self.isReadOnly():
            text = self.last_note()
            menu.addSeparator()
            action = menu.addAction("Insert this section from last note")
            action.setEnabled(bool(text.strip()))
            action.triggered.connect(lambda: self.insertPlainText(text))
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt API
        menu = self.context_menu(event.pos())
        menu.exec(event.globalPos())
        menu.deleteLater()

    def event(self, event: QEvent) -> bool:
        """Tab moves focus to the next section before keyPressEvent sees it; while a
        snippet's placeholders are pending (or "/name" was typed) Tab is the snippet's."""
        if (
            self.expander is not None
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
            and self.expander.key_press(event)
        ):
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if self.expander is not None and self.expander.key_press(event):
            return
        super().keyPressEvent(event)
        if self.expander is not None:
            self.expander.after_key(event)
