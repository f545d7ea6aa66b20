"""The note editor's "Measures" button: give a measure from the note being written, and
insert a score into the note in one click ("PHQ-9 14, moderate, 3 Dec 2026; was 19 on
5 Nov"), at the cursor of the section being written (the first section otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu, QPushButton, QTextEdit

from therapynotes.domain import measures as defs
from therapynotes.domain.enums import NoteState
from therapynotes.services.measures import Recorded, summary_line
from therapynotes.store.measures import MeasureResponse
from therapynotes.ui.measures.banner import measures_of
from therapynotes.ui.measures.panel import ResultDialog, give_measure

if TYPE_CHECKING:
    from therapynotes.ui.note_editor import NoteEditorWidget


def _call(fn: Callable[[str], object], value: str) -> Callable[[], None]:
    """A slot taking nothing (Qt's `checked` is never passed on as the value)."""

    def slot() -> None:
        fn(value)

    return slot


NONE_YET = "No {id} has been given to this client yet."


class NoteMeasures:
    def __init__(self, editor: NoteEditorWidget) -> None:
        self.editor = editor
        self.target: QTextEdit | None = None
        self.last_result: ResultDialog | None = None
        self.button = QPushButton("Measures", editor)
        self.button.setAccessibleName("Measures")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the cursor stays in the note
        menu = QMenu(self.button)
        for instrument_id in defs.INSTRUMENTS:
            action = menu.addAction(f"Give {instrument_id}…")
            action.triggered.connect(_call(self.give, instrument_id))
        menu.addSeparator()
        for instrument_id in defs.INSTRUMENTS:
            action = menu.addAction(f"Insert latest {instrument_id} into note")
            action.triggered.connect(_call(self.insert_latest, instrument_id))
        menu.aboutToShow.connect(self._remember_target)
        self.button.setMenu(menu)
        editor.buttons.insertWidget(0, self.button)

    def show_for(self, note: Any) -> None:
        self.target = None  # the section editors are rebuilt for every note
        self.button.setVisible(note is not None and note.state is NoteState.DRAFT)

    def _remember_target(self) -> None:
        focused = QApplication.focusWidget()
        editors = list(self.editor.editors.values())
        self.target = focused if focused in editors else (editors[0] if editors else None)

    def insert(self, line: str) -> None:
        """The line at the cursor, on a line of its own; autosave follows as for typing."""
        if self.target is None:
            self._remember_target()
        target = self.target
        if target is None or target.isReadOnly():
            return
        cursor = target.textCursor()
        before = "" if cursor.atBlockStart() else "\n"
        cursor.insertText(f"{before}{line}\n")
        target.setTextCursor(cursor)
        target.setFocus()

    def give(self, instrument_id: str) -> None:
        note = self.editor.note
        if note is None:
            return
        if self.target is None:
            self._remember_target()
        give_measure(self.editor, self.editor.records, note.client_id, instrument_id, self._saved)

    def _saved(self, recorded: Recorded, history: list[MeasureResponse]) -> None:
        line = summary_line(history, recorded.response)
        dialog = ResultDialog(recorded, line, insert=self.insert, parent=self.editor)
        self.last_result = dialog
        dialog.open()

    def insert_latest(self, instrument_id: str) -> None:
        note = self.editor.note
        if note is None:
            return
        client_id = note.client_id

        def work(service: Any) -> str:
            history = measures_of(service).history(client_id)
            rows = [r for r in history if r.instrument == instrument_id]
            return summary_line(history, rows[-1]) if rows else ""

        self.editor.records.op(self.editor, work).success(
            lambda line: self.insert(line) if line else self._none_yet(instrument_id)
        ).run(database=True)

    def _none_yet(self, instrument_id: str) -> None:
        self.editor.saved.setText(NONE_YET.format(id=instrument_id))
