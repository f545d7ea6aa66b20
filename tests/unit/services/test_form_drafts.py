"""Form drafts (what an open dialog held when the vault locked): kept inside the vault,
replaced by the next lock, dropped one by one, and purged with their client."""

from __future__ import annotations

import pytest

from tests.conftest import FakeClock
from tests.support.pages import count_hits, data_keys
from tests.support.records import add_client
from therapynotes.records_errors import InvalidRecord
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.services.session import VaultSession
from therapynotes.store.form_drafts import FormDraft

CANARY = "Formcanary"


def test_kept_replaced_and_dropped(records: RecordsService) -> None:
    client = add_client(records)
    first = records.keep_form_drafts([FormDraft("note.addendum", client, {"text": "a"})])
    assert [d.fields for d in records.form_drafts()] == [{"text": "a"}]
    ids = records.keep_form_drafts(
        [FormDraft("client.add", None, {"legal_name": "B"}), FormDraft("plan.new", client)]
    )
    kept = records.form_drafts()
    assert [d.id for d in kept] == ids and first[0] not in ids
    assert [(d.kind, d.client_id) for d in kept] == [("client.add", None), ("plan.new", client)]
    records.drop_form_draft(ids[0])
    records.drop_form_draft(first[0])  # already gone: nothing happens
    assert [d.kind for d in records.form_drafts()] == ["plan.new"]


def test_the_schema_refuses_a_draft_without_a_kind(records: RecordsService) -> None:
    with pytest.raises(InvalidRecord):
        records.keep_form_drafts([FormDraft("", None, {})])
    assert records.form_drafts() == []


def test_a_purge_removes_the_clients_form_drafts(
    unlocked: VaultSession, records: RecordsService, clock: FakeClock
) -> None:
    client = add_client(records, "Purge Person")
    other = add_client(records, "Stay Person")
    records.keep_form_drafts(
        [
            FormDraft("note.void", client, {"reason": CANARY}),
            FormDraft("plan.new", other, {"problem": "stays"}),
        ]
    )
    RetentionService(unlocked, clock=clock).purge(client, before_retention_date="test: early purge")
    assert [d.client_id for d in records.form_drafts()] == [other]
    unlocked.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    hits = count_hits(unlocked.paths.db, data_keys(unlocked), [CANARY.encode()])
    assert hits == {CANARY.encode(): 0}
