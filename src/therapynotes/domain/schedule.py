"""The schedule's domain: appointment statuses, repeats (RFC 5545 RRULEs through
python-dateutil) and local wall-clock times.

An appointment is stored as a UTC instant plus a length in minutes; the therapist books
and reads it as a local wall-clock time in the computer's time zone. A series is
expanded in local time and each occurrence converted on its own, so a weekly 09:00
stays at 09:00 across a daylight-saving change (its UTC instant moves by an hour).

Pure: no database, no Qt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule

from therapynotes.domain.enums import Attendance
from therapynotes.domain.ids import ClientId
from therapynotes.errors import InputError

MAX_OCCURRENCES = 260  # five years of weekly sessions; a series is never open-ended
MAX_MINUTES = 12 * 60
LOCAL_FORMAT = "%Y-%m-%d %H:%M"


class BadScheduleInput(InputError):
    """That appointment time is not valid. Give the start as YYYY-MM-DD HH:MM (a date
    that exists) and a length of 1 to 720 minutes."""


class BadRepeat(InputError):
    """That repeat is not valid. Repeat weekly, every two weeks or monthly, ending after
    1 to 260 appointments or on a date after the first one."""


class AppointmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    LATE_CANCEL = "late_cancel"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """As the CLI prints it (and accepts it): no-show, late-cancel."""
        return self.value.replace("_", "-")

    @classmethod
    def from_label(cls, text: str) -> AppointmentStatus:
        return cls(text.strip().lower().replace("-", "_"))

    @property
    def attendance(self) -> Attendance | None:
        """The session's attendance this status is, or None while it is still ahead."""
        return None if self is AppointmentStatus.SCHEDULED else Attendance(self.value)


# What happened keeps (or creates) the session; a plain cancellation is no session.
HAPPENED = frozenset(
    {AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW, AppointmentStatus.LATE_CANCEL}
)
# Statuses that still hold the time (an overlap with these is a double booking).
HOLDS_TIME = frozenset({AppointmentStatus.SCHEDULED, AppointmentStatus.ATTENDED})


class Repeat(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class CancelledBy(StrEnum):
    NOBODY = ""
    CLIENT = "client"
    THERAPIST = "therapist"


@dataclass(frozen=True)
class Appointment:
    id: int
    series_id: int | None
    starts_at: str  # UTC instant, YYYY-MM-DDTHH:MM:SSZ
    minutes: int
    service_code: str
    modality: str
    place: str
    memo: str
    status: AppointmentStatus
    cancelled_by: CancelledBy
    session_id: int | None
    client_ids: tuple[ClientId, ...]

    @property
    def start(self) -> datetime:
        return datetime.strptime(self.starts_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    def local_start(self, zone: ZoneInfo | None = None) -> datetime:
        return self.start.astimezone(zone or local_zone())


def local_zone() -> ZoneInfo:
    """The computer's time zone as an IANA zone (DST rules included): $TZ, else the zone
    /etc/localtime points at, else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    for candidate in (name, _etc_localtime_name()):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _etc_localtime_name() -> str:
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return ""
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else ""


def parse_local(text: str) -> datetime:
    """'YYYY-MM-DD HH:MM' -> a naive local wall-clock time; BadScheduleInput for a date or
    time that does not exist (2027-02-30, 25:00)."""
    try:
        return datetime.strptime(text.strip(), LOCAL_FORMAT)  # noqa: DTZ007 - wall clock
    except ValueError:
        raise BadScheduleInput from None


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadScheduleInput from None


def to_instant(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive wall-clock time in `zone` -> aware UTC. A time skipped by a spring-forward
    change is read with the offset before it (02:30 -> 03:30), as calendars do."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def check_minutes(minutes: int) -> int:
    if not 1 <= minutes <= MAX_MINUTES:
        raise BadScheduleInput
    return minutes


def rrule_text(repeat: Repeat, *, count: int | None, until: date | None) -> str:
    """The RFC 5545 RRULE of a repeat (what the series row keeps)."""
    if (count is None) == (until is None):
        raise BadRepeat
    if count is not None and not 1 <= count <= MAX_OCCURRENCES:
        raise BadRepeat
    parts = {
        Repeat.WEEKLY: "FREQ=WEEKLY",
        Repeat.BIWEEKLY: "FREQ=WEEKLY;INTERVAL=2",
        Repeat.MONTHLY: "FREQ=MONTHLY",
    }[repeat]
    end = f"COUNT={count}" if count is not None else f"UNTIL={until:%Y%m%d}T235959"
    return f"{parts};{end}"


def expand(rule: str, first: datetime, zone: ZoneInfo) -> list[datetime]:
    """Every occurrence of a series as aware UTC datetimes: the rule is applied to the
    naive local start, so each keeps its wall-clock time. A monthly series started on
    the 31st skips months without one (RFC 5545)."""
    if first.tzinfo is not None:
        raise BadScheduleInput
    try:
        rule_set = rrule.rrulestr(rule, dtstart=first)
    except (ValueError, TypeError):
        raise BadRepeat from None
    local_times: list[datetime] = []
    for moment in rule_set:
        if len(local_times) >= MAX_OCCURRENCES:
            raise BadRepeat
        local_times.append(moment)
    if not local_times:
        raise BadRepeat
    return [to_instant(t, zone) for t in local_times]


def overlaps(a_start: datetime, a_minutes: int, b_start: datetime, b_minutes: int) -> bool:
    return a_start < b_start + timedelta(minutes=b_minutes) and b_start < a_start + timedelta(
        minutes=a_minutes
    )


def shift_local(instant: datetime, zone: ZoneInfo, delta: timedelta) -> datetime:
    """Move an occurrence by a wall-clock amount (this-and-following edits): its local
    time moves by `delta`, whatever the UTC offset on its day."""
    local = instant.astimezone(zone).replace(tzinfo=None) + delta
    return to_instant(local, zone)


def week_start(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())
