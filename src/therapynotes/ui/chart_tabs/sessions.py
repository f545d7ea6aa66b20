"""The session log of a chart and the "Log session" dialog (date, start/end, CPT service
code, modality, attendance; couple, family and group sessions with several clients)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTimeEdit,
    QWidget,
)

from therapynotes.domain.codes import CPT_BY_CODE, CPT_CODES
from therapynotes.domain.enums import Attendance, Modality
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import Chart, ClientSummary, ServiceEntry
from therapynotes.ui.records_access import RecordsAccess, attempt, day, local_clock
from therapynotes.ui.table_model import RowTableModel, TableOrEmpty, fit_columns, table_view
from therapynotes.ui.widgets import GRID, hbox, plain_buttons, vbox

MODALITY_WORDS = {Modality.IN_PERSON: "In person", Modality.VIDEO: "Video", Modality.PHONE: "Phone"}
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


class SessionModel(RowTableModel[ServiceEntry]):
    columns = SessionColumn

    def __init__(self, client_id: ClientId, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client_id = client_id

    def display(self, row: ServiceEntry, column: SessionColumn) -> str:
        if column is SessionColumn.DATE:
            return day(row.service_date)
        if column is SessionColumn.TIME:
            return f"{local_clock(row.starts_at)}–{local_clock(row.ends_at)}"
        if column is SessionColumn.SERVICE:
            code = CPT_BY_CODE.get(row.service_code)
            return f"{row.service_code} {code.description}" if code else row.service_code
        if column is SessionColumn.MODALITY:
            return MODALITY_WORDS[row.modality]
        if column is SessionColumn.ATTENDANCE:
            mine = next((p for p in row.participants if p.client_id == self.client_id), None)
            return ATTENDANCE_WORDS[mine.attendance] if mine else ""
        count = len(row.participants)
        return "Individual" if count == 1 else f"Group of {count}"


class SessionDialog(QDialog):
    def __init__(
        self,
        client_id: ClientId,
        others: list[ClientSummary],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.client_id = client_id
        self.setWindowTitle("Log session")
        self.setMinimumWidth(60 * GRID)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        form = QFormLayout()
        form.setHorizontalSpacing(2 * GRID)
        form.setVerticalSpacing(GRID)
        self.date = QDateEdit(QDate.currentDate(), self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("d MMM yyyy")
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
        self.others = QListWidget(self)
        self.others.setFixedHeight(16 * GRID)
        self.others.setSpacing(GRID // 4)
        for person in others:
            if person.id != client_id:
                item = QListWidgetItem(person.display_name)
                item.setData(Qt.ItemDataRole.UserRole, int(person.id))
                item.setCheckState(Qt.CheckState.Unchecked)
                self.others.addItem(item)
        for label, widget in (
            ("Date", self.date),
            ("Start", self.start),
            ("End", self.end),
            ("Service", self.code),
            ("Modality", self.modality),
            ("Place", self.place),
            ("Attendance", self.attendance),
            ("Also present (couple, family, group)", self.others),
        ):
            widget.setAccessibleName(label)
            form.addRow(label, widget)
        layout.addLayout(form)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        plain_buttons(box)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

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


class SessionsTab(QWidget):
    changed = Signal()

    def __init__(self, records: RecordsAccess, client_id: ClientId, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.records = records
        self.client_id = client_id
        self.model = SessionModel(client_id, self)
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        row = hbox()
        self.log_button = QPushButton("Log session…", self)
        self.log_button.setAccessibleName("Log session")
        self.log_button.clicked.connect(self.log_session)
        row.addWidget(self.log_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.table = table_view(self.model, "Sessions", self, stretch=2)
        layout.addWidget(
            TableOrEmpty(self.table, "No sessions yet. Log one with Log session…", self), 1
        )

    def show_chart(self, chart: Chart) -> None:
        self.model.set_rows(list(chart.sessions))
        fit_columns(self.table)

    def log_session(self) -> SessionDialog:
        others = self.records.call(lambda s: s.list_clients())
        dialog = SessionDialog(self.client_id, others, self)

        def save() -> None:
            starts, ends = dialog.times()
            people = dialog.participants()
            attempt(
                self,
                lambda: self.records.call(
                    lambda s: s.log_session(
                        people,
                        starts_at=starts,
                        ends_at=ends,
                        service_code=dialog.code.currentData(),
                        modality=dialog.modality.currentData(),
                        place=dialog.place.text().strip(),
                        attendance=dialog.attendance.currentData(),
                    )
                ),
            )
            self.changed.emit()

        dialog.accepted.connect(save)
        dialog.open()
        return dialog
