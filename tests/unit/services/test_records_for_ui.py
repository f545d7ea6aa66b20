"""The small service additions the record screens use: a chart refresh without a view
row, the client's own audit history (no text) and a day's sessions."""

from __future__ import annotations

from tests.conftest import FakeClock
from tests.support.records import add_client, log_session_now
from therapynotes.services.records import RecordsService


def test_refresh_without_view_row_and_history_of_one_client(
    records: RecordsService, clock: FakeClock
) -> None:
    ada = add_client(records, "Ada Canary")
    bo = add_client(records, "Bo Other")
    sid = log_session_now(records, clock, ada, bo)
    note = records.start_note(ada, "soap", session_id=sid, sections={"subjective": "secretword"})
    records.open_chart(ada)
    records.open_chart(ada, record_view=False)
    history = records.client_history(ada)
    kinds = [e.kind for e in history]
    assert kinds.count("chart.viewed") == 1
    assert f"note:{note}" in {e.subject for e in history}
    assert f"session:{sid}" in {e.subject for e in history}
    assert all("secretword" not in str(e.detail) and "Ada" not in str(e.detail) for e in history)
    assert not any(e.subject == f"client:{bo}" for e in history)


def test_sessions_on_a_day(records: RecordsService, clock: FakeClock) -> None:
    ada = add_client(records)
    sid = log_session_now(records, clock, ada)
    day = {e.service_date for e in records.open_chart(ada).sessions}
    assert [e.id for e in records.sessions_on(next(iter(day)))] == [sid]
    assert records.sessions_on("1999-01-01") == []
