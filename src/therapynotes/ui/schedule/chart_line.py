"""The schedule in a chart's Overview: the next appointment and how many no-shows and
late cancels the client has had; and, when a client is discharged, the offer to cancel
their future appointments (asked, never silent)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from therapynotes.domain.formatting import plural, weekday_day_time
from therapynotes.domain.ids import ClientId
from therapynotes.domain.schedule import AppointmentStatus
from therapynotes.services.records import RecordsService
from therapynotes.ui.records_access import RecordsAccess
from therapynotes.ui.schedule.week_view import schedule_of
from therapynotes.ui.widgets import plain_buttons


@dataclass(frozen=True)
class ChartSchedule:
    next_words: str
    no_shows: int
    late_cancels: int
    ahead: int  # scheduled appointments from now on


def load_chart_schedule(service: RecordsService, client_id: ClientId) -> ChartSchedule:
    schedule = schedule_of(service)
    upcoming = schedule.next_for_client(client_id)
    counts = schedule.status_counts(client_id)
    now = service.now()
    ahead = sum(
        1
        for a in schedule.for_client(client_id)
        if a.status is AppointmentStatus.SCHEDULED and a.starts_at >= now
    )
    words = "None booked"
    if upcoming is not None:
        start = upcoming.local_start(schedule.zone)
        words = f"{weekday_day_time(start)}, {upcoming.minutes} min"
    return ChartSchedule(words, counts.get("no_show", 0), counts.get("late_cancel", 0), ahead)


def schedule_words(found: ChartSchedule) -> str:
    return (
        f"Next: {found.next_words} · {plural(found.no_shows, 'no-show')}, "
        f"{plural(found.late_cancels, 'late cancel')}"
    )


def show_schedule_line(
    parent: QWidget, records: RecordsAccess, client_id: ClientId, label: QLabel
) -> None:
    records.op(parent, lambda s: load_chart_schedule(s, client_id)).success(
        lambda found: label.setText(schedule_words(found))
    ).run(database=True)


def offer_to_cancel_future(parent: QWidget, records: RecordsAccess, client_id: ClientId) -> None:
    """After a discharge: ask whether to cancel the client's future appointments."""

    def ask(found: ChartSchedule) -> None:
        if not found.ahead:
            return
        box = QMessageBox(parent)
        box.setWindowTitle("Future appointments")
        box.setText(
            f"This client has {plural(found.ahead, 'appointment')} booked ahead. Cancel them now?"
        )
        yes = box.addButton("Cancel them", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep them", QMessageBox.ButtonRole.RejectRole)
        plain_buttons(box)
        box.exec()
        if box.clickedButton() is yes:
            records.op(
                parent, lambda svc: schedule_of(svc).cancel_future_for_client(client_id)
            ).run(database=True)

    records.op(parent, lambda s: load_chart_schedule(s, client_id)).success(ask).run(database=True)
