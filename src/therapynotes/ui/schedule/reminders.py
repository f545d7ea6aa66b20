"""Reminders for the therapist only: N minutes before an appointment (Settings ›
Schedule; off by default), a desktop notification while the app runs. Nothing is ever
sent to a client: there is no server.

While the vault is unlocked the watcher reads the next day's appointments (on the
database worker) and keeps their ids and times only, so a reminder can come while the app
is locked. A reminder says "Appointment at 10:00 (in 10 minutes)" and never who with,
locked or not (docs/design ui.md: notifications never carry record text): the system
shows notifications on its own lock screen, keeps them in its notification list and
mirrors them to screen sharing, none of which TherapyNotes can take back. Clicking it
opens the Schedule, where the name is, behind the lock. No setting puts names back:
initials are still identifying in a small practice. The notification goes through the
system tray when there is one, else the window's status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
    local_time: str  # HH:MM; never who with


def load_upcoming(service: RecordsService, now: datetime) -> list[Upcoming]:
    """On the database worker: the scheduled appointments of the next 24 hours."""
    from therapynotes.domain.schedule import AppointmentStatus  # noqa: PLC0415 - issue 18
    from therapynotes.ui.schedule.week_view import schedule_of  # noqa: PLC0415

    schedule = schedule_of(service)
    rows = schedule.between(now.date() - timedelta(days=1), (now + LOOK_AHEAD).date())
    return [
        Upcoming(a.id, a.start, wall_clock(a.local_start(schedule.zone)))
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
        """The vault opened (records) or locked (None: the times already read stay)."""
        self.records = records
        if records is not None:
            self.reload()

    def reload(self) -> None:
        records = self.records
        if records is None or self.minutes() <= 0:
            return
        now = datetime.fromtimestamp(self.clock(), UTC)
        records.op(self, lambda s: load_upcoming(s, now)).success(self._loaded).failure(
            lambda _exc: None  # a reminder list that could not load waits for the next tick
        ).run(database=True)

    def _loaded(self, found: list[Upcoming]) -> None:
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
                left = max(1, round((item.start - now).total_seconds() / 60))
                self.notify(f"Appointment at {item.local_time} (in {minutes_words(left)})")

    def notify(self, text: str) -> None:
        self.shown.append(text)
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self.tray is None:
                self.tray = QSystemTrayIcon(app_icon(), self)
                self.tray.messageClicked.connect(self.open_schedule)
                self.tray.show()
            self.tray.showMessage("Reminder", text, QSystemTrayIcon.MessageIcon.Information)
        else:
            self.window.statusBar().showMessage(text, 60_000)

    def open_schedule(self) -> None:
        """A clicked reminder: the window, on the Schedule (behind the lock if locked)."""
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
        show_view = getattr(self.window, "show_view", None)
        if self.records is not None and show_view is not None:
            show_view("schedule")


def minutes_words(minutes: int) -> str:
    return f"{minutes} minute{'' if minutes == 1 else 's'}"
