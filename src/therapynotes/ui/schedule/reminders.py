"""Reminders for the therapist only: N minutes before an appointment (Settings ›
Schedule; off by default), a desktop notification while the app runs. Nothing is ever
sent to a client: there is no server.

While the vault is unlocked the watcher reads the next day's appointments (on the
database worker) and keeps their times and who they are for; at a lock it forgets the
names (`forget_names`), keeping only the times, so a reminder shown while the app is
locked says "Appointment at 10:00" and never who with. The notification goes through the
system tray when there is one, else the window's status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMainWindow, QSystemTrayIcon

from therapynotes.domain.formatting import wall_clock
from therapynotes.ui.icons import app_icon

if TYPE_CHECKING:  # the watcher exists before the first unlock: the rest loads at it
    from therapynotes.services.records import RecordsService
    from therapynotes.ui.records_access import RecordsAccess

CHECK_MS = 30_000
LOOK_AHEAD = timedelta(hours=24)


@dataclass(frozen=True)
class Upcoming:
    appointment_id: int
    start: datetime  # aware UTC
    local_time: str  # HH:MM
    who: str  # empty once the vault is locked


def load_upcoming(service: RecordsService, now: datetime) -> list[Upcoming]:
    """On the database worker: the scheduled appointments of the next 24 hours."""
    from therapynotes.domain.schedule import AppointmentStatus  # noqa: PLC0415 - issue 18
    from therapynotes.ui.schedule.week_view import schedule_of  # noqa: PLC0415

    schedule = schedule_of(service)
    rows = schedule.between(now.date() - timedelta(days=1), (now + LOOK_AHEAD).date())
    rows = [a for a in rows if a.status is AppointmentStatus.SCHEDULED]
    names = schedule.names([c for a in rows for c in a.client_ids])
    return [
        Upcoming(
            a.id,
            a.start,
            wall_clock(a.local_start(schedule.zone)),
            ", ".join(names.get(c, "") for c in a.client_ids),
        )
        for a in rows
        if a.status is AppointmentStatus.SCHEDULED and now <= a.start <= now + LOOK_AHEAD
    ]


class ReminderWatcher(QObject):
    def __init__(
        self,
        window: QMainWindow,
        *,
        minutes: Callable[[], int],
        clock: Callable[[], float],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.minutes = minutes
        self.clock = clock
        self.records: RecordsAccess | None = None
        self.upcoming: list[Upcoming] = []
        self.reminded: set[int] = set()
        self.shown: list[str] = []  # what was shown (texts): for the therapist, and tests
        self.tray: QSystemTrayIcon | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def attach(self, records: RecordsAccess | None) -> None:
        """The vault opened (records) or locked (None: names are forgotten)."""
        self.records = records
        if records is None:
            self.forget_names()
        else:
            self.reload()

    def forget_names(self) -> None:
        self.upcoming = [replace(u, who="") for u in self.upcoming]

    def reload(self) -> None:
        records = self.records
        if records is None or self.minutes() <= 0:
            return
        now = datetime.fromtimestamp(self.clock(), UTC)
        records.op(self, lambda s: load_upcoming(s, now)).success(self._loaded).failure(
            lambda _exc: None  # a reminder list that could not load waits for the next tick
        ).run(database=True)

    def _loaded(self, found: list[Upcoming]) -> None:
        if self.records is None:
            found = [replace(u, who="") for u in found]  # locked meanwhile
        self.upcoming = found
        self.remind_due()

    def tick(self) -> None:
        if self.records is not None:
            self.reload()
        else:
            self.remind_due()

    def remind_due(self) -> None:
        minutes = self.minutes()
        if minutes <= 0:
            return
        now = datetime.fromtimestamp(self.clock(), UTC)
        for item in self.upcoming:
            if item.appointment_id in self.reminded:
                continue
            if now <= item.start <= now + timedelta(minutes=minutes):
                self.reminded.add(item.appointment_id)
                who = f" with {item.who}" if item.who and self.records is not None else ""
                self.notify(f"Appointment{who} at {item.local_time}")

    def notify(self, text: str) -> None:
        self.shown.append(text)
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self.tray is None:
                self.tray = QSystemTrayIcon(app_icon(), self)
                self.tray.show()
            self.tray.showMessage("Reminder", text, QSystemTrayIcon.MessageIcon.Information)
        else:
            self.window.statusBar().showMessage(text, 60_000)
