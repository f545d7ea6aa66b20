"""ScheduleService: booking, moving and marking appointments, called by the CLI and the UI.

An appointment that took place (attended, no-show, late cancel) has a session in the
session log, created when it is marked, so notes due, the Sessions tab and the chart
come from that one source; a session logged after the fact is an attended appointment
(store/appointments.follow_session). Editing never rewrites the past: only scheduled
appointments move. Each change is one transaction with its audit row (ids, counts and
statuses only). Times are local wall-clock times in `zone` (the computer's by default).

Must not import PySide6.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from therapynotes.domain import rules
from therapynotes.domain.codes import is_cpt_code
from therapynotes.domain.enums import Modality
from therapynotes.domain.ids import ClientId, SessionId
from therapynotes.domain.models import Participant
from therapynotes.domain.schedule import (
    HAPPENED,
    Appointment,
    AppointmentStatus,
    BadScheduleInput,
    CancelledBy,
    Repeat,
    check_minutes,
    expand,
    local_zone,
    overlaps,
    rrule_text,
    shift_local,
    to_instant,
)
from therapynotes.records_errors import InvalidRecord, UnknownServiceCode
from therapynotes.schedule_errors import (
    AlreadyHappened,
    AppointmentNotFound,
    DoubleBooked,
    NotASeries,
    SeriesStatus,
)
from therapynotes.services.policy import UseCase, guarded, has_clinical_key
from therapynotes.services.records_base import Clock, RecordsBase
from therapynotes.services.session import VaultSession
from therapynotes.store import appointments, sessions
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection


@dataclass(frozen=True)
class Booking:
    client_ids: tuple[ClientId, ...]
    start: datetime  # naive local wall-clock time
    minutes: int
    service_code: str = "90834"
    modality: Modality = Modality.IN_PERSON
    place: str = ""
    memo: str = ""
    repeat: Repeat | None = None
    count: int | None = None
    until: date | None = None


class Person(NamedTuple):
    id: ClientId
    display_name: str


def _instant(moment: datetime) -> str:
    return rules.format_instant(moment)


class ScheduleService(RecordsBase):
    def __init__(
        self, session: VaultSession, *, clock: Clock | None = None, zone: ZoneInfo | None = None
    ) -> None:
        if clock is None:
            super().__init__(session)
        else:
            super().__init__(session, clock=clock)
        self.zone = zone or local_zone()

    # --- reading ------------------------------------------------------------

    @guarded(UseCase.SCHEDULE)
    def get(self, appointment_id: int) -> Appointment:
        found = appointments.get(self.conn, appointment_id)
        if found is None:
            raise AppointmentNotFound
        return found

    @guarded(UseCase.SCHEDULE)
    def appointments_get(self, appointment_id: int) -> Appointment | None:
        """The appointment, or None (no error) when it no longer exists."""
        return appointments.get(self.conn, appointment_id)

    @guarded(UseCase.SCHEDULE)
    def between(self, first: date, last: date) -> list[Appointment]:
        """Appointments whose local start falls on the days first..last, earliest first."""
        start = to_instant(datetime.combine(first, time()), self.zone)
        end = to_instant(datetime.combine(last + timedelta(days=1), time()), self.zone)
        return appointments.between(self.conn, _instant(start), _instant(end))

    @guarded(UseCase.SCHEDULE)
    def for_client(self, client_id: ClientId) -> list[Appointment]:
        return appointments.for_client(self.conn, client_id)

    @guarded(UseCase.SCHEDULE)
    def next_for_client(self, client_id: ClientId) -> Appointment | None:
        return appointments.next_for_client(self.conn, client_id, self.now())

    @guarded(UseCase.SCHEDULE)
    def status_counts(self, client_id: ClientId) -> dict[str, int]:
        return appointments.counts_for_client(self.conn, client_id)

    @guarded(UseCase.SCHEDULE)
    def names(self, client_ids: Sequence[int]) -> dict[int, str]:
        """Display names of these clients (the week's blocks, the day list)."""
        return appointments.client_names(self.conn, sorted(set(client_ids)))

    @guarded(UseCase.SCHEDULE)
    def active_people(self) -> list[Person]:
        """Active clients by name: whom the booking dialog offers."""
        found = appointments.client_names(self.conn, active_only=True)
        return [Person(ClientId(cid), name) for cid, name in found.items()]

    def written_notes(self, session_ids: Sequence[int]) -> set[tuple[int, int]]:
        """The (session, client) pairs with a note. None for a login without the clinical
        key (an assistant): the schedule then shows no "note written" marks."""
        if not has_clinical_key(self.session):
            return set()
        return appointments.written_notes(self.conn, session_ids)

    @guarded(UseCase.SCHEDULE)
    def conflicts(
        self, starts: Sequence[datetime], minutes: int, *, ignore: Sequence[int] = ()
    ) -> list[Appointment]:
        """Appointments still holding time that overlap any of these starts (aware UTC)."""
        return self._conflicts(self.conn, starts, minutes, ignore)

    def _conflicts(
        self, conn: Connection, starts: Sequence[datetime], minutes: int, ignore: Sequence[int]
    ) -> list[Appointment]:
        found: dict[int, Appointment] = {}
        for start in starts:
            end = start + timedelta(minutes=minutes)
            for other in appointments.holding_time(conn, _instant(start), _instant(end)):
                if other.id not in ignore and overlaps(start, minutes, other.start, other.minutes):
                    found[other.id] = other
        return sorted(found.values(), key=lambda a: (a.starts_at, a.id))

    def occurrences(self, booking: Booking) -> list[datetime]:
        """The UTC starts a booking would create (one, or the series expanded)."""
        check_minutes(booking.minutes)
        if booking.repeat is None:
            if booking.count is not None or booking.until is not None:
                raise BadScheduleInput
            return [to_instant(booking.start, self.zone)]
        rule = rrule_text(booking.repeat, count=booking.count, until=booking.until)
        return expand(rule, booking.start, self.zone)

    # --- booking ------------------------------------------------------------

    @guarded(UseCase.SCHEDULE)
    def book(self, booking: Booking, *, allow_overlap: bool = False) -> list[int]:
        """Create the appointment (or every occurrence of its series); DoubleBooked when
        one overlaps an appointment still holding that time, unless allowed."""
        ids = booking.client_ids
        if not ids or len(set(ids)) != len(ids):
            raise InvalidRecord
        if not is_cpt_code(booking.service_code):
            raise UnknownServiceCode
        starts = self.occurrences(booking)
        rule = (
            rrule_text(booking.repeat, count=booking.count, until=booking.until)
            if booking.repeat is not None
            else None
        )
        with self.write() as conn:
            for cid in ids:
                self.require_client(conn, cid)
            clash = self._conflicts(conn, starts, booking.minutes, ())
            if clash and not allow_overlap:
                raise DoubleBooked(self._when(clash[0]))
            now = self.now()
            series_id = (
                appointments.insert_series(conn, rule=rule, tzid=self.zone.key, now=now)
                if rule is not None
                else None
            )
            created = [
                appointments.insert(
                    conn,
                    starts_at=_instant(start),
                    minutes=booking.minutes,
                    service_code=booking.service_code,
                    modality=booking.modality.value,
                    place=booking.place,
                    memo=booking.memo,
                    client_ids=ids,
                    now=now,
                    series_id=series_id,
                )
                for start in starts
            ]
            for aid in created:
                self.audit(
                    conn,
                    AuditKind.RECORD_CREATED,
                    f"appointment:{aid}",
                    record="appointment",
                    clients=len(ids),
                    series=series_id is not None,
                )
        return created

    def _when(self, appointment: Appointment) -> str:
        return appointment.local_start(self.zone).strftime("%Y-%m-%d %H:%M")

    # --- moving -------------------------------------------------------------

    @guarded(UseCase.SCHEDULE)
    def move(
        self,
        appointment_id: int,
        start: datetime,
        *,
        minutes: int | None = None,
        series: bool = False,
        allow_overlap: bool = False,
    ) -> list[int]:
        """Move one appointment, or it and the following ones of its series by the same
        wall-clock amount (those still scheduled; the following ones become a series of
        their own). Returns the ids moved."""
        with self.write() as conn:
            this = appointments.get(conn, appointment_id)
            if this is None:
                raise AppointmentNotFound
            if this.status is not AppointmentStatus.SCHEDULED:
                raise AlreadyHappened
            length = check_minutes(minutes if minutes is not None else this.minutes)
            if not series:
                targets = [this]
                new_starts = [to_instant(start, self.zone)]
            else:
                if this.series_id is None:
                    raise NotASeries
                delta = start - this.local_start(self.zone).replace(tzinfo=None)
                targets = [
                    a
                    for a in appointments.series_from(conn, this.series_id, this.starts_at)
                    if a.status is AppointmentStatus.SCHEDULED
                ]
                new_starts = [shift_local(a.start, self.zone, delta) for a in targets]
            moved = [a.id for a in targets]
            clash = self._conflicts(conn, new_starts, length, moved)
            if clash and not allow_overlap:
                raise DoubleBooked(self._when(clash[0]))
            now = self.now()
            series_id = this.series_id
            if series and this.series_id is not None:
                series_id = self._split(conn, this.series_id, this.starts_at, now)
            for target, new_start in zip(targets, new_starts, strict=True):
                appointments.update_time(
                    conn,
                    target.id,
                    starts_at=_instant(new_start),
                    minutes=length,
                    series_id=series_id if series else target.series_id,
                    now=now,
                )
                self.audit(
                    conn,
                    AuditKind.RECORD_EDITED,
                    f"appointment:{target.id}",
                    record="appointment",
                    fields=["starts_at", "minutes"],
                )
        return moved

    def _split(self, conn: Connection, series_id: int, from_start: str, now: str) -> int:
        """The series id the following occurrences keep: the same one when this is its
        first occurrence, else a new series with the same rule."""
        first = conn.execute(
            "SELECT min(starts_at) FROM appointments WHERE series_id = ?", (series_id,)
        ).fetchone()[0]
        if first is None or first >= from_start:
            return series_id
        rule = appointments.series_rule(conn, series_id)
        assert rule is not None  # noqa: S101 - the foreign key guarantees it
        return appointments.insert_series(conn, rule=rule[0], tzid=rule[1], now=now)

    # --- what happened --------------------------------------------------------

    @guarded(UseCase.SCHEDULE)
    def set_status(
        self,
        appointment_id: int,
        status: AppointmentStatus,
        *,
        series: bool = False,
        cancelled_by: CancelledBy = CancelledBy.NOBODY,
    ) -> list[int]:
        """Mark what happened. Attended, no-show and late cancel put it in the session
        log (attended makes its note due); with `series`, a cancellation applies to this
        and the following scheduled occurrences. Returns the ids changed."""
        if status is not AppointmentStatus.CANCELLED:
            cancelled_by = CancelledBy.NOBODY
        with self.write() as conn:
            this = appointments.get(conn, appointment_id)
            if this is None:
                raise AppointmentNotFound
            if series:
                if status is not AppointmentStatus.CANCELLED:
                    raise SeriesStatus
                if this.series_id is None:
                    raise NotASeries
                targets = [
                    a
                    for a in appointments.series_from(conn, this.series_id, this.starts_at)
                    if a.status is AppointmentStatus.SCHEDULED or a.id == this.id
                ]
            else:
                targets = [this]
            now = self.now()
            for target in targets:
                self._mark(conn, target, status, cancelled_by, now)
        return [t.id for t in targets]

    def _mark(
        self,
        conn: Connection,
        this: Appointment,
        status: AppointmentStatus,
        cancelled_by: CancelledBy,
        now: str,
    ) -> None:
        session_id = this.session_id
        if session_id is not None:
            if status is AppointmentStatus.SCHEDULED:
                raise AlreadyHappened
            attendance = status.attendance
            assert attendance is not None  # noqa: S101 - not scheduled
            for cid in this.client_ids:
                sessions.set_attendance(conn, SessionId(session_id), cid, attendance)
            self.audit(
                conn,
                AuditKind.RECORD_EDITED,
                f"session:{session_id}",
                record="session",
                fields=["attendance"],
            )
        elif status in HAPPENED:
            attendance = status.attendance
            assert attendance is not None  # noqa: S101 - happened
            session_id = sessions.insert(
                conn,
                service_date=this.local_start(self.zone).date().isoformat(),
                starts_at=this.starts_at,
                ends_at=_instant(this.end),
                service_code=this.service_code,
                modality=Modality(this.modality),
                place=this.place,
                participants=[Participant(cid, attendance) for cid in this.client_ids],
                now=now,
            )
            self.audit(
                conn,
                AuditKind.RECORD_CREATED,
                f"session:{session_id}",
                record="session",
                participants=len(this.client_ids),
            )
        appointments.update_status(
            conn,
            this.id,
            status=status,
            cancelled_by=cancelled_by,
            session_id=session_id,
            now=now,
        )
        self.audit(
            conn,
            AuditKind.RECORD_EDITED,
            f"appointment:{this.id}",
            record="appointment",
            fields=["status"],
            status=status.value,
        )

    @guarded(UseCase.SCHEDULE)
    def cancel_future_for_client(self, client_id: ClientId) -> int:
        """Discharge: cancel (by the therapist) every scheduled appointment of the client
        from now on. Returns how many."""
        with self.write() as conn:
            now = self.now()
            ahead = [
                a
                for a in appointments.for_client(conn, client_id)
                if a.status is AppointmentStatus.SCHEDULED and a.starts_at >= now
            ]
            for a in ahead:
                self._mark(conn, a, AppointmentStatus.CANCELLED, CancelledBy.THERAPIST, now)
        return len(ahead)
