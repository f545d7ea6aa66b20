"""The Schedule page: the week (Mon-Sun, the working hours) with appointments as blocks,
the week's agenda beside it, and what to do with the one chosen: mark what happened
(attended puts it in the session log and makes its note due), reschedule, cancel (this
one or this and the following ones), open the chart or write the note. Book appointment
opens the booking dialog; an overlap is said and booked only when confirmed.

Keyboard: Alt+Left / Alt+Right the previous / next week, Alt+Home this week, Ctrl+B
book; Tab reaches every block, Enter on a block or an agenda row opens the chart.
Every read and write runs on the database worker (ui/ops.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QWidget,
)

from therapynotes.domain.formatting import wall_clock, week_span, weekday_clock
from therapynotes.domain.schedule import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    week_start,
)
from therapynotes.schedule_errors import DoubleBooked
from therapynotes.services.records import RecordsService
from therapynotes.services.schedule import Booking, Person, ScheduleService
from therapynotes.services.session import VaultSession
from therapynotes.ui.clipboard import conceal_copies
from therapynotes.ui.context import AppContext
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.records_access import RecordsAccess
from therapynotes.ui.schedule.booking_dialog import BookingDialog, RescheduleDialog
from therapynotes.ui.schedule.settings_group import working_hours
from therapynotes.ui.schedule.week_grid import STATUS_WORDS, WeekGrid
from therapynotes.ui.widgets import GRID, body, hbox, heading, plain_buttons, vbox

WORKING_HOURS = (8, 19)


@dataclass(frozen=True)
class Week:
    monday: date
    rows: list[Appointment]
    names: dict[int, str]
    people: list[Person]
    zone: ZoneInfo


def schedule_of(service: RecordsService) -> ScheduleService:
    return ScheduleService(service.session, clock=service.clock)


def load_week(service: RecordsService, monday: date) -> Week:
    schedule = schedule_of(service)
    rows = schedule.between(monday, monday + timedelta(days=6))
    names = schedule.names([c for a in rows for c in a.client_ids])
    return Week(monday, rows, names, schedule.active_people(), schedule.zone)


def week_words(monday: date) -> str:
    return week_span(monday, monday + timedelta(days=6))


class SchedulePage(QWidget):
    view_id = "schedule"
    chart_requested = Signal(int)  # client id
    note_requested = Signal(int, int)  # client id, session id

    def __init__(  # noqa: PLR0915 - one page, built in reading order
        self,
        ctx: AppContext,
        session: VaultSession,  # noqa: ARG002 - every page is built the same way
        records: RecordsAccess,
    ) -> None:
        super().__init__()
        self.ctx, self.records = ctx, records
        self.setObjectName("Page_schedule")
        self.setAccessibleName("Schedule")
        self.week: Week | None = None
        self.monday = week_start(date.fromtimestamp(records.clock()))  # noqa: DTZ012
        self.selected: int | None = None
        self._pending: list[Callable[[], None]] = []
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        top = hbox()
        top.addWidget(heading("Schedule"))
        top.addStretch(1)
        self.previous = self._button("Previous week", top, lambda: self.go(-1))
        self.this_week = self._button("This week", top, lambda: self.go(0))
        self.next = self._button("Next week", top, lambda: self.go(1))
        self.book_button = self._button("Book appointment…", top, self.book)
        layout.addLayout(top)
        self.week_label = body("")
        self.week_label.setAccessibleName("Week shown")
        layout.addWidget(self.week_label)
        row = hbox(spacing=2 * GRID)
        self.grid = WeekGrid()
        self.grid.chosen.connect(self.choose)
        self.grid.opened.connect(self.open_chart)
        self.grid.empty_slot.connect(self.book)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid)
        row.addWidget(scroll, 3)
        side = vbox(spacing=GRID)
        side.addWidget(heading("This week", size_delta=1))
        self.agenda = QListWidget()
        self.agenda.setAccessibleName("Agenda")
        self.agenda.setWordWrap(True)
        self.agenda.setSpacing(GRID // 4)
        self.agenda.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        conceal_copies(self.agenda)
        self.agenda.currentRowChanged.connect(self._agenda_row)
        self.agenda.itemActivated.connect(lambda item: self.open_chart(self._item_id(item)))
        side.addWidget(self.agenda, 1)
        self.detail = body("Choose an appointment to mark what happened.")
        self.detail.setAccessibleName("Chosen appointment")
        side.addWidget(self.detail)
        self.buttons: dict[str, QPushButton] = {}
        grid_rows = [
            (("attended", "Attended"), ("no_show", "No-show")),
            (("late_cancel", "Late cancel"), ("cancelled", "Cancel…")),
            (("move", "Reschedule…"), ("chart", "Open chart")),
            (("note", "Write note"),),
        ]
        for pair in grid_rows:
            line = hbox()
            for key, text in pair:
                button = QPushButton(text)
                button.setAccessibleName(text)
                button.clicked.connect(lambda _=False, k=key: self._act(k))
                line.addWidget(button)
                self.buttons[key] = button
            side.addLayout(line)
        holder = QWidget()
        holder.setLayout(side)
        holder.setMinimumWidth(34 * GRID)
        row.addWidget(holder, 1)
        layout.addLayout(row, 1)
        for keys, slot in (
            ("Alt+Left", lambda: self.go(-1)),
            ("Alt+Right", lambda: self.go(1)),
            ("Alt+Home", lambda: self.go(0)),
            ("Ctrl+B", self.book),
        ):
            QShortcut(QKeySequence(keys), self, slot)
        self._sync_actions()

    def _button(self, text: str, row: Any, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text)
        button.clicked.connect(lambda _=False: slot())
        row.addWidget(button)
        return button

    # --- loading ----------------------------------------------------------------------

    def go(self, step: int) -> None:
        today = week_start(date.fromtimestamp(self.records.clock()))  # noqa: DTZ012
        self.monday = today if step == 0 else self.monday + timedelta(weeks=step)
        self.refresh()

    def refresh(self) -> None:
        monday = self.monday
        self.records.op(self, lambda s: load_week(s, monday)).success(self._show).run(database=True)

    def _show(self, week: Week) -> None:
        if week.monday != self.monday:
            return  # an older answer: another week was asked for since
        self.week = week
        self.week_label.setText(week_words(week.monday))
        self.grid.show_week(week.monday, week.rows, week.names, week.zone, self._hours())
        self.agenda.blockSignals(True)
        self.agenda.clear()
        for a in week.rows:
            item = QListWidgetItem(self._words(a, with_day=True))
            item.setData(Qt.ItemDataRole.UserRole, a.id)
            self.agenda.addItem(item)
        self.agenda.blockSignals(False)
        if not week.rows:
            self.agenda.addItem(QListWidgetItem("Nothing booked this week."))
        found = self.appointment(self.selected) if self.selected else None
        self.choose(found.id if found else None)
        pending, self._pending = self._pending, []
        for action in pending:
            action()

    def _hours(self) -> tuple[int, int]:
        return working_hours(self.ctx.settings if self.ctx is not None else None)

    def show_week_then(self, monday: date, action: Callable[[], None]) -> None:
        """Show the week of `monday`, then run `action` (a form offered back)."""
        self.monday = monday
        self._pending.append(action)
        self.refresh()

    def when_loaded(self, action: Callable[[], None]) -> None:
        """Run `action` once a week is on screen (now, if one is)."""
        if self.week is not None:
            action()
        else:
            self._pending.append(action)

    def _words(self, a: Appointment, *, with_day: bool = False) -> str:
        assert self.week is not None  # noqa: S101 - shown only with a week
        start = a.local_start(self.week.zone)
        who = ", ".join(self.week.names.get(c, "Client") for c in a.client_ids)
        when = weekday_clock(start) if with_day else wall_clock(start)
        return f"{when}  ·  {a.minutes} min  ·  {STATUS_WORDS[a.status]}\n{who}"

    def appointment(self, appointment_id: int | None) -> Appointment | None:
        if self.week is None or appointment_id is None:
            return None
        return next((a for a in self.week.rows if a.id == appointment_id), None)

    # --- choosing ----------------------------------------------------------------------

    def _item_id(self, item: QListWidgetItem | None) -> int | None:
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return int(value) if value is not None else None

    def _agenda_row(self, row: int) -> None:
        self.choose(self._item_id(self.agenda.item(row)))

    def choose(self, appointment_id: int | None) -> None:
        found = self.appointment(appointment_id)
        self.selected = found.id if found else None
        self.grid.select(self.selected)
        for row in range(self.agenda.count()):
            if self._item_id(self.agenda.item(row)) == self.selected:
                self.agenda.blockSignals(True)
                self.agenda.setCurrentRow(row)
                self.agenda.blockSignals(False)
        self.detail.setText(
            self._words(found, with_day=True)
            if found
            else "Choose an appointment to mark what happened."
        )
        self._sync_actions()

    def _sync_actions(self) -> None:
        found = self.appointment(self.selected)
        scheduled = found is not None and found.status is AppointmentStatus.SCHEDULED
        for key, button in self.buttons.items():
            if key == "move":
                button.setEnabled(scheduled)
            elif key == "note":
                button.setEnabled(
                    found is not None
                    and found.status is AppointmentStatus.ATTENDED
                    and found.session_id is not None
                )
            else:
                button.setEnabled(found is not None)

    # --- acting ------------------------------------------------------------------------

    def _act(self, key: str) -> None:
        found = self.appointment(self.selected)
        if found is None:
            return
        if key == "chart":
            self.open_chart(found.id)
        elif key == "note" and found.session_id is not None:
            self.note_requested.emit(int(found.client_ids[0]), int(found.session_id))
        elif key == "move":
            self.reschedule(found)
        elif key == "cancelled":
            self.cancel(found)
        else:
            self.mark(found, AppointmentStatus(key))

    def open_chart(self, appointment_id: int | None) -> None:
        found = self.appointment(appointment_id)
        if found is not None and found.client_ids:
            self.chart_requested.emit(int(found.client_ids[0]))

    def _run(self, fn: Callable[[ScheduleService], object]) -> None:
        self.records.op(self, lambda svc: fn(schedule_of(svc))).success(
            lambda _r: self.refresh()
        ).run(database=True)

    def mark(self, found: Appointment, status: AppointmentStatus) -> None:
        self._run(lambda s: s.set_status(found.id, status))

    def _series_choice(self, found: Appointment, verb: str) -> bool | None:
        """None: not asked or cancelled; False this one; True this and following."""
        if found.series_id is None:
            return False
        box = QMessageBox(self)
        box.setWindowTitle(verb)
        box.setText(f"{verb} only this appointment, or this and the following ones?")
        one = box.addButton("This appointment", QMessageBox.ButtonRole.AcceptRole)
        rest = box.addButton("This and following", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        plain_buttons(box)
        box.exec()
        clicked = box.clickedButton()
        return True if clicked is rest else False if clicked is one else None

    def cancel(self, found: Appointment) -> None:
        series = self._series_choice(found, "Cancel")
        if series is None:
            return
        self._run(
            lambda s: s.set_status(
                found.id, AppointmentStatus.CANCELLED, series=series,
                cancelled_by=CancelledBy.THERAPIST,
            )
        )  # fmt: skip

    def reschedule(self, found: Appointment) -> RescheduleDialog | None:
        assert self.week is not None  # noqa: S101 - a found appointment has a week
        start = found.local_start(self.week.zone).replace(tzinfo=None)
        dialog = RescheduleDialog(start, found.minutes, self)
        tag(dialog, "appointment.move", found.client_ids[0], appointment=found.id)

        def done() -> None:
            series = self._series_choice(found, "Reschedule")
            if series is None:
                return
            when, minutes = dialog.start_time(), dialog.minutes.value()
            self._confirm_overlap(
                lambda allow: (
                    lambda s: s.move(
                        found.id, when, minutes=minutes, series=series, allow_overlap=allow
                    )
                )
            )

        dialog.accepted.connect(done)
        dialog.open()
        return dialog

    def book(self, when: datetime | None = None) -> BookingDialog | None:
        if self.week is None:
            return None
        day = when.date() if when else max(self.monday, date.fromtimestamp(self.records.clock()))  # noqa: DTZ012
        start = None
        if when is not None:
            from PySide6.QtCore import QTime  # noqa: PLC0415

            start = QTime(when.hour, when.minute)
        dialog = BookingDialog(self.week.people, day=day, start=start, parent=self)
        tag(dialog, "appointment.book", None)
        dialog.accepted.connect(lambda: self._book(dialog.booking()))
        dialog.open()
        return dialog

    def _book(self, booking: Booking) -> None:
        self.monday = week_start(booking.start.date())
        self._confirm_overlap(lambda allow: lambda s: s.book(booking, allow_overlap=allow))

    def _confirm_overlap(self, make: Callable[[bool], Callable[[ScheduleService], object]]) -> None:
        """Run the change; on an overlap, say so and run it again only when confirmed."""

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, DoubleBooked):
                from therapynotes.ui.errors import show_error  # noqa: PLC0415

                show_error(self, exc)
                return
            box = QMessageBox(self)
            box.setWindowTitle("Double booking")
            box.setText(
                "This overlaps another appointment"
                + (f" (at {exc.detail})" if exc.detail else "")
                + ". Book it anyway?"
            )
            anyway = box.addButton("Book anyway", QMessageBox.ButtonRole.AcceptRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            plain_buttons(box)
            box.exec()
            if box.clickedButton() is anyway:
                self._run(make(True))

        self.records.op(self, lambda svc: make(False)(schedule_of(svc))).success(
            lambda _r: self.refresh()
        ).failure(failed).run(database=True)

    def clear(self) -> None:
        self.week = None
        self._pending = []
        self.agenda.clear()
        self.grid.show_week(self.monday, [], {}, ZoneInfo("UTC"), WORKING_HOURS)
        self.detail.setText("")
