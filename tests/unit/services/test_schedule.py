"""The schedule's use cases on a real vault: series expansion, daylight-saving weeks,
this-and-following edits, overlaps, statuses feeding the session log and notes due,
sessions logged after the fact as attended appointments, purge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import FakeClock
from tests.support.records import add_client, log_session_now
from therapynotes.domain.enums import Attendance
from therapynotes.domain.schedule import AppointmentStatus, BadRepeat, BadScheduleInput, Repeat
from therapynotes.schedule_errors import AlreadyHappened, DoubleBooked, SeriesStatus
from therapynotes.services.demo import DemoSpec, build
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.services.schedule import Booking, ScheduleService

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def schedule(records: RecordsService, clock: FakeClock) -> ScheduleService:
    return ScheduleService(records.session, clock=clock, zone=BERLIN)


def _local(svc: ScheduleService, appointment_id: int) -> str:
    return svc.get(appointment_id).local_start(BERLIN).strftime("%Y-%m-%d %H:%M")


def test_weekly_series_keeps_local_time_across_daylight_saving(
    records: RecordsService, schedule: ScheduleService
) -> None:
    cid = add_client(records)
    # Berlin moves to summer time on 2027-03-28: a Monday 09:00 series across it
    ids = schedule.book(
        Booking((cid,), datetime(2027, 3, 15, 9, 0), 50, repeat=Repeat.WEEKLY, count=4)
    )
    assert len(ids) == 4
    assert [_local(schedule, i) for i in ids] == [
        "2027-03-15 09:00",
        "2027-03-22 09:00",
        "2027-03-29 09:00",
        "2027-04-05 09:00",
    ]
    utc = [schedule.get(i).starts_at for i in ids]
    assert utc[1] == "2027-03-22T08:00:00Z" and utc[2] == "2027-03-29T07:00:00Z"


def test_biweekly_until_and_monthly(records: RecordsService, schedule: ScheduleService) -> None:
    cid = add_client(records)
    ids = schedule.book(
        Booking(
            (cid,),
            datetime(2027, 2, 1, 14, 0),
            45,
            repeat=Repeat.BIWEEKLY,
            until=date(2027, 3, 15),
        )
    )
    assert [_local(schedule, i)[:10] for i in ids] == [
        "2027-02-01",
        "2027-02-15",
        "2027-03-01",
        "2027-03-15",
    ]
    monthly = schedule.book(
        Booking((cid,), datetime(2027, 1, 20, 8, 0), 30, repeat=Repeat.MONTHLY, count=3)
    )
    assert [_local(schedule, i) for i in monthly] == [
        "2027-01-20 08:00",
        "2027-02-20 08:00",
        "2027-03-20 08:00",
    ]


def test_bad_repeats_and_lengths_are_refused(
    records: RecordsService, schedule: ScheduleService
) -> None:
    cid = add_client(records)
    with pytest.raises(BadRepeat):
        schedule.book(Booking((cid,), datetime(2027, 2, 1, 9), 50, repeat=Repeat.WEEKLY))
    with pytest.raises(BadRepeat):
        schedule.book(
            Booking((cid,), datetime(2027, 2, 1, 9), 50, repeat=Repeat.WEEKLY, count=1000)
        )
    with pytest.raises(BadScheduleInput):
        schedule.book(Booking((cid,), datetime(2027, 2, 1, 9), 0))
    assert schedule.between(date(2027, 1, 1), date(2028, 1, 1)) == []


def test_overlap_refused_unless_allowed(records: RecordsService, schedule: ScheduleService) -> None:
    a, b = add_client(records, "Ada One"), add_client(records, "Bo Two")
    schedule.book(Booking((a,), datetime(2027, 2, 1, 9, 0), 50))
    with pytest.raises(DoubleBooked) as refused:
        schedule.book(Booking((b,), datetime(2027, 2, 1, 9, 30), 50))
    assert "Ada" not in refused.value.message and "2027-02-01 09:00" in refused.value.message
    # back to back is no overlap; a cancelled appointment frees its time
    schedule.book(Booking((b,), datetime(2027, 2, 1, 9, 50), 50))
    (late,) = schedule.book(Booking((b,), datetime(2027, 2, 1, 9, 30), 10), allow_overlap=True)
    schedule.set_status(late, AppointmentStatus.CANCELLED)
    assert len(schedule.between(date(2027, 2, 1), date(2027, 2, 1))) == 3


def test_this_and_following_moves_only_the_rest_and_never_the_past(
    records: RecordsService, schedule: ScheduleService
) -> None:
    cid = add_client(records)
    ids = schedule.book(
        Booking((cid,), datetime(2027, 3, 8, 9, 0), 50, repeat=Repeat.WEEKLY, count=5)
    )
    schedule.set_status(ids[3], AppointmentStatus.NO_SHOW)  # already happened: stays
    moved = schedule.move(ids[1], datetime(2027, 3, 16, 10, 30), minutes=45, series=True)
    assert moved == [ids[1], ids[2], ids[4]]
    assert [_local(schedule, i) for i in ids] == [
        "2027-03-08 09:00",
        "2027-03-16 10:30",
        "2027-03-23 10:30",
        "2027-03-29 09:00",
        "2027-04-06 10:30",  # across the DST change: still 10:30 local
    ]
    assert schedule.get(ids[4]).minutes == 45 and schedule.get(ids[0]).minutes == 50
    assert schedule.get(ids[1]).series_id != schedule.get(ids[0]).series_id
    with pytest.raises(AlreadyHappened):
        schedule.move(ids[3], datetime(2027, 3, 30, 9, 0))
    # cancel this and following
    cancelled = schedule.set_status(ids[2], AppointmentStatus.CANCELLED, series=True)
    assert cancelled == [ids[2], ids[4]]
    assert schedule.get(ids[1]).status is AppointmentStatus.SCHEDULED
    assert schedule.get(ids[3]).status is AppointmentStatus.NO_SHOW
    with pytest.raises(SeriesStatus):
        schedule.set_status(ids[0], AppointmentStatus.ATTENDED, series=True)


def test_attended_feeds_notes_due_and_the_session_log(
    records: RecordsService, schedule: ScheduleService, clock: FakeClock
) -> None:
    cid = add_client(records)
    start = datetime.fromtimestamp(clock(), UTC).astimezone(BERLIN).replace(tzinfo=None)
    (aid,) = schedule.book(Booking((cid,), start - timedelta(hours=2), 50))
    assert records.notes_due(cid) == []
    schedule.set_status(aid, AppointmentStatus.ATTENDED)
    appointment = schedule.get(aid)
    assert appointment.session_id is not None
    (due,) = records.notes_due(cid)
    assert due.session_id == appointment.session_id
    # changed to a no-show: no note due, the session log says so
    schedule.set_status(aid, AppointmentStatus.NO_SHOW)
    assert records.notes_due(cid) == []
    chart = records.open_chart(cid)
    assert chart.sessions[0].participants[0].attendance is Attendance.NO_SHOW
    with pytest.raises(AlreadyHappened):
        schedule.set_status(aid, AppointmentStatus.SCHEDULED)


def test_logged_session_is_an_attended_appointment(
    records: RecordsService, schedule: ScheduleService, clock: FakeClock
) -> None:
    a, b = add_client(records, "Ada One"), add_client(records, "Bo Two")
    session_id = log_session_now(records, clock, a, b)
    (found,) = schedule.for_client(a)
    assert found.session_id == session_id and found.status is AppointmentStatus.ATTENDED
    assert found.client_ids == (a, b) and found.minutes == 45
    records.set_attendance(session_id, a, Attendance.LATE_CANCEL)
    assert schedule.get(found.id).status is AppointmentStatus.ATTENDED  # b attended
    records.set_attendance(session_id, b, Attendance.NO_SHOW)
    # nobody attended: the first participant's attendance speaks for the appointment
    assert schedule.get(found.id).status is AppointmentStatus.LATE_CANCEL
    assert schedule.status_counts(b) == {"late_cancel": 1}


def test_discharge_cancels_the_future(
    records: RecordsService, schedule: ScheduleService, clock: FakeClock
) -> None:
    cid = add_client(records)
    ids = schedule.book(
        Booking((cid,), datetime(2027, 1, 11, 9, 0), 50, repeat=Repeat.WEEKLY, count=4)
    )
    assert schedule.next_for_client(cid) is not None
    assert schedule.cancel_future_for_client(cid) == 3  # the 11th is already past
    assert [schedule.get(i).status.value for i in ids] == ["scheduled"] + ["cancelled"] * 3
    assert schedule.next_for_client(cid) is None


def test_purge_removes_the_clients_appointments_only(
    records: RecordsService, schedule: ScheduleService, clock: FakeClock
) -> None:
    a, b = add_client(records, "Ada One"), add_client(records, "Bo Two")
    schedule.book(Booking((a,), datetime(2027, 2, 1, 9), 50, repeat=Repeat.WEEKLY, count=3))
    (joint,) = schedule.book(Booking((a, b), datetime(2027, 2, 2, 9), 50))
    schedule.set_status(joint, AppointmentStatus.ATTENDED)
    retention = RetentionService(records.session, clock=clock)
    assert retention.preview_purge(a).counts["appointments"] == 4
    retention.purge(a, before_retention_date="client asked for erasure")
    conn = records.conn
    assert conn.execute("SELECT count(*) FROM appointment_series").fetchone()[0] == 0
    (left,) = schedule.for_client(b)
    assert left.id == joint and left.client_ids == (b,)


def test_the_demo_practice_has_a_schedule(records: RecordsService, clock: FakeClock) -> None:
    today = date(2027, 1, 13)  # a Wednesday
    counts = build(records.conn, DemoSpec(clients=12, years=1, seed=5), today=today)
    conn = records.conn
    unlinked = conn.execute(
        "SELECT count(*) FROM sessions s WHERE NOT EXISTS"
        " (SELECT 1 FROM appointments a WHERE a.session_id = s.id)"
    ).fetchone()[0]
    assert unlinked == 0 and counts.appointments > counts.sessions
    schedule = ScheduleService(records.session, clock=clock, zone=BERLIN)
    ahead = schedule.between(today, today + timedelta(days=60))
    statuses = {a.status for a in ahead}
    assert AppointmentStatus.SCHEDULED in statuses and AppointmentStatus.CANCELLED in statuses
    past = schedule.between(today - timedelta(days=400), today - timedelta(days=1))
    assert {AppointmentStatus.NO_SHOW, AppointmentStatus.ATTENDED} <= {a.status for a in past}
    starts = [a.starts_at for a in ahead if a.status is not AppointmentStatus.CANCELLED]
    assert len(starts) == len(set(starts))  # one client a slot: no double booking


def test_a_session_logged_for_a_booked_appointment_is_that_appointment(
    records: RecordsService, schedule: ScheduleService, clock: FakeClock
) -> None:
    cid = add_client(records)
    end = datetime.fromtimestamp(clock(), UTC)
    local = (end - timedelta(minutes=45)).astimezone(BERLIN).replace(tzinfo=None)
    (booked,) = schedule.book(Booking((cid,), local, 45))
    session_id = log_session_now(records, clock, cid)  # the therapist logs it instead
    (only,) = schedule.for_client(cid)
    assert only.id == booked and only.session_id == session_id
    assert only.status is AppointmentStatus.ATTENDED
