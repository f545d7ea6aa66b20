"""The chart's record actions: set one participant's attendance, mark a diagnosis resolved,
make a diagnosis the primary one. Each is one transaction with one audit row that names
ids and field names only; each refusal says what is wrong and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import FakeClock
from tests.support.records import add_client, log_session_now
from therapynotes.domain.enums import Attendance
from therapynotes.domain.ids import ClientId, DiagnosisId, SessionId
from therapynotes.records_errors import (
    DateInFuture,
    DiagnosisNotFound,
    DiagnosisResolved,
    InvalidRecord,
    NotInSession,
    ResolvedBeforeOnset,
    ResolvedNotPrimary,
    SessionNotFound,
)
from therapynotes.services.records import RecordsService
from therapynotes.store import audit


def _today(clock: FakeClock) -> date:
    return date.fromtimestamp(clock())  # noqa: DTZ012 - the local calendar day, as the app


def _audit_rows(records: RecordsService) -> list[audit.AuditEntry]:
    return audit.entries(records.conn)


def _attendance(records: RecordsService, client: ClientId, session: SessionId) -> Attendance:
    entry = next(
        e for e in records.open_chart(client, record_view=False).sessions if e.id == session
    )
    return next(p.attendance for p in entry.participants if p.client_id == client)


def test_attendance_of_one_participant_changes_with_an_audit_row(
    records: RecordsService, clock: FakeClock
) -> None:
    ada, bo = add_client(records, "Ada Canary"), add_client(records, "Bo Canary")
    group = log_session_now(records, clock, ada, bo, code="90853", minutes=90)
    assert [d.client_id for d in records.notes_due()] == [ada, bo]
    before = len(_audit_rows(records))
    records.set_attendance(group, bo, Attendance.LATE_CANCEL)
    assert _attendance(records, bo, group) is Attendance.LATE_CANCEL
    assert _attendance(records, ada, group) is Attendance.ATTENDED  # the other one's stays
    assert [d.client_id for d in records.notes_due()] == [ada]  # no note due for a late cancel
    rows = _audit_rows(records)
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.kind, row.subject) == ("record.edited", f"session:{group}")
    assert row.detail == {"record": "session", "client": bo, "fields": ["attendance"]}
    assert "Canary" not in repr(row.detail)
    assert row in records.client_history(bo) and row in records.client_history(ada)
    assert audit.verify(records.conn).ok


def test_attendance_refusals_say_what_is_wrong_and_change_nothing(
    records: RecordsService, clock: FakeClock
) -> None:
    ada, outsider = add_client(records, "Ada"), add_client(records, "Outsider")
    sid = log_session_now(records, clock, ada)
    before = len(_audit_rows(records))
    with pytest.raises(SessionNotFound):
        records.set_attendance(SessionId(sid + 99), ada, Attendance.NO_SHOW)
    with pytest.raises(NotInSession) as refused:
        records.set_attendance(sid, outsider, Attendance.NO_SHOW)
    assert "not listed in this session" in refused.value.message
    assert len(_audit_rows(records)) == before
    assert _attendance(records, ada, sid) is Attendance.ATTENDED


def _diagnosis(records: RecordsService, client: ClientId, dx: DiagnosisId):  # type: ignore[no-untyped-def]
    return next(d for d in records.open_chart(client, record_view=False).diagnoses if d.id == dx)


def test_resolve_a_diagnosis_keeps_it_in_the_chart_with_its_date(
    records: RecordsService, clock: FakeClock
) -> None:
    client = add_client(records, "Ada Canary")
    onset = (_today(clock) - timedelta(days=200)).isoformat()
    dx = records.add_diagnosis(client, "F41.1", primary=True, onset_date=onset)
    resolved_on = (_today(clock) - timedelta(days=3)).isoformat()
    before = len(_audit_rows(records))
    records.resolve_diagnosis(dx, resolved_on)
    found = _diagnosis(records, client, dx)
    assert found.resolved_date == resolved_on and found.code == "F41.1"
    rows = _audit_rows(records)
    assert len(rows) == before + 1
    assert (rows[-1].kind, rows[-1].subject) == ("record.edited", f"client:{client}")
    assert rows[-1].detail == {"record": "diagnosis", "id": dx, "fields": ["resolved_date"]}
    assert rows[-1] in records.client_history(client)
    # on the onset day itself, and today, are both allowed
    same_day = records.add_diagnosis(client, "F32.1", onset_date=onset)
    records.resolve_diagnosis(same_day, onset)
    today = records.add_diagnosis(client, "F43.10")
    records.resolve_diagnosis(today, _today(clock).isoformat())
    assert _diagnosis(records, client, today).resolved_date == _today(clock).isoformat()


def test_resolve_refusals_say_what_is_wrong_and_change_nothing(
    records: RecordsService, clock: FakeClock
) -> None:
    client = add_client(records)
    onset = (_today(clock) - timedelta(days=10)).isoformat()
    dx = records.add_diagnosis(client, "F41.1", onset_date=onset)
    before = len(_audit_rows(records))
    with pytest.raises(ResolvedBeforeOnset) as early:
        records.resolve_diagnosis(dx, (_today(clock) - timedelta(days=11)).isoformat())
    assert "before the diagnosis's onset date" in early.value.message
    with pytest.raises(DateInFuture):
        records.resolve_diagnosis(dx, (_today(clock) + timedelta(days=1)).isoformat())
    for bad in ("15/01/2027", "2027-1-5", "", "2027-02-30"):
        with pytest.raises(InvalidRecord):
            records.resolve_diagnosis(dx, bad)
    with pytest.raises(DiagnosisNotFound):
        records.resolve_diagnosis(DiagnosisId(dx + 99), _today(clock).isoformat())
    assert _diagnosis(records, client, dx).resolved_date is None
    assert len(_audit_rows(records)) == before
    records.resolve_diagnosis(dx, _today(clock).isoformat())
    with pytest.raises(DiagnosisResolved):  # resolved once; a return is a new diagnosis
        records.resolve_diagnosis(dx, onset)
    assert _diagnosis(records, client, dx).resolved_date == _today(clock).isoformat()


def test_make_primary_moves_the_one_primary_flag(records: RecordsService, clock: FakeClock) -> None:
    client, other = add_client(records, "Ada"), add_client(records, "Bo")
    first = records.add_diagnosis(client, "F41.1", primary=True)
    second = records.add_diagnosis(client, "F32.1")
    elsewhere = records.add_diagnosis(other, "F43.10", primary=True)
    before = len(_audit_rows(records))
    records.make_primary_diagnosis(second)
    flags = {d.id: d.primary for d in records.open_chart(client, record_view=False).diagnoses}
    assert flags == {first: False, second: True}
    assert _diagnosis(records, other, elsewhere).primary  # another client's flag stays
    rows = _audit_rows(records)
    assert len(rows) == before + 1
    assert rows[-1].detail == {"record": "diagnosis", "id": second, "fields": ["primary"]}
    records.make_primary_diagnosis(second)  # already primary: nothing written
    assert len(_audit_rows(records)) == before + 1
    records.resolve_diagnosis(first, _today(clock).isoformat())
    with pytest.raises(ResolvedNotPrimary):
        records.make_primary_diagnosis(first)
    with pytest.raises(DiagnosisNotFound):
        records.make_primary_diagnosis(DiagnosisId(elsewhere + 99))
    assert {
        d.id: d.primary for d in records.open_chart(client, record_view=False).diagnoses
    } == flags
