"""The Notes tab: the chart's notes (record notes, and psychotherapy notes kept apart in
their own list, loaded only on request) beside the note editor, and "New note" (a
template, the session it documents, or "Start from last note")."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QWidget,
)

from therapynotes.domain.enums import NoteState
from therapynotes.domain.ids import ClientId, NoteId, SessionId
from therapynotes.domain.models import Chart, Note
from therapynotes.domain.templates import TEMPLATES, Template
from therapynotes.services.records import RecordsService
from therapynotes.services.templates import TemplateService
from therapynotes.ui.chart_tabs.sessions import ATTENDANCE_WORDS
from therapynotes.ui.errors import show_error
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.note_editor import NoteEditorWidget
from therapynotes.ui.records_access import (
    KIND_WORDS,
    PRIVATE_MARK,
    RecordsAccess,
    day,
    note_state_label,
)
from therapynotes.ui.table_model import (
    PADDING,
    RowTableModel,
    TableOrEmpty,
    fit_columns,
    table_view,
)
from therapynotes.ui.widgets import GRID, body, hbox, plain_buttons, vbox

# The note list keeps about its narrowest useful width; the note being written gets the
# rest, and all of any extra room (ui.md: it gets the most room).
NOTE_LIST_WIDTH = 32 * GRID


STARTING = NoteId(0)  # in NotesTab.started: the note is being started on the worker


class NoteColumn(Enum):
    DATE = "Date"
    KIND = "Note"
    STATE = "State"


# The list says the state in a word; the whole label (signed when, late entry, addenda)
# is in the row's tooltip and above the open note.
STATE_WORDS = {NoteState.DRAFT: "Draft", NoteState.SIGNED: "Signed", NoteState.VOIDED: "Voided"}


class NoteListModel(RowTableModel[Note]):
    columns = NoteColumn

    def display(self, row: Note, column: NoteColumn) -> str:
        if column is NoteColumn.DATE:
            return day(row.service_date)
        if column is NoteColumn.KIND:
            return KIND_WORDS[row.kind]
        return STATE_WORDS[row.state]

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        row = self.row_at(index)
        if role == Qt.ItemDataRole.ToolTipRole and row is not None:
            return f"{KIND_WORDS[row.kind]}, {day(row.service_date)}. {note_state_label(row)}"
        return super().data(index, role)

    def index_of(self, note_id: int) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == note_id), -1)


def note_list_width(widget: QWidget) -> int:
    """Room for the longest date, note kind and state word and the scroll bar: the note
    list's first width, so no column is cut at 1280x800."""
    metrics = widget.fontMetrics()
    texts = (("30 Sep 2026", "Date"), tuple(KIND_WORDS.values()), tuple(STATE_WORDS.values()))
    columns = sum(max(metrics.horizontalAdvance(t) for t in group) + PADDING for group in texts)
    style = widget.style()
    frame = 2 * style.pixelMetric(style.PixelMetric.PM_DefaultFrameWidth)
    return columns + style.pixelMetric(style.PixelMetric.PM_ScrollBarExtent) + frame


class NewNoteDialog(QDialog):
    """A template and the session the note documents (the newest session unless one is
    given); `intro` says why the dialog came up (a session without a note)."""

    def __init__(
        self,
        chart: Chart,
        parent: QWidget | None = None,
        *,
        session_id: SessionId | None = None,
        intro: str = "",
        templates: list[Template] | None = None,  # the therapist's choice (Settings)
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New note")
        self.setMinimumWidth(56 * GRID)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        if intro:
            self.intro = body(intro, parent=self)
            self.intro.setAccessibleName(intro)
            layout.addWidget(self.intro)
        form = QFormLayout()
        form.setHorizontalSpacing(2 * GRID)
        self.template = QComboBox(self)
        self.template.setAccessibleName("Template")
        for template in TEMPLATES.values() if templates is None else templates:
            self.template.addItem(template.name, template.id)
        self.session = QComboBox(self)
        self.session.setAccessibleName("Session")
        self.session.addItem("No session (contact or other note)", None)
        for entry in chart.sessions:
            mine = next(p for p in entry.participants if p.client_id == chart.client.id)
            text = f"{day(entry.service_date)}, {entry.service_code}"
            text += f", {ATTENDANCE_WORDS[mine.attendance].lower()}"
            self.session.addItem(text, int(entry.id))
        if chart.sessions:
            given = self.session.findData(int(session_id)) if session_id is not None else -1
            self.session.setCurrentIndex(given if given > 0 else 1)
        self.from_last = QCheckBox("Start from last note (copies its sections)", self)
        self.from_last.setAccessibleName("Start from last note")
        form.addRow("Template", self.template)
        form.addRow("Session", self.session)
        form.addRow("", self.from_last)
        layout.addLayout(form)
        self.from_last.toggled.connect(lambda on: self.template.setEnabled(not on))
        self.session.currentIndexChanged.connect(
            lambda: self.from_last.setEnabled(self.session.currentData() is not None)
        )
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        start = box.addButton("Start note", QDialogButtonBox.ButtonRole.AcceptRole)
        start.setAccessibleName("Start note")
        start.setDefault(True)
        plain_buttons(box)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def form_state(self) -> dict[str, Any]:
        return {
            "template": self.template.currentData(),
            "session": self.session.currentData(),
            "from_last": self.from_last.isChecked(),
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        for combo, key in ((self.template, "template"), (self.session, "session")):
            found = combo.findData(state.get(key))
            if found >= 0:
                combo.setCurrentIndex(found)
        self.from_last.setChecked(bool(state.get("from_last")) and self.from_last.isEnabled())


class NotesTab(QWidget):
    changed = Signal()
    note_opened = Signal(int)

    def __init__(self, records: RecordsAccess, client_id: ClientId, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.records = records
        self.client_id = client_id
        self.chart: Chart | None = None
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget(self)
        lists = vbox(left, spacing=GRID)
        row = hbox()
        self.new_button = QPushButton("New note…", self)
        self.new_button.setAccessibleName("New note")
        self.new_button.setToolTip("New note (Ctrl+N)")
        self.new_button.clicked.connect(self.new_note)
        row.addWidget(self.new_button)
        row.addStretch(1)
        lists.addLayout(row)
        self.model = NoteListModel(self)
        self.table = table_view(self.model, "Notes", self, stretch=2)
        self.table.clicked.connect(lambda i: self._open_from(self.model, i))
        self.table.activated.connect(lambda i: self._open_from(self.model, i))
        lists.addWidget(
            TableOrEmpty(self.table, "No notes yet. Start one with New note… (Ctrl+N).", self),
            3,
        )
        self.private_toggle = QCheckBox("Show psychotherapy notes (private)", self)
        self.private_toggle.setAccessibleName("Show psychotherapy notes")
        self.private_toggle.toggled.connect(self._toggle_private)
        lists.addWidget(self.private_toggle)
        self.private_label = QLabel(f"{PRIVATE_MARK}. Kept apart from the record.", self)
        self.private_label.setWordWrap(True)
        self.private_model = NoteListModel(self)
        self.private_table = table_view(self.private_model, "Psychotherapy notes", self, stretch=2)
        self.private_table.clicked.connect(lambda i: self._open_from(self.private_model, i))
        for widget in (self.private_label, self.private_table):
            widget.setVisible(False)
            lists.addWidget(widget, 1 if widget is self.private_table else 0)
        self.editor = NoteEditorWidget(records, self)
        self.started: dict[SessionId, NoteId] = {}  # a session's note started just now
        self.editor.note_changed.connect(lambda _id: self.changed.emit())
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.editor)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([max(NOTE_LIST_WIDTH, note_list_width(self)), 100 * GRID])
        layout.addWidget(self.splitter)

    def show_chart(self, chart: Chart) -> None:
        self.chart = chart
        # the chart itself has the notes started before; keep those still being started
        self.started = {k: v for k, v in self.started.items() if v == STARTING}
        self.model.set_rows([n for n in chart.notes if not n.is_psychotherapy])
        fit_columns(self.table)
        if self.private_toggle.isChecked():
            self._load_private()
        if self.editor.note is not None:  # keep the note being written as it is
            row = self.model.index_of(self.editor.note.id)
            if row >= 0:
                self.table.selectRow(row)

    def _toggle_private(self, on: bool) -> None:
        self.private_label.setVisible(on)
        self.private_table.setVisible(on)
        if on:
            self._load_private()
        else:
            if self.editor.note is not None and self.editor.note.is_psychotherapy:
                self.editor.close_note()
            self.private_model.clear()

    def _load_private(self) -> None:
        """On the database worker; the open psychotherapy note's row is chosen when the
        list arrives (unless the list was hidden again meanwhile)."""
        client_id = self.client_id

        def show(chart: Chart) -> None:
            if not self.private_toggle.isChecked():
                return
            self.private_model.set_rows([n for n in chart.notes if n.is_psychotherapy])
            fit_columns(self.private_table)
            self._select_open_note()

        self.records.op(
            self, lambda s: s.open_chart(client_id, include_psychotherapy=True)
        ).success(show).run(database=True)

    def _select_open_note(self) -> None:
        note = self.editor.note
        if note is None:
            return
        model, table = (
            (self.private_model, self.private_table)
            if note.is_psychotherapy
            else (self.model, self.table)
        )
        row = model.index_of(note.id)
        if row >= 0:
            table.selectRow(row)

    def _open_from(self, model: NoteListModel, index: QModelIndex) -> None:
        note = model.row_at(index)
        if note is not None:
            self.open_note(note.id)

    def open_note(self, note_id: NoteId, then: Callable[[Note | None], None] | None = None) -> None:
        """The editor reads the note on the database worker; `then` gets it once shown
        (None if it was not: missing, or another note was chosen meanwhile)."""

        def opened(note: Note | None) -> None:
            if note is not None:
                if note.is_psychotherapy and not self.private_toggle.isChecked():
                    self.private_toggle.setChecked(True)  # its row is chosen on arrival
                self._select_open_note()
                self.note_opened.emit(int(note.id))
            if then is not None:
                then(note)

        self.editor.open_note(note_id, opened)

    def new_note(
        self, *, session_id: SessionId | None = None, intro: str = ""
    ) -> NewNoteDialog | None:
        if self.chart is None:
            return None
        choices = self.records.call(lambda s: TemplateService(s.session).choices())
        dialog = NewNoteDialog(
            self.chart, self, session_id=session_id, intro=intro, templates=choices
        )
        tag(dialog, "note.new", self.chart.client.id)
        dialog.accepted.connect(lambda: self._start(dialog))
        dialog.open()
        return dialog

    def _start(self, dialog: NewNoteDialog) -> None:
        session = dialog.session.currentData()
        session_id = SessionId(int(session)) if session is not None else None
        template = str(dialog.template.currentData())
        from_last = dialog.from_last.isChecked() and session_id is not None
        self.start_note(template, session_id, from_last=from_last)

    def start_note(
        self, template: str, session_id: SessionId | None, *, from_last: bool = False
    ) -> None:
        """Start the note on the database worker, then open it. A session's note counts
        as started from the click on (`started`), so a double-click starts one."""
        client_id = self.client_id

        def work(service: RecordsService) -> NoteId:
            if from_last and session_id is not None:
                return service.start_from_last_note(client_id, session_id)
            return service.start_note(client_id, template, session_id=session_id)

        def done(note_id: NoteId) -> None:
            if session_id is not None:  # until the chart's refresh shows it
                self.started[session_id] = note_id
            self.changed.emit()
            self.open_note(note_id)

        def failed(exc: BaseException) -> None:
            if session_id is not None and self.started.get(session_id) == STARTING:
                del self.started[session_id]
            show_error(self, exc)

        if session_id is not None:
            self.started[session_id] = STARTING
        self.records.op(self, work).success(done).failure(failed).run(database=True)
