"""Retention service: dates from the vault, holds, the due list, and a purge that
leaves no text of the client in any decrypted page (free pages included) nor in the
WAL, keeps other clients' part of a shared group session, and leaves a PHI-free
tombstone in an intact audit chain."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import FakeClock
from tests.support.billing import fill_billing
from tests.support.lifecycle import fill_client
from tests.support.pages import count_hits, data_keys
from tests.support.records import add_client, log_session_now
from therapynotes.domain.enums import Attendance
from therapynotes.domain.retention import RecordRetentionPolicy
from therapynotes.domain.roles import OWNER_LOGIN, Login, Role
from therapynotes.records_errors import ClientNotFound
from therapynotes.retention_errors import (
    InvalidRetentionPolicy,
    LegalHoldActive,
    PurgeReasonMissing,
    RetentionDateNotReached,
)
from therapynotes.services import review
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.services.session import VaultSession
from therapynotes.store import audit

CANARY = "Xylocanary"
YEAR = 365.25 * 24 * 3600


@pytest.fixture
def retention(unlocked: VaultSession, clock: FakeClock) -> RetentionService:
    return RetentionService(unlocked, clock=clock)


def _needles() -> list[bytes]:
    return [CANARY.encode(), CANARY.encode("utf-16-le"), CANARY.lower().encode()]


def test_dates_for_adult_and_minor(
    records: RecordsService, retention: RetentionService, clock: FakeClock
) -> None:
    adult = add_client(records, "Adult", date_of_birth="1980-01-01")
    minor = add_client(records, "Minor", date_of_birth="2020-06-30")
    log_session_now(records, clock, adult, minor)
    service = retention.today()
    by_id = {s.client_id: s for s in retention.statuses()}
    assert by_id[adult].last_service == service
    assert by_id[adult].retention_date == date(service.year + 7, service.month, service.day)
    assert by_id[minor].retention_date == date(2020 + 18 + 3, 6, 30)


def test_due_list_respects_holds_and_policy(
    records: RecordsService, retention: RetentionService, clock: FakeClock
) -> None:
    a = add_client(records, "A")
    b = add_client(records, "B")
    log_session_now(records, clock, a, b)
    assert retention.due() == []
    clock.advance(8 * YEAR)
    assert [s.client_id for s in retention.due()] == [a, b]
    assert retention.set_hold(b, held=True)
    assert not retention.set_hold(b, held=True)
    assert [s.client_id for s in retention.due()] == [a]
    retention.set_policy(RecordRetentionPolicy(years=10))
    assert retention.due() == []
    with pytest.raises(InvalidRetentionPolicy):
        retention.set_policy(RecordRetentionPolicy(years=0))
    assert retention.set_hold(b, held=False)
    kinds = [e.kind for e in audit.entries(records.conn)]
    assert kinds.count("retention.hold") == 2
    assert "settings.changed" in kinds


def test_hold_blocks_purge_and_changes_nothing(
    records: RecordsService, retention: RetentionService, clock: FakeClock
) -> None:
    client = fill_client(records, clock, CANARY)
    retention.set_hold(client, held=True)
    before = retention.preview_purge(client).counts
    with pytest.raises(LegalHoldActive) as caught:
        retention.purge(client)
    assert "legal hold" in caught.value.message
    assert retention.preview_purge(client).counts == before
    assert records.get_client(client)


def test_hold_is_enforced_by_the_schema(
    records: RecordsService, retention: RetentionService
) -> None:
    from therapynotes.store import retention as store

    client = add_client(records)
    retention.set_hold(client, held=True)
    with pytest.raises(Exception, match="legal hold"):  # noqa: PT011 - the driver's error
        store.purge_client(records.conn, client)


def test_purge_unknown_client(retention: RetentionService) -> None:
    with pytest.raises(ClientNotFound):
        retention.purge(999)  # type: ignore[arg-type]


def test_purge_leaves_no_trace_in_any_page(
    unlocked: VaultSession,
    records: RecordsService,
    retention: RetentionService,
    clock: FakeClock,
) -> None:
    other = add_client(records, "Keeper Person")
    client = fill_client(records, clock, CANARY, group_with=other)
    fill_billing(unlocked, records, clock, client, marker=CANARY)
    # supervision (issue 17 phase B): a co-signature and a comment, canary in both
    signed = next(n.id for n in records.open_chart(client).notes if n.state == "signed")
    unlocked.login = Login("rlee", Role.SUPERVISOR)
    review.set_signature(unlocked, "Dr. R. Lee, PhD")
    review.cosign(unlocked, signed)
    review.add_comment(unlocked, signed, f"{CANARY} comment")
    unlocked.login = OWNER_LOGIN
    conn = unlocked.conn
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    key = data_keys(unlocked)
    db = unlocked.paths.db
    before = count_hits(db, key, _needles())
    assert before[CANARY.encode()] > 10, "the page reader must see the canary before purge"

    preview = retention.preview_purge(client)
    assert preview.counts == {
        "attachments": 1,
        "cosignatures": 1,
        "review_comments": 1,
        "addenda": 2,
        "draft_revisions": 4 + 1 + 2 + 1,
        "notes": 4,
        "plan_versions": 2,
        "diagnoses": 1,
        "sessions": 2 + 4,
        "ledger_entries": 4 + 3 + 1 + 1 + 1,  # charges, payments, write-off, reversal, refund
        "fees": 1,
        "measures": 2,
        "appointments": 4 + 4,  # group session, a series of three, the 4 billed sessions
    }
    counts = retention.purge(client, before_retention_date="the client asked for it")
    assert counts == preview.counts

    after = count_hits(db, key, _needles())
    assert after == dict.fromkeys(_needles(), 0), after
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or CANARY.encode() not in wal.read_bytes()
    assert not wal.exists() or wal.stat().st_size == 0
    # Every index is free of the client, the other client's group note remains.
    for table in ("notes_fts", "psychotherapy_fts", "clients_fts", "diagnoses_fts"):
        rows = conn.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
        assert CANARY.lower() not in repr(rows).lower()
    chart = records.open_chart(other)
    assert len(chart.sessions) == 1 and [p.client_id for p in chart.sessions[0].participants] == [
        other
    ]
    assert len(chart.notes) == 1
    assert records.search("group member") != []
    # Tombstone: ids and counts (and the early purge's reason) only; the chain is intact.
    tomb = audit.entries(conn)[-2]  # the last is the chart view above
    assert tomb.kind == "retention.purged" and tomb.subject == f"client:{client}"
    early = {"before_retention_date": "2034-01-15", "reason": "the client asked for it"}
    assert tomb.detail == {**counts, **early}
    assert audit.verify(conn).ok
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM purge_authorisations").fetchone()[0] == 0


def test_last_service_sources(
    records: RecordsService, retention: RetentionService, clock: FakeClock
) -> None:
    never_seen = add_client(records, "Intake Only", intake_date="2026-03-04")
    seen = add_client(records, "Seen")
    log_session_now(records, clock, seen)
    session_day = retention.today()
    clock.advance(40 * 24 * 3600)
    call = records.start_note(seen, "freeform", sections={"text": "phone call"})
    records.sign_note(call)
    clock.advance(40 * 24 * 3600)
    wrong = records.start_note(seen, "freeform", sections={"text": "wrong chart"})
    records.sign_note(wrong)
    records.void_note(wrong, "wrong chart")
    later = add_client(records, "No show")
    visit = log_session_now(records, clock, later)
    records.set_attendance(visit, later, Attendance.NO_SHOW)
    by_id = {s.client_id: s for s in retention.statuses()}
    assert by_id[never_seen].last_service == date(2026, 3, 4)
    assert by_id[seen].last_service > session_day
    assert by_id[seen].last_service < retention.today()
    assert by_id[later].last_service == retention.today()  # created today, never attended


def test_purge_before_the_retention_date_is_refused_without_a_reason(
    records: RecordsService, retention: RetentionService, clock: FakeClock
) -> None:
    client = add_client(records, CANARY)
    log_session_now(records, clock, client)
    kept_until = retention.status(client).retention_date
    with pytest.raises(RetentionDateNotReached) as caught:
        retention.purge(client)
    assert kept_until.isoformat() in caught.value.message
    for blank in ("", "   \n\t"):
        with pytest.raises(PurgeReasonMissing):
            retention.purge(client, before_retention_date=blank)
    assert records.get_client(client)
    assert "retention.purged" not in [e.kind for e in audit.entries(records.conn)]

    retention.purge(client, before_retention_date="  the client  asked\nin writing ")
    last = audit.entries(records.conn)[-1]
    assert last.kind == "retention.purged" and last.subject == f"client:{client}"
    assert last.detail["reason"] == "the client asked in writing"
    assert last.detail["before_retention_date"] == kept_until.isoformat()


def test_purge_after_the_retention_date_needs_no_reason(
    records: RecordsService, retention: RetentionService, clock: FakeClock
) -> None:
    client = add_client(records, CANARY)
    log_session_now(records, clock, client)
    clock.advance(8 * YEAR)
    retention.purge(client)
    last = audit.entries(records.conn)[-1]
    assert last.kind == "retention.purged" and "reason" not in last.detail
