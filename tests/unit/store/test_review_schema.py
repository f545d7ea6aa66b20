"""Schema 15 (m0015_review): the database itself keeps co-signatures and review comments
write-once, under signed record notes only, and lets only a purge delete them."""

from __future__ import annotations

import pytest

from tests.conftest import FakeClock
from tests.support.records import add_client, log_session_now
from therapynotes.domain.ids import NoteId
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.store import retention
from therapynotes.store import review as store
from therapynotes.store.connection import driver, transaction

NOW = "2027-01-15T12:00:00Z"
HASH = "a" * 64


def _cosign(session: VaultSession, note_id: NoteId, login: str = "rlee") -> int:
    with transaction(session.conn) as conn:
        return store.insert_cosignature(
            conn, note_id, login=login, line="Dr. R. Lee", signed_at=NOW, digest=HASH
        )


def test_the_schema_refuses_what_the_service_refuses(
    unlocked: VaultSession, records: RecordsService, clock: FakeClock
) -> None:
    client = add_client(records)
    visit = log_session_now(records, clock, client)
    signed = records.start_note(client, "soap", session_id=visit, sections={"subjective": "s"})
    records.sign_note(signed)
    draft = records.start_note(client, "soap", sections={"subjective": "d"})
    private = records.start_note(client, "psychotherapy", sections={"process": "p"})
    records.sign_note(private)
    integrity = driver().IntegrityError
    for note in (draft, private, NoteId(9999)):
        with pytest.raises(integrity, match="co-signatures sign signed notes only"):
            _cosign(unlocked, note)
    _cosign(unlocked, signed)
    with pytest.raises(integrity):
        _cosign(unlocked, signed)  # once per login and note
    _cosign(unlocked, signed, login="another")
    with transaction(unlocked.conn) as conn:
        store.insert_comment(conn, signed, login="rlee", body="ok", now=NOW)
    with pytest.raises(integrity, match="review comments need a record note"):
        with transaction(unlocked.conn) as conn:
            store.insert_comment(conn, private, login="rlee", body="no", now=NOW)
    for statement, words in (
        ("UPDATE cosignatures SET signature_line = 'x'", "cannot be changed"),
        ("DELETE FROM cosignatures", "cannot be deleted"),
        ("UPDATE review_comments SET body = 'x'", "cannot be changed"),
        ("DELETE FROM review_comments", "cannot be deleted"),
    ):
        with pytest.raises(integrity, match=words), transaction(unlocked.conn) as conn:
            conn.execute(statement)
    # The purge may (and does) delete them, with the notes.
    with transaction(unlocked.conn) as conn:
        assert retention.purge_counts(conn, client)["cosignatures"] == 2
        retention.purge_clinical(conn, client)
    with transaction(unlocked.conn) as conn:
        retention.purge_client(conn, client)
    assert unlocked.conn.execute("SELECT count(*) FROM cosignatures").fetchone()[0] == 0
    assert unlocked.conn.execute("SELECT count(*) FROM review_comments").fetchone()[0] == 0
