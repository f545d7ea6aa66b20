"""Snippet expansion in one note field. Typing "/" and a few letters opens a type-ahead
menu of matching snippets (Enter or Tab picks one); Tab right after a whole "/mse"
expands it; Ctrl+Space opens the menu of every snippet. An expanded snippet's
placeholders are selected one after another with Tab (Shift+Tab goes back; Esc
stops), so typing replaces each. One undo step undoes the expansion.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, QStringListModel, Qt
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QCompleter, QListView, QTextEdit

from therapynotes.domain.snippets import Snippet, expand
from therapynotes.ui.snippets.access import Snippets

TYPED = re.compile(r"(?:^|(?<=\s))/([a-z0-9_-]*)$", re.IGNORECASE)
POPUP_KEYS = {Qt.Key.Key_Enter, Qt.Key.Key_Return, Qt.Key.Key_Escape, Qt.Key.Key_Tab}
POPUP_KEYS.add(Qt.Key.Key_Backtab)
PREVIEW = 48


def entry_text(snippet: Snippet) -> str:
    """'/mse   Appearance appearance. Behaviour…' (what the menu shows)."""
    preview = " ".join(expand(snippet.body).text.split())
    if len(preview) > PREVIEW:
        preview = preview[: PREVIEW - 1] + "…"
    return f"/{snippet.trigger}    {preview}"


class SnippetExpander(QObject):
    def __init__(self, editor: QTextEdit, snippets: Snippets) -> None:
        super().__init__(editor)
        self.editor = editor
        self.snippets = snippets
        self.fields: list[QTextCursor] = []
        self.current = -1
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setWidget(editor)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.popup = QListView()
        self.popup.setAccessibleName("Snippets")
        self.completer.setPopup(self.popup)  # the completer owns it from here
        self.completer.activated.connect(self.choose)
        snippets.changed.connect(self._refill)
        self._refill()

    def _refill(self) -> None:
        self.model.setStringList([entry_text(snippet) for snippet in self.snippets.items])

    def _typed(self) -> tuple[int, str] | None:
        """Where the "/name" just before the cursor starts, and the name."""
        cursor = self.editor.textCursor()
        block = cursor.block()
        before = block.text()[: cursor.position() - block.position()]
        match = TYPED.search(before)
        if match is None:
            return None
        return block.position() + match.start(), match.group(1)

    # --- keys (the field's keyPressEvent asks first, then reports the key) ----------------

    def key_press(self, event: QKeyEvent) -> bool:
        """True when the key was used here (the field must not see it)."""
        key = event.key()
        if self.popup.isVisible() and key in POPUP_KEYS:
            event.ignore()  # the completer acts on it
            return True
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.ShiftModifier,
        )
        if key == Qt.Key.Key_Space and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.show_menu()
            return True
        if key == Qt.Key.Key_Tab and plain:
            return self._tab()
        if key == Qt.Key.Key_Backtab and self.fields:
            self.select_field(self.current - 1)
            return True
        if key == Qt.Key.Key_Escape and self.fields:
            self.stop()
            return True
        return False

    def _tab(self) -> bool:
        typed = self._typed()
        snippet = self.snippets.find(typed[1]) if typed else None
        if typed is not None and snippet is not None:
            self.insert(snippet, typed[0])
            return True
        if self.fields:
            if self.current + 1 < len(self.fields):
                self.select_field(self.current + 1)
            else:
                self.stop()
            return True
        return False

    def after_key(self, event: QKeyEvent) -> None:
        if not event.text() or not event.text().isprintable():
            return
        typed = self._typed()
        if typed is None:
            self.popup.hide()
            return
        self.show_menu(typed[1])

    def show_menu(self, prefix: str = "") -> None:
        if not self.snippets.items:
            return
        self.completer.setCompletionPrefix(f"/{prefix}")
        if self.completer.completionCount() == 0:
            self.popup.hide()
            return
        popup = self.popup
        popup.setCurrentIndex(self.completer.completionModel().index(0, 0))
        rect = self.editor.cursorRect()
        rect.setWidth(popup.sizeHintForColumn(0) + popup.verticalScrollBar().sizeHint().width())
        self.completer.complete(rect)

    def choose(self, text: str) -> None:
        snippet = self.snippets.find(text.split(maxsplit=1)[0].lstrip("/"))
        if snippet is None:
            return
        typed = self._typed()
        self.insert(snippet, typed[0] if typed else self.editor.textCursor().position())

    # --- expansion and placeholders ---------------------------------------------------

    def insert(self, snippet: Snippet, start: int) -> None:
        """Replace the text from `start` to the cursor with the snippet's text."""
        expansion = expand(snippet.body)
        cursor = self.editor.textCursor()
        end = cursor.position()
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.beginEditBlock()
        cursor.insertText(expansion.text)
        cursor.endEditBlock()
        after = cursor.position()
        self.fields = []
        for offset, length in expansion.fields:
            field = QTextCursor(self.editor.document())
            field.setPosition(start + offset)
            field.setPosition(start + offset + length, QTextCursor.MoveMode.KeepAnchor)
            self.fields.append(field)
        if self.fields:
            self.select_field(0)
        else:
            cursor.setPosition(after)
            self.editor.setTextCursor(cursor)

    def select_field(self, index: int) -> None:
        if not self.fields:
            return
        self.current = max(0, min(index, len(self.fields) - 1))
        self.editor.setTextCursor(QTextCursor(self.fields[self.current]))

    def stop(self) -> None:
        self.fields = []
        self.current = -1
