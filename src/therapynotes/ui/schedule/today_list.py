"""Home's "Today's schedule": each appointment of today with its time, the clients and
where it stands (scheduled, note due, note written, no-show, …), in words. Enter or a
click opens the note of one that took place, else the client's chart. Loaded on the
database worker, like the rest of Home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from therapynotes.domain.formatting import wall_clock
from therapynotes.domain.rules import format_instant
from therapynotes.domain.schedule import Appointment, AppointmentStatus
from therapynotes.services.records import RecordsService
from therapynotes.ui.clipboard import conceal_copies
from therapynotes.ui.pages import Card
from therapynotes.ui.records_access import RecordsAccess
from therapynotes.ui.schedule.week_grid import STATUS_WORDS
from therapynotes.ui.schedule.week_view import schedule_of
from therapynotes.ui.widgets import GRID


@dataclass(frozen=True)
class TodayLine:
    appointment: Appointment
    words: str


def load_today(service: RecordsService) -> list[TodayLine]:
    """On the database worker."""
    schedule = schedule_of(service)
    today = date.fromtimestamp(service.clock())  # noqa: DTZ012 - the therapist's day
    rows = schedule.between(today, today)
    if not rows:
        return []
    names = schedule.names([c for a in rows for c in a.client_ids])
    written = schedule.written_notes([a.session_id for a in rows if a.session_id is not None])
    lines = []
    for a in rows:
        who = ", ".join(names.get(c, "Client") for c in a.client_ids)
        state = STATUS_WORDS[a.status]
        if a.status is AppointmentStatus.ATTENDED and a.session_id is not None:
            done = all((a.session_id, c) in written for c in a.client_ids)
            ended = format_instant(a.end) <= service.now()
            state = "Note written" if done else "Note due" if ended else state
        start = a.local_start(schedule.zone)
        lines.append(TodayLine(a, f"{wall_clock(start)}  {who}  ·  {a.minutes} min  ·  {state}"))
    return lines


class TodaySchedule(Card):
    chart_requested = Signal(int)  # client id
    note_requested = Signal(int, int)  # client id, session id

    def __init__(self, records: RecordsAccess, parent: QWidget | None = None) -> None:
        super().__init__("Today's schedule", "", parent=parent)
        self.records = records
        self.list = QListWidget(self)
        self.list.setAccessibleName("Today's schedule")
        conceal_copies(self.list)
        self.list.itemActivated.connect(self._open)
        self.list.itemClicked.connect(self._open)
        self.layout_.addWidget(self.list)
        self.lines: list[TodayLine] = []

    def refresh(self) -> None:
        self.records.op(self, load_today).success(self._show).run(database=True)

    def _show(self, lines: list[TodayLine]) -> None:
        self.lines = lines
        self.list.clear()
        for i, line in enumerate(lines):
            item = QListWidgetItem(line.words)
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.list.addItem(item)
        self.text.setText(
            "Nothing booked today." if not lines else f"{len(lines)} today. Click one to open it."
        )
        self.list.setVisible(bool(lines))
        rows = min(len(lines), 8)
        self.list.setFixedHeight(rows * (self.list.sizeHintForRow(0) + 1) + 2 * GRID)

    def _open(self, item: QListWidgetItem) -> None:
        line = self.lines[int(item.data(Qt.ItemDataRole.UserRole))]
        a = line.appointment
        if not a.client_ids:
            return
        if a.session_id is not None and a.status is AppointmentStatus.ATTENDED:
            self.note_requested.emit(int(a.client_ids[0]), int(a.session_id))
        else:
            self.chart_requested.emit(int(a.client_ids[0]))

    def clear(self) -> None:
        self.lines = []
        self.list.clear()
