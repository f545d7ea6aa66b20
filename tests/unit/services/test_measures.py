"""MeasuresService on a real vault: scored and stored with every answer, audited
without answers or text, refusals store nothing, the item-9 flag stays until addressed
(once, with a note), rows cannot be changed or deleted outside a purge, and the line
inserted into a note."""

from __future__ import annotations

import pytest

from tests.conftest import FakeClock
from tests.support.records import add_client
from therapynotes.records_errors import (
    ClientNotFound,
    DateInFuture,
    InvalidAnswers,
    RiskAlreadyAddressed,
    RiskNoteEmpty,
    UnknownInstrument,
)
from therapynotes.services.measures import MeasuresService, summary_line
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.store import audit
from therapynotes.store.connection import driver


@pytest.fixture
def measures(unlocked: VaultSession, clock: FakeClock) -> MeasuresService:
    return MeasuresService(unlocked, clock=clock)


def _count(unlocked: VaultSession) -> int:
    return int(unlocked.conn.execute("SELECT count(*) FROM measure_responses").fetchone()[0])


def test_record_scores_stores_every_answer_and_audits(
    records: RecordsService, measures: MeasuresService, unlocked: VaultSession
) -> None:
    client = add_client(records)
    done = measures.record(client, "PHQ-9", [3, 3, 2, 2, 1, 2, 1, 0, 0], given_on="2026-11-05")
    assert (done.score.total, done.score.band, done.score.risks) == (14, "moderate", ())
    assert done.response.answers == (3, 3, 2, 2, 1, 2, 1, 0, 0)
    assert done.response.given_on == "2026-11-05" and not done.response.risk
    entry = audit.entries(unlocked.conn)[-1]
    assert entry.kind == "record.created" and entry.subject == f"client:{client}"
    assert entry.detail == {"record": "measure", "id": done.response.id, "instrument": "PHQ-9"}
    history = measures.history(client)
    assert [(r.given_on, r.total) for r in history] == [("2026-11-05", 14)]


@pytest.mark.parametrize(
    ("instrument", "answers", "error"),
    [
        ("PHQ-9", [0] * 8, InvalidAnswers),
        ("PHQ-9", [0] * 8 + [None], InvalidAnswers),
        ("GAD-7", [0] * 6 + [4], InvalidAnswers),
        ("BDI", [0] * 21, UnknownInstrument),
    ],
)
def test_refused_answer_sets_store_nothing(  # noqa: PLR0917 - fixtures and parameters
    records: RecordsService,
    measures: MeasuresService,
    unlocked: VaultSession,
    instrument: str,
    answers: list[object],
    error: type[Exception],
) -> None:
    client = add_client(records)
    before = len(audit.entries(unlocked.conn))
    with pytest.raises(error):
        measures.record(client, instrument, answers)
    assert _count(unlocked) == 0 and len(audit.entries(unlocked.conn)) == before


def test_unknown_client_and_future_day_refused(
    records: RecordsService, measures: MeasuresService, unlocked: VaultSession
) -> None:
    with pytest.raises(ClientNotFound):
        measures.record(999, "GAD-7", [0] * 7)  # type: ignore[arg-type]
    client = add_client(records)
    with pytest.raises(DateInFuture):
        measures.record(client, "GAD-7", [0] * 7, given_on="2999-01-01")
    assert _count(unlocked) == 0


def test_item9_flag_stays_until_addressed_once_with_a_note(
    records: RecordsService, measures: MeasuresService, unlocked: VaultSession
) -> None:
    client = add_client(records, "Robin Flag", preferred_name="Rob")
    done = measures.record(client, "PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 1])
    assert done.response.risk and done.response.risk_open and done.score.risks
    assert audit.entries(unlocked.conn)[-1].detail["risk"] is True
    [open_risk] = measures.open_risks()
    assert open_risk.response.id == done.response.id and open_risk.client_name == "Robin Flag (Rob)"
    with pytest.raises(RiskNoteEmpty):
        measures.address_risk(done.response.id, "   ")
    assert measures.open_risks() != []
    after = measures.address_risk(done.response.id, "Safety plan reviewed; no intent.")
    assert not after.risk_open and after.addressed_note == "Safety plan reviewed; no intent."
    assert measures.open_risks() == []
    entry = audit.entries(unlocked.conn)[-1]
    assert entry.kind == "record.edited" and entry.detail["fields"] == ["addressed"]
    assert "Safety" not in repr(entry.detail)
    with pytest.raises(RiskAlreadyAddressed):
        measures.address_risk(done.response.id, "again")


def test_the_schema_refuses_changes_and_deletes(
    records: RecordsService, measures: MeasuresService, unlocked: VaultSession
) -> None:
    client = add_client(records)
    done = measures.record(client, "GAD-7", [1] * 7)
    conn = unlocked.conn
    with pytest.raises(driver().IntegrityError):
        conn.execute("UPDATE measure_responses SET total = 0 WHERE id = ?", (done.response.id,))
    with pytest.raises(driver().IntegrityError):
        conn.execute("DELETE FROM measure_responses WHERE id = ?", (done.response.id,))
    assert measures.history(client)[0].total == 7


def test_summary_line_for_the_note(records: RecordsService, measures: MeasuresService) -> None:
    client = add_client(records)
    measures.record(client, "PHQ-9", [3, 3, 3, 2, 2, 2, 2, 2, 0], given_on="2026-11-05")
    later = measures.record(client, "PHQ-9", [2, 2, 2, 2, 2, 2, 1, 1, 0], given_on="2026-12-03")
    measures.record(client, "GAD-7", [0] * 7, given_on="2026-11-20")
    line = summary_line(measures.history(client), later.response)
    assert line == "PHQ-9 14, moderate, 3 Dec 2026; was 19 on 5 Nov"
    first = measures.history(client, "PHQ-9")[0]
    assert (
        summary_line(measures.history(client), first) == "PHQ-9 19, moderately severe, 5 Nov 2026"
    )
