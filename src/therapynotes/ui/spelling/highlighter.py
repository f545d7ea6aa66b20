"""The red wavy underline under misspelt words. Qt calls `highlightBlock` for the
paragraph that changed only, and the checker caches every word it has seen, so a
keystroke in a 2,000-word note costs one paragraph's dictionary look-ups (bench/
spell_bench.py measures keystroke-to-paint)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from therapynotes.ui.spelling.access import Spelling

UNDERLINE = QColor(Qt.GlobalColor.red)


class SpellHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument, spelling: Spelling) -> None:
        super().__init__(document)
        self.spelling = spelling
        self.wrong = QTextCharFormat()
        self.wrong.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
        self.wrong.setUnderlineColor(UNDERLINE)
        spelling.changed.connect(self.rehighlight)

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt API
        if not self.spelling.active:
            return
        for start, length in self.spelling.checker.misspelled(text):
            self.setFormat(start, length, self.wrong)
