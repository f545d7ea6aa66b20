"""The "Book appointment" dialog: who (one client or several), date, start, length,
service, modality, place, a private memo, and a repeat (weekly, every two weeks,
monthly; ending after N appointments or on a date). Also "Reschedule": the same time
fields only. What was typed survives a lock (form_state/restore_state,
ui/form_drafts.py). Overlaps are checked by the caller after Book (it asks)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from therapynotes.domain.codes import CPT_CODES
from therapynotes.domain.enums import Modality
from therapynotes.domain.formatting import QT_ISO_DATE
from therapynotes.domain.ids import ClientId
from therapynotes.domain.schedule import Repeat
from therapynotes.services.schedule import Booking, Person
from therapynotes.ui.clipboard import conceal_copies
from therapynotes.ui.widgets import GRID, DateField, message_label, ok_cancel, vbox

MODALITY_WORDS = {Modality.IN_PERSON: "In person", Modality.VIDEO: "Video", Modality.PHONE: "Phone"}
REPEAT_WORDS = {
    "": "Doesn't repeat",
    Repeat.WEEKLY.value: "Every week",
    Repeat.BIWEEKLY.value: "Every two weeks",
    Repeat.MONTHLY.value: "Every month",
}
ENDS_WORDS = {"count": "After a number of appointments", "until": "On a date"}


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setHorizontalSpacing(2 * GRID)
    form.setVerticalSpacing(GRID)
    return form


class BookingDialog(QDialog):
    def __init__(  # noqa: PLR0915 - one form, built in reading order
        self,
        people: list[Person],
        *,
        day: date,
        start: QTime | None = None,
        client_id: ClientId | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Book appointment")
        self.setMinimumWidth(64 * GRID)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        form = _form()
        self.clients = QListWidget(self)
        self.clients.setAccessibleName("Clients")
        self.clients.setFixedHeight(18 * GRID)
        conceal_copies(self.clients)
        for person in people:
            item = QListWidgetItem(person.display_name)
            item.setData(Qt.ItemDataRole.UserRole, int(person.id))
            chosen = person.id == client_id
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
            self.clients.addItem(item)
        self.date = DateField("Date", self, value=_qdate(day), optional=False)
        self.start = QTimeEdit(start or QTime(9, 0), self)
        self.start.setDisplayFormat("HH:mm")
        self.start.setAccessibleName("Start")
        self.minutes = QSpinBox(self)
        self.minutes.setRange(5, 720)
        self.minutes.setSingleStep(5)
        self.minutes.setValue(50)
        self.minutes.setSuffix(" min")
        self.minutes.setAccessibleName("Length")
        self.code = QComboBox(self)
        for entry in CPT_CODES:
            self.code.addItem(f"{entry.code}  {entry.description}", entry.code)
        self.code.setCurrentIndex(max(0, self.code.findData("90834")))
        self.code.setAccessibleName("Service")
        self.modality = QComboBox(self)
        for modality, word in MODALITY_WORDS.items():
            self.modality.addItem(word, modality.value)
        self.modality.setAccessibleName("Modality")
        self.place = QLineEdit(self)
        self.place.setAccessibleName("Place or video link")
        self.memo = QPlainTextEdit(self)
        self.memo.setAccessibleName("Private memo")
        self.memo.setFixedHeight(8 * GRID)
        self.repeat = QComboBox(self)
        for value, word in REPEAT_WORDS.items():
            self.repeat.addItem(word, value)
        self.repeat.setAccessibleName("Repeat")
        self.ends = QComboBox(self)
        for value, word in ENDS_WORDS.items():
            self.ends.addItem(word, value)
        self.ends.setAccessibleName("Ends")
        self.count = QSpinBox(self)
        self.count.setRange(2, 260)
        self.count.setValue(10)
        self.count.setSuffix(" appointments")
        self.count.setAccessibleName("Number of appointments")
        self.until = DateField("Last day", self, value=_qdate(day).addMonths(3), optional=False)
        self.message = message_label(self)
        self.message.setAccessibleName("Booking problem")
        for label, widget in (
            ("Clients", self.clients),
            ("Date", self.date),
            ("Start", self.start),
            ("Length", self.minutes),
            ("Service", self.code),
            ("Modality", self.modality),
            ("Place or video link", self.place),
            ("Private memo", self.memo),
            ("Repeat", self.repeat),
            ("Ends", self.ends),
            ("After", self.count),
            ("Last day", self.until),
        ):
            form.addRow(label, widget)
        self.form = form
        layout.addLayout(form)
        layout.addWidget(self.message)
        buttons, self.ok = ok_cancel(self, "Book")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.repeat.currentIndexChanged.connect(self._sync)
        self.ends.currentIndexChanged.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        repeats = bool(self.repeat.currentData())
        by_count = self.ends.currentData() == "count"
        for widget, shown in (
            (self.ends, repeats),
            (self.count, repeats and by_count),
            (self.until, repeats and not by_count),
        ):
            self.form.setRowVisible(widget, shown)

    def chosen(self) -> tuple[ClientId, ...]:
        found = []
        for row in range(self.clients.count()):
            item = self.clients.item(row)
            if item.checkState() is Qt.CheckState.Checked:
                found.append(ClientId(int(item.data(Qt.ItemDataRole.UserRole))))
        return tuple(found)

    def start_time(self) -> datetime:
        d, t = self.date.date(), self.start.time()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())  # noqa: DTZ001 - wall clock

    def booking(self) -> Booking:
        repeat = str(self.repeat.currentData())
        by_count = self.ends.currentData() == "count"
        u = self.until.date()
        return Booking(
            client_ids=self.chosen(),
            start=self.start_time(),
            minutes=self.minutes.value(),
            service_code=str(self.code.currentData()),
            modality=Modality(str(self.modality.currentData())),
            place=self.place.text().strip(),
            memo=self.memo.toPlainText().strip(),
            repeat=Repeat(repeat) if repeat else None,
            count=self.count.value() if repeat and by_count else None,
            until=date(u.year(), u.month(), u.day()) if repeat and not by_count else None,
        )

    def problem(self) -> str:
        if not self.chosen():
            return "Choose who the appointment is for."
        booking = self.booking()
        if booking.until is not None and booking.until < booking.start.date():
            return "The last day is before the first appointment. Choose a later day."
        return ""

    def _check(self) -> None:
        text = self.problem()
        self.message.setText(text)
        self.message.setVisible(bool(text))
        if not text:
            self.accept()

    def form_state(self) -> dict[str, Any]:
        return {
            "clients": [int(c) for c in self.chosen()],
            "date": self.date.date().toString(QT_ISO_DATE),
            "start": self.start.time().toString("HH:mm"),
            "minutes": self.minutes.value(),
            "code": str(self.code.currentData()),
            "modality": str(self.modality.currentData()),
            "place": self.place.text(),
            "memo": self.memo.toPlainText(),
            "repeat": str(self.repeat.currentData()),
            "ends": str(self.ends.currentData()),
            "count": self.count.value(),
            "until": self.until.date().toString(QT_ISO_DATE),
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        chosen = {int(c) for c in state.get("clients", [])}
        for row in range(self.clients.count()):
            item = self.clients.item(row)
            hit = int(item.data(Qt.ItemDataRole.UserRole)) in chosen
            item.setCheckState(Qt.CheckState.Checked if hit else Qt.CheckState.Unchecked)
        for field, key in ((self.date, "date"), (self.until, "until")):
            value = QDate.fromString(str(state.get(key, "")), QT_ISO_DATE)
            if value.isValid():
                field.setDate(value)
        time = QTime.fromString(str(state.get("start", "")), "HH:mm")
        if time.isValid():
            self.start.setTime(time)
        for combo, key in (
            (self.code, "code"),
            (self.modality, "modality"),
            (self.repeat, "repeat"),
            (self.ends, "ends"),
        ):
            found = combo.findData(str(state.get(key, "")))
            if found >= 0:
                combo.setCurrentIndex(found)
        self.minutes.setValue(int(state.get("minutes", self.minutes.value())))
        self.count.setValue(int(state.get("count", self.count.value())))
        self.place.setText(str(state.get("place", "")))
        self.memo.setPlainText(str(state.get("memo", "")))


class RescheduleDialog(QDialog):
    """New date, start and length for one appointment (or it and the following ones)."""

    def __init__(self, start: datetime, minutes: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reschedule")
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        form = _form()
        self.date = DateField("Date", self, value=_qdate(start.date()), optional=False)
        self.start = QTimeEdit(QTime(start.hour, start.minute), self)
        self.start.setDisplayFormat("HH:mm")
        self.start.setAccessibleName("Start")
        self.minutes = QSpinBox(self)
        self.minutes.setRange(5, 720)
        self.minutes.setSingleStep(5)
        self.minutes.setValue(minutes)
        self.minutes.setSuffix(" min")
        self.minutes.setAccessibleName("Length")
        form.addRow("Date", self.date)
        form.addRow("Start", self.start)
        form.addRow("Length", self.minutes)
        layout.addLayout(form)
        buttons, _ = ok_cancel(self, "Reschedule")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def start_time(self) -> datetime:
        d, t = self.date.date(), self.start.time()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())  # noqa: DTZ001 - wall clock

    def form_state(self) -> dict[str, Any]:
        return {
            "date": self.date.date().toString(QT_ISO_DATE),
            "start": self.start.time().toString("HH:mm"),
            "minutes": self.minutes.value(),
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        value = QDate.fromString(str(state.get("date", "")), QT_ISO_DATE)
        if value.isValid():
            self.date.setDate(value)
        time = QTime.fromString(str(state.get("start", "")), "HH:mm")
        if time.isValid():
            self.start.setTime(time)
        self.minutes.setValue(int(state.get("minutes", self.minutes.value())))
