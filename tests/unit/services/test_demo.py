"""The demo practice: seeded, realistic in shape, and valid by the same rules as real
records (hashes verify, the schema accepted every row)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.records import unlock_new_vault
from therapynotes.domain import rules
from therapynotes.domain.models import ClientFields
from therapynotes.domain.review import cosignature_hash
from therapynotes.records_errors import DemoNeedsEmptyVault
from therapynotes.services import review
from therapynotes.services.demo import DemoSpec, build
from therapynotes.services.records import RecordsService
from therapynotes.store import audit

SPEC = DemoSpec(clients=12, years=2, seed=7, long_term_sessions=30)
TODAY = date(2027, 1, 10)


def _fingerprint(tmp: Path, clock: FakeClock) -> tuple[str, object]:
    session = unlock_new_vault(tmp, clock)
    try:
        build(session.conn, SPEC, today=TODAY)
        rows = session.conn.execute("SELECT id, body, content_hash FROM notes ORDER BY id")
        digest = hashlib.sha256(json.dumps(rows.fetchall()).encode()).hexdigest()
        return digest, session.conn.execute("SELECT count(*) FROM clients").fetchone()
    finally:
        session.lock("test finished")


def test_same_seed_same_practice(tmp_path: Path, clock: FakeClock) -> None:
    assert _fingerprint(tmp_path / "a", clock) == _fingerprint(tmp_path / "b", clock)


def test_demo_practice_shape(records: RecordsService) -> None:
    counts = build(records.conn, SPEC, today=TODAY)
    conn = records.conn
    assert counts.clients == 12 and counts.notes > 100 and counts.psychotherapy_notes > 0
    words = [
        sum(len(v.split()) for v in json.loads(body).values())
        for (body,) in conn.execute("SELECT body FROM notes WHERE kind = 'progress'")
    ]
    assert 300 <= min(words) and max(words) <= 900
    groups = conn.execute(
        "SELECT count(*) FROM (SELECT session_id FROM session_participants"
        " GROUP BY session_id HAVING count(*) > 1)"
    ).fetchone()[0]
    assert groups >= 10
    assert conn.execute("SELECT count(*) FROM notes WHERE late_entry = 1").fetchone()[0] > 0
    assert conn.execute("SELECT count(*) FROM notes WHERE client_id = 1").fetchone()[0] >= 30
    assert conn.execute("SELECT count(*) FROM notes_fts").fetchone()[0] == counts.notes
    assert conn.execute("SELECT count(*) FROM psychotherapy_fts").fetchone()[0] == (
        counts.psychotherapy_notes
    )
    assert records.search("exposure hierarchy")
    assert audit.entries(conn)[-1].subject == "demo" and audit.verify(conn).ok


def test_demo_only_into_an_empty_vault(records: RecordsService) -> None:
    records.create_client(ClientFields(legal_name="Real Client"))
    with pytest.raises(DemoNeedsEmptyVault):
        build(records.conn, SPEC, today=TODAY)
    assert records.conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 0


def test_demo_notes_verify_like_signed_notes(records: RecordsService) -> None:
    build(records.conn, SPEC, today=TODAY)
    for (note_id,) in records.conn.execute("SELECT id FROM notes").fetchall():
        note = records.get_note(note_id)
        assert note.signed_at is not None
        assert note.content_hash == rules.note_content_hash(
            client_id=note.client_id,
            session_id=note.session_id,
            kind=note.kind.value,
            template=note.template,
            service_date=note.service_date,
            sections=note.sections,
            signed_at=note.signed_at,
        )
    attachment_ids = [r[0] for r in records.conn.execute("SELECT id FROM attachments")]
    assert attachment_ids and all(records.read_attachment(a) for a in attachment_ids)


def test_demo_practice_bills(records: RecordsService, clock: FakeClock) -> None:
    """Fees with a change, partial payments, a sliding-scale client, an unpaid balance:
    and the ledger balances to the cent by its own arithmetic."""
    from therapynotes.services.billing import BillingService  # noqa: PLC0415

    counts = build(records.conn, SPEC, today=TODAY)
    billing = BillingService(records.session, clock=clock)
    assert counts.ledger_entries > 100
    assert billing.practice() is not None and billing.currency() == "USD"
    codes = [(f.code, f.effective_from) for f in billing.fees()]
    assert len([c for c in codes if c[0] == "90834"]) == 2  # a fee change
    assert billing.fees(3)  # type: ignore[arg-type]  # the sliding-scale client
    assert billing.post_all_charges() == 0  # every session already charged
    statuses = set()
    for cid in range(1, SPEC.clients + 1):
        book = billing.ledger(cid)  # type: ignore[arg-type]
        lines = book.charges()
        statuses |= {c.status for c in lines}
        assert book.balance == sum(c.open for c in lines) - sum(book.unapplied().values())
    assert {"paid", "partly paid"} <= statuses
    assert 2 in [c for c, _ in billing.overdue()]


def test_demo_measures_follow_courses_and_one_flag_is_addressed(records: RecordsService) -> None:
    from therapynotes.domain import measures as defs  # noqa: PLC0415
    from therapynotes.services.measures import MeasuresService  # noqa: PLC0415

    counts = build(records.conn, SPEC, today=TODAY)
    conn = records.conn
    rows = conn.execute(
        "SELECT client_id, instrument, answers, total, risk, addressed_at FROM measure_responses"
        " ORDER BY client_id, instrument, given_on, id"
    ).fetchall()
    assert counts.measures == len(rows) > 30
    assert {r[1] for r in rows} == {"PHQ-9", "GAD-7", "PCL-5"}
    for _, instrument, answers, total, risk, _ in rows:
        scored = defs.score(defs.instrument(instrument), json.loads(answers))
        assert scored.total == total and bool(scored.risks) == bool(risk)
    flagged = [r for r in rows if r[4]]
    assert len(flagged) == 1 and flagged[0][5] is not None  # flagged and addressed
    assert MeasuresService(records.session).open_risks() == []
    by_course: dict[str, list[int]] = {}
    for cid, instrument, _, total, _, _ in rows:
        if instrument == "PHQ-9":
            by_course.setdefault(f"{cid}", []).append(total)
    firsts_lasts = [(t[0], t[-1]) for t in by_course.values()]
    assert any(a - b >= 6 for a, b in firsts_lasts)  # improving
    assert any(b - a >= 6 for a, b in firsts_lasts)  # worsening
    assert any(abs(a - b) <= 3 for a, b in firsts_lasts)  # flat


def test_demo_notes_name_the_demo_clinician(records: RecordsService) -> None:
    """The demo practice has a clinician profile, and its signed notes name her as a note
    signed with that profile does (the screenshots and a first look show the line)."""
    build(records.conn, SPEC, today=TODAY)
    signers = {r[0] for r in records.conn.execute("SELECT signed_by FROM notes")}
    assert signers == {"Dana Reyes, PsyD, PSY 12345"}
    name = records.conn.execute("SELECT name, npi FROM clinician_profile").fetchone()
    assert tuple(name) == ("Dana Reyes", "1234567893")


def test_demo_has_a_supervisors_cosignature_and_comment(records: RecordsService) -> None:
    build(records.conn, SPEC, today=TODAY)
    session = records.session
    [signed] = records.conn.execute("SELECT note_id FROM cosignatures").fetchall()
    made = review.cosignatures(session, signed[0])
    note = records.get_note(signed[0])
    assert [c.login for c in made] == ["rlee"] and note.content_hash is not None
    assert made[0].content_hash == cosignature_hash(
        note_hash=note.content_hash,
        login="rlee",
        line=made[0].signature_line,
        signed_at=made[0].signed_at,
    )
    assert [c.login for c in review.comments(session, signed[0])] == ["rlee"]
