"""The session log of a chart: each session opens its note (or offers to start one), "Set
attendance…" changes this client's attendance, and the "Log session" dialog (date,
start/end, CPT service code, modality, attendance; couple, family and group sessions
with several clients). The end time follows the start and the service's length; an end
before the start or a code that doesn't fit the length (CPT time rules, domain/codes.py)
is shown next to its field and the dialog stays open. What was typed survives a lock
(`form_state`/`restore_state`, ui/form_drafts.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QTimeEdit,
    QWidget,
)

from therapynotes.domain.codes import CPT_BY_CODE, CPT_CODES, duration_problem
from therapynotes.domain.enums import Attendance, Modality, NoteState
from therapynotes.domain.formatting import QT_ISO_DATE
from therapynotes.domain.ids import ClientId, SessionId
from therapynotes.domain.models import Chart, ClientSummary, Note, ServiceEntry
from therapynotes.ui.clipboard import conceal_copies
from therapynotes.ui.errors import show_error
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.records_access import RecordsAccess, day, local_clock
from therapynotes.ui.table_model import RowTableModel, TableOrEmpty, fit_columns, table_view
from therapynotes.ui.widgets import (
    GRID,
    DateField,
    body,
    hbox,
    message_label,
    ok_cancel,
    plain_buttons,
    vbox,
)

MODALITY_WORDS = {Modality.IN_PERSON: "In person", Modality.VIDEO: "Video", Modality.PHONE: "Phone"}
OPEN_NOTE = "Open note"
START_NOTE = "Start note…"
ATTENDANCE_WORDS = {
    Attendance.ATTENDED: "Attended",
    Attendance.NO_SHOW: "No-show",
    Attendance.LATE_CANCEL: "Late cancel",
    Attendance.CANCELLED: "Cancelled",
}


class SessionColumn(Enum):
    DATE = "Date"
    TIME = "Time"
    SERVICE = "Service"
    MODALITY = "Modality"
    ATTENDANCE = "Attendance"
    PARTICIPANTS = "Clients"
    NOTE = "Note"


def service_words(code: str) -> str:
    found = CPT_BY_CODE.get(code)
    return f"{code} {found.description}" if found else code


FACTS: dict[SessionColumn, Callable[[ServiceEntry], str]] = {
    SessionColumn.DATE: lambda r: day(r.service_date),
    SessionColumn.TIME: lambda r: f"{local_clock(r.starts_at)}–{local_clock(r.ends_at)}",
    SessionColumn.SERVICE: lambda r: service_words(r.service_code),
    SessionColumn.MODALITY: lambda r: MODALITY_WORDS[r.modality],
}


def note_word(note: Note | None) -> str:
    if note is None:
        return "No note"
    return "Draft" if note.state is NoteState.DRAFT else "Signed"


class SessionModel(RowTableModel[ServiceEntry]):
    columns = SessionColumn

    def __init__(self, client_id: ClientId, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client_id = client_id
        self.notes: dict[SessionId, Note] = {}

    def set_chart(self, chart: Chart) -> None:
        self.notes = {}
        for entry in chart.sessions:
            note = chart.session_note(entry.id)
            if note is not None:
                self.notes[entry.id] = note
        self.set_rows(list(chart.sessions))

    def clear(self) -> None:
        self.notes = {}
        super().clear()

    def attendance(self, row: ServiceEntry) -> Attendance | None:
        mine = next((p for p in row.participants if p.client_id == self.client_id), None)
        return mine.attendance if mine else None

    def display(self, row: ServiceEntry, column: SessionColumn) -> str:
        if column is SessionColumn.ATTENDANCE:
            mine = self.attendance(row)
            return ATTENDANCE_WORDS[mine] if mine else ""
        if column is SessionColumn.NOTE:
            return note_word(self.notes.get(row.id))
        if column is SessionColumn.PARTICIPANTS:
            count = len(row.participants)
            return "Individual" if count == 1 else f"Group of {count}"
        return FACTS[column](row)

    def row_of(self, session_id: SessionId) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == session_id), -1)

    def set_attendance(self, session_id: SessionId, attendance: Attendance) -> None:
        """Show a saved change at once (the chart's refresh follows)."""
        row = self.row_of(session_id)
        if row < 0:
            return
        entry = self.rows[row]
        people = tuple(
            dataclasses.replace(p, attendance=attendance) if p.client_id == self.client_id else p
            for p in entry.participants
        )
        self.rows[row] = dataclasses.replace(entry, participants=people)
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))


class SessionDialog(QDialog):
    def __init__(
        self,
        client_id: ClientId,
        others: list[ClientSummary],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.client_id = client_id
        self._tried = False
        self.setWindowTitle("Log session")
        self.setMinimumWidth(60 * GRID)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        form = QFormLayout()
        form.setHorizontalSpacing(2 * GRID)
        form.setVerticalSpacing(GRID)
        self.date = DateField("Date", self, optional=False)
        self.start = QTimeEdit(QTime(QTime.currentTime().hour(), 0), self)
        self.end = QTimeEdit(QTime(QTime.currentTime().hour(), 45), self)
        self.code = QComboBox(self)
        for entry in CPT_CODES:
            self.code.addItem(f"{entry.code}  {entry.description}", entry.code)
        self.code.setCurrentIndex(2)
        self.modality = QComboBox(self)
        for modality, word in MODALITY_WORDS.items():
            self.modality.addItem(word, modality)
        self.attendance = QComboBox(self)
        for attendance, word in ATTENDANCE_WORDS.items():
            self.attendance.addItem(word, attendance)
        self.place = QLineEdit(self)
        self.end_message = message_label(self)
        self.end_message.setAccessibleName("End time problem")
        self.code_message = message_label(self)
        self.code_message.setAccessibleName("Service problem")
        self.others = QListWidget(self)
        self.others.setFixedHeight(16 * GRID)
        self.others.setSpacing(GRID // 4)
        conceal_copies(self.others)  # Ctrl+C copies a name
        for person in others:
            if person.id != client_id:
                item = QListWidgetItem(person.display_name)
                item.setData(Qt.ItemDataRole.UserRole, int(person.id))
                item.setCheckState(Qt.CheckState.Unchecked)
                self.others.addItem(item)
        for label, widget in (
            ("Date", self.date),
            ("Start", self.start),
            ("End", self._with_message(self.end, self.end_message)),
            ("Service", self._with_message(self.code, self.code_message)),
            ("Modality", self.modality),
            ("Place", self.place),
            ("Attendance", self.attendance),
            ("Also present (couple, family, group)", self.others),
        ):
            if not widget.accessibleName():
                widget.setAccessibleName(label)
            form.addRow(label, widget)
        self.end.setAccessibleName("End")
        self.code.setAccessibleName("Service")
        layout.addLayout(form)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        plain_buttons(box)
        box.accepted.connect(self._check)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.start.timeChanged.connect(self._follow)
        self.code.currentIndexChanged.connect(self._follow)
        for signal in (
            self.end.timeChanged,
            self.code.currentIndexChanged,
            self.attendance.currentIndexChanged,
        ):
            signal.connect(self._recheck)

    def _with_message(self, field: QWidget, message: QLabel) -> QWidget:
        """The field with its error shown right under it."""
        box = QWidget(self)
        column = vbox(box, spacing=GRID // 2)
        column.addWidget(field)
        column.addWidget(message)
        return box

    def _follow(self) -> None:
        """The end follows the start by the chosen service's length."""
        found = CPT_BY_CODE.get(str(self.code.currentData()))
        if found is not None and found.minutes:
            self.end.setTime(self.start.time().addSecs(found.minutes * 60))

    def problems(self) -> tuple[str, str]:
        """(end time, service) problems; empty when the session can be saved."""
        starts, ends = self.times()
        if ends <= starts:
            return "The session ends before it starts. Set an end time after the start.", ""
        attended = Attendance(self.attendance.currentData()) is Attendance.ATTENDED
        minutes = int((ends - starts).total_seconds() // 60)
        code = str(self.code.currentData())
        return "", duration_problem(code, minutes) if attended else ""

    def _show_problems(self) -> bool:
        end, code = self.problems()
        for label, text in ((self.end_message, end), (self.code_message, code)):
            label.setText(text)
            label.setVisible(bool(text))
        return bool(end or code)

    def _recheck(self) -> None:
        """After a first Save, problems show (and go) as the fields change."""
        if self._tried:
            self._show_problems()

    def _check(self) -> None:
        """Save only a session that makes sense; otherwise say why and stay open."""
        self._tried = True
        if not self._show_problems():
            self.accept()
        elif self.end_message.isVisible():
            self.end.setFocus()
        else:
            self.code.setFocus()

    def form_state(self) -> dict[str, Any]:
        return {
            "date": self.date.date().toString(QT_ISO_DATE),
            "start": self.start.time().toString("HH:mm"),
            "end": self.end.time().toString("HH:mm"),
            "code": str(self.code.currentData()),
            "modality": str(self.modality.currentData()),
            "attendance": str(self.attendance.currentData()),
            "place": self.place.text(),
            "others": [int(c) for c in self.participants()[1:]],
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        for combo, key in ((self.code, "code"), (self.modality, "modality")):
            found = combo.findData(str(state.get(key, "")))
            if found >= 0:
                combo.setCurrentIndex(found)
        found = self.attendance.findData(str(state.get("attendance", "")))
        if found >= 0:
            self.attendance.setCurrentIndex(found)
        day_ = QDate.fromString(str(state.get("date", "")), QT_ISO_DATE)
        if day_.isValid():
            self.date.setDate(day_)
        for edit, key in ((self.start, "start"), (self.end, "end")):  # end last: it follows
            time = QTime.fromString(str(state.get(key, "")), "HH:mm")
            if time.isValid():
                edit.setTime(time)
        self.place.setText(str(state.get("place", "")))
        chosen = {int(c) for c in state.get("others", [])}
        for row in range(self.others.count()):
            item = self.others.item(row)
            checked = int(item.data(Qt.ItemDataRole.UserRole)) in chosen
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def participants(self) -> list[ClientId]:
        chosen = [self.client_id]
        for row in range(self.others.count()):
            item = self.others.item(row)
            if item.checkState() is Qt.CheckState.Checked:
                chosen.append(ClientId(int(item.data(Qt.ItemDataRole.UserRole))))
        return chosen

    def times(self) -> tuple[datetime, datetime]:
        d = self.date.date()

        def at(time: QTime) -> datetime:
            return datetime(d.year(), d.month(), d.day(), time.hour(), time.minute()).astimezone()

        return at(self.start.time()), at(self.end.time())


def describe(entry: ServiceEntry) -> str:
    """'14 Mar 2027, 10:00–10:45, 90834 Psychotherapy, 45 minutes': a session in words."""
    return ", ".join(
        FACTS[c](entry) for c in (SessionColumn.DATE, SessionColumn.TIME, SessionColumn.SERVICE)
    )


class AttendanceDialog(QDialog):
    """Set this client's attendance at one session (in a couple, family or group session,
    the others' attendance stays as it is)."""

    def __init__(self, entry: ServiceEntry, current: Attendance, parent: QWidget) -> None:
        super().__init__(parent)
        self.current = current
        self.setWindowTitle("Set attendance")
        self.setMinimumWidth(52 * GRID)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        text = f"Session on {describe(entry)}."
        if len(entry.participants) > 1:
            text += " Only this client's attendance changes; the others' stays as it is."
        self.session = body(text, parent=self)
        self.session.setAccessibleName("Session")
        layout.addWidget(self.session)
        self.group = QButtonGroup(self)
        choices = vbox(spacing=GRID)
        self.buttons: dict[Attendance, QRadioButton] = {}
        for attendance, word in ATTENDANCE_WORDS.items():
            button = QRadioButton(word, self)
            button.setAccessibleName(word)
            button.setChecked(attendance is current)
            button.toggled.connect(self._sync)
            self.group.addButton(button)
            self.buttons[attendance] = button
            choices.addWidget(button)
        layout.addLayout(choices)
        box, self.ok = ok_cancel(self, "Set attendance")
        self.ok.setAccessibleName("Set attendance")
        self.ok.setDefault(True)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.buttons[current].setFocus()
        self._sync()

    def choice(self) -> Attendance:
        return next(a for a, b in self.buttons.items() if b.isChecked())

    def form_state(self) -> dict[str, Any]:
        return {"attendance": str(self.choice())}

    def restore_state(self, state: dict[str, Any]) -> None:
        for attendance, button in self.buttons.items():
            if str(attendance) == state.get("attendance"):
                button.setChecked(True)

    def _sync(self) -> None:
        self.ok.setEnabled(self.choice() is not self.current)


class SessionsTab(QWidget):
    """The session log. A session opens its note in the Notes tab (double-click, Enter,
    Open note), or offers to start one; Set attendance… changes this client's
    attendance. Both are also in the table's context menu."""

    changed = Signal()
    note_requested = Signal(int)  # note id: show it in the Notes tab
    start_requested = Signal(int)  # session id: no note yet, offer to start one

    def __init__(self, records: RecordsAccess, client_id: ClientId, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.records = records
        self.client_id = client_id
        self.model = SessionModel(client_id, self)
        self.log_dialog: SessionDialog | None = None
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        row = hbox()
        self.log_button = QPushButton("Log session…", self)
        self.log_button.setAccessibleName("Log session")
        self.log_button.clicked.connect(self.log_session)
        self.open_button = QPushButton(OPEN_NOTE, self)
        self.open_button.clicked.connect(self.open_selected)
        self.attendance_button = QPushButton("Set attendance…", self)
        self.attendance_button.setAccessibleName("Set attendance")
        self.attendance_button.clicked.connect(self.set_attendance)
        for button in (self.log_button, self.open_button, self.attendance_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.table = table_view(self.model, "Sessions", self, stretch=2)
        self.table.activated.connect(lambda _index: self.open_selected())
        self.open_action = QAction(OPEN_NOTE, self.table)
        self.open_action.triggered.connect(self.open_selected)
        self.attendance_action = QAction("Set attendance…", self.table)
        self.attendance_action.triggered.connect(self.set_attendance)
        self.table.addActions([self.open_action, self.attendance_action])
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.table.selectionModel().selectionChanged.connect(self._selection)
        layout.addWidget(
            TableOrEmpty(self.table, "No sessions yet. Log one with Log session…", self), 1
        )
        self._selection()

    def show_chart(self, chart: Chart) -> None:
        chosen = self.selected()
        self.model.set_chart(chart)
        fit_columns(self.table)
        if chosen is not None:
            self.select(chosen.id)
        self._selection()

    def selected(self) -> ServiceEntry | None:
        """The chosen row (from the selection: during a keyboard move the current index
        still names the row before)."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0]) if rows else None

    def select(self, session_id: SessionId) -> None:
        row = self.model.row_of(session_id)
        if row >= 0:
            self.table.selectRow(row)

    def _selection(self) -> None:
        entry = self.selected()
        has_note = entry is not None and entry.id in self.model.notes
        text = OPEN_NOTE if has_note or entry is None else START_NOTE
        for widget in (self.open_button, self.open_action):
            widget.setText(text)
            widget.setEnabled(entry is not None)
        self.open_button.setAccessibleName(text.rstrip("…"))
        for widget in (self.attendance_button, self.attendance_action):
            widget.setEnabled(entry is not None and self.model.attendance(entry) is not None)

    def open_selected(self) -> None:
        """The session's note for this client in the Notes tab, or the offer to start one."""
        entry = self.selected()
        if entry is None:
            return
        note = self.model.notes.get(entry.id)
        if note is not None:
            self.note_requested.emit(int(note.id))
        else:
            self.start_requested.emit(int(entry.id))

    def set_attendance(self) -> AttendanceDialog | None:
        entry = self.selected()
        current = self.model.attendance(entry) if entry is not None else None
        if entry is None or current is None:
            return None
        dialog = AttendanceDialog(entry, current, self)
        tag(dialog, "session.attendance", self.client_id, session=entry.id)
        session_id = entry.id
        dialog.accepted.connect(lambda: self._save_attendance(session_id, dialog.choice()))
        dialog.open()
        return dialog

    def _save_attendance(self, session_id: SessionId, attendance: Attendance) -> None:
        client_id = self.client_id
        self.records.op(
            self, lambda s: s.set_attendance(session_id, client_id, attendance)
        ).success(lambda _none: self._attendance_saved(client_id, session_id, attendance)).run(
            database=True
        )

    def _attendance_saved(
        self, client_id: ClientId, session_id: SessionId, attendance: Attendance
    ) -> None:
        if client_id != self.client_id:
            return  # another client's chart is open now
        self.model.set_attendance(session_id, attendance)
        self.changed.emit()

    def log_session(self) -> None:
        """The dialog opens once the client list (for "Also present") has come from the
        database worker; the session is saved there too, with Log session disabled until
        it is, and the chart refreshes when it is saved."""
        self.open_log_dialog(None)

    def open_log_dialog(self, then: Callable[[QDialog | None], None] | None) -> None:
        """Log session, and `then` gets the dialog once it is open (None if it can't)."""
        self._log_busy(True)

        def failed(exc: BaseException) -> None:
            self._log_failed(exc)
            if then is not None:
                then(None)

        def opened(others: list[ClientSummary]) -> None:
            dialog = self._open_log_dialog(others)
            if then is not None:
                then(dialog)

        self.records.op(self, lambda s: s.list_clients()).success(opened).failure(failed).run(
            database=True
        )

    def _log_busy(self, busy: bool) -> None:
        self.log_button.setEnabled(not busy)

    def _log_failed(self, exc: BaseException) -> None:
        self._log_busy(False)
        show_error(self, exc)

    def _open_log_dialog(self, others: list[ClientSummary]) -> SessionDialog:
        self._log_busy(False)
        dialog = SessionDialog(self.client_id, others, self)
        tag(dialog, "session.log", self.client_id)
        self.log_dialog = dialog

        def save() -> None:
            starts, ends = dialog.times()  # read here: the write runs on the worker
            people = dialog.participants()
            code = dialog.code.currentData()
            # Qt hands item data of a StrEnum back as a plain str: make it the enum again
            modality = Modality(dialog.modality.currentData())
            place = dialog.place.text().strip()
            attendance = Attendance(dialog.attendance.currentData())
            self.records.op(
                self,
                lambda s: s.log_session(
                    people,
                    starts_at=starts,
                    ends_at=ends,
                    service_code=code,
                    modality=modality,
                    place=place,
                    attendance=attendance,
                ),
            ).busy(self._log_busy).success(lambda _id: self.changed.emit()).run(database=True)

        dialog.accepted.connect(save)
        dialog.open()
        return dialog
