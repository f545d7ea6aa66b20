"""A search hit opened in its chart: the note scrolls to the first place the words found
are written and every place is highlighted (issue 18). Part of the note editor
(ui/note_editor.py), which tells it when a note is shown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QColor, QPalette, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QLabel, QTextEdit, QWidget

from therapynotes.domain.ids import NoteId
from therapynotes.domain.models import Note
from therapynotes.ui.widgets import GRID

if TYPE_CHECKING:
    from therapynotes.ui.note_editor import NoteEditorWidget


def word_pattern(words: list[str]) -> re.Pattern[str] | None:
    """Any word starting with one of `words` (the search matches stems and prefixes:
    "anxious" also finds "anxiously"), in any case."""
    parts = [re.escape(w) for w in sorted({w for w in words if w.strip()}, key=len, reverse=True)]
    return re.compile(r"\b(?:" + "|".join(parts) + r")\w*", re.IGNORECASE) if parts else None


class FoundInNote(QObject):
    def __init__(self, editor: NoteEditorWidget) -> None:
        super().__init__(editor)
        self.editor = editor
        self.pending: tuple[NoteId, list[str]] | None = None
        self.target: tuple[QWidget, QTextCursor | None] | None = None
        self.found = 0  # places highlighted in the note on screen
        self.scroll = QTimer(self)
        self.scroll.setSingleShot(True)
        self.scroll.setInterval(0)
        self.scroll.timeout.connect(self.show_target)
        # While the note lays out (sections grow to their text), each growth scrolls to
        # the words again; after that the page is the reader's to scroll.
        self.settling = QTimer(self)
        self.settling.setSingleShot(True)
        self.settling.setInterval(1500)
        editor.page.installEventFilter(self)

    def expect(self, note_id: NoteId, words: list[str]) -> None:
        """Highlight `words` when note `note_id` is next shown."""
        self.pending = (note_id, list(words))

    def note_shown(self, note: Note | None) -> None:
        """A note (or none) is on screen now: if it is the one expected, highlight."""
        self.target = None
        self.found = 0
        pending = self.pending
        if note is None or pending is None or pending[0] != note.id:
            return  # the chart may show another note first while it loads: keep waiting
        self.pending = None
        pattern = word_pattern(pending[1])
        if pattern is not None:
            self._highlight(pattern)

    def _highlight(self, pattern: re.Pattern[str]) -> None:
        look = QTextCharFormat()
        colour = QColor(self.editor.palette().color(QPalette.ColorRole.Highlight))
        colour.setAlpha(110)
        look.setBackground(colour)
        for section in self.editor.editors.values():
            marks = []
            for match in pattern.finditer(section.toPlainText()):
                cursor = QTextCursor(section.document())
                cursor.setPosition(match.start())
                cursor.setPosition(match.end(), QTextCursor.MoveMode.KeepAnchor)
                mark = QTextEdit.ExtraSelection()
                mark.cursor = cursor
                mark.format = look
                marks.append(mark)
                if self.target is None:
                    self.target = (section, cursor)
            section.setExtraSelections(marks)
            self.found += len(marks)
        if self.target is None:  # only in an addendum (plain labels): show that one
            for label in self.editor.page.findChildren(QLabel):
                if label.accessibleName() != "Addendum" and pattern.search(label.text()):
                    self.target = (label, None)
                    self.found += 1
                    break
        if self.target is not None:
            self.settling.start()
            self.scroll.start()

    def show_target(self) -> None:
        if self.target is None:
            return
        widget, cursor = self.target
        scroller, page = self.editor.scroller, self.editor.page
        if isinstance(widget, QTextEdit) and cursor is not None:
            rect = widget.cursorRect(cursor)
            point = widget.mapTo(page, rect.center())
            margin = max(rect.height() * 3, 4 * GRID)
            scroller.ensureVisible(point.x(), point.y(), GRID, margin)
        else:
            scroller.ensureWidgetVisible(widget, GRID, 4 * GRID)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """The page grew as the note's sections laid out: scroll to the words again."""
        if (
            watched is self.editor.page
            and event.type() == QEvent.Type.Resize
            and self.target is not None
            and self.settling.isActive()
        ):
            self.scroll.start()
        return super().eventFilter(watched, event)
