"""The schema itself enforces the record's rules, even against raw SQL."""

from __future__ import annotations

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from tests.conftest import FakeClock
from tests.support.records import add_client, log_session_now
from therapynotes.domain.enums import NoteKind
from therapynotes.services.records import RecordsService
from therapynotes.store import notes as notes_store

Refused = sqlcipher.IntegrityError


@pytest.fixture
def signed(records: RecordsService, clock: FakeClock) -> int:
    client = add_client(records)
    session = log_session_now(records, clock, client)
    note = records.start_note(client, "soap", session_id=session)
    records.save_draft(note, {"subjective": "original canary text"})
    records.sign_note(note)
    return int(note)


@pytest.mark.parametrize(
    "statement",
    [
        'UPDATE notes SET body = \'{"subjective": "changed"}\' WHERE id = ?',
        "UPDATE notes SET state = 'draft', signed_at = NULL, content_hash = NULL WHERE id = ?",
        "UPDATE notes SET signed_at = '2030-01-01T00:00:00Z' WHERE id = ?",
        "UPDATE notes SET content_hash = printf('%064d', 0) WHERE id = ?",
        "UPDATE notes SET client_id = client_id + 0, late_entry = 1 WHERE id = ?",
        "UPDATE notes SET state = 'voided', voided_at = '2030-01-01T00:00:00Z',"
        " void_reason = 'x', body = '{}' WHERE id = ?",
        "DELETE FROM notes WHERE id = ?",
    ],
)
def test_signed_note_refuses_raw_sql(records: RecordsService, signed: int, statement: str) -> None:
    conn = records.conn
    before = conn.execute("SELECT * FROM notes WHERE id = ?", (signed,)).fetchone()
    with pytest.raises(Refused):
        conn.execute(statement, (signed,))
    assert conn.execute("SELECT * FROM notes WHERE id = ?", (signed,)).fetchone() == before


def test_void_is_the_only_change_allowed(records: RecordsService, signed: int) -> None:
    conn = records.conn
    conn.execute(
        "UPDATE notes SET state = 'voided', voided_at = '2030-01-01T00:00:00Z',"
        " void_reason = 'wrong chart' WHERE id = ?",
        (signed,),
    )
    with pytest.raises(Refused):  # and a voided note is frozen too
        conn.execute("UPDATE notes SET void_reason = 'other' WHERE id = ?", (signed,))
    with pytest.raises(Refused):  # a void needs a reason
        conn.execute("UPDATE notes SET void_reason = NULL WHERE id = ?", (signed,))


def test_void_without_reason_is_refused(records: RecordsService, signed: int) -> None:
    with pytest.raises(Refused):
        records.conn.execute(
            "UPDATE notes SET state = 'voided', voided_at = '2030-01-01T00:00:00Z',"
            " void_reason = '  ' WHERE id = ?",
            (signed,),
        )


def test_addenda_are_write_once(records: RecordsService, signed: int) -> None:
    records.add_addendum(signed, "addendum canary")  # type: ignore[arg-type]
    conn = records.conn
    with pytest.raises(Refused):
        conn.execute("UPDATE addenda SET body = 'changed'")
    with pytest.raises(Refused):
        conn.execute("DELETE FROM addenda")
    assert conn.execute("SELECT body FROM addenda").fetchall() == [("addendum canary",)]


def test_addenda_only_on_signed_notes(records: RecordsService, clock: FakeClock) -> None:
    client = add_client(records)
    draft = records.start_note(client, "freeform", sections={"text": "draft"})
    with pytest.raises(Refused):
        records.conn.execute(
            "INSERT INTO addenda(note_id, body, signed_at, content_hash)"
            " VALUES (?, 'x', '2030-01-01T00:00:00Z', printf('%064d', 0))",
            (draft,),
        )


def test_drafts_can_change_and_be_deleted(records: RecordsService) -> None:
    client = add_client(records)
    draft = records.start_note(client, "freeform", sections={"text": "draft"})
    conn = records.conn
    conn.execute('UPDATE notes SET body = \'{"text": "edited"}\' WHERE id = ?', (draft,))
    conn.execute("DELETE FROM note_revisions WHERE note_id = ?", (draft,))
    conn.execute("DELETE FROM notes WHERE id = ?", (draft,))


def test_plan_versions_are_write_once(records: RecordsService) -> None:
    from therapynotes.domain.models import PlanContent, Problem

    client = add_client(records)
    records.save_plan(client, PlanContent((Problem("p"),)), effective_date="2027-01-01")
    with pytest.raises(Refused):
        records.conn.execute("UPDATE treatment_plans SET body = '{}'")
    with pytest.raises(Refused):
        records.conn.execute("DELETE FROM treatment_plans")


def test_purge_authorisation_is_the_one_way_to_delete(records: RecordsService, signed: int) -> None:
    """Issue 4's purge writes purge_authorisations in its transaction; nothing else can."""
    conn = records.conn
    client = conn.execute("SELECT client_id FROM notes WHERE id = ?", (signed,)).fetchone()[0]
    records.add_addendum(signed, "more")  # type: ignore[arg-type]
    conn.execute("BEGIN")
    # Since schema 13 the clinical tables read their own twin of the table (clinical.db).
    conn.execute("INSERT INTO clinical.purge_authorisations(client_id) VALUES (?)", (client,))
    conn.execute("DELETE FROM addenda WHERE note_id = ?", (signed,))
    conn.execute("DELETE FROM note_revisions WHERE note_id = ?", (signed,))
    conn.execute("DELETE FROM notes WHERE id = ?", (signed,))
    conn.execute("DELETE FROM clinical.purge_authorisations")
    conn.execute("COMMIT")
    assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM notes_fts").fetchone()[0] == 0


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO clients(legal_name, status, created_at, updated_at)"
        " VALUES ('A', 'gone', '2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z')",
        "INSERT INTO clients(legal_name, status, created_at, updated_at)"
        " VALUES ('A', 'discharged', '2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z')",
        "INSERT INTO clients(legal_name, created_at, updated_at)"
        " VALUES ('  ', '2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z')",
        "INSERT INTO clients(legal_name, date_of_birth, created_at, updated_at)"
        " VALUES ('A', '1/2/1990', '2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z')",
        "INSERT INTO clients(legal_name, created_at, updated_at) VALUES ('A', 'now', 'now')",
        "INSERT INTO sessions(service_date, starts_at, ends_at, service_code, modality,"
        " created_at) VALUES ('2027-01-01', '2027-01-01T10:00:00Z', '2027-01-01T09:00:00Z',"
        " '90834', 'video', '2027-01-01T00:00:00Z')",
        "INSERT INTO sessions(service_date, starts_at, ends_at, service_code, modality,"
        " created_at) VALUES ('2027-01-01', '2027-01-01T10:00:00Z', '2027-01-01T11:00:00Z',"
        " '90834', 'carrier pigeon', '2027-01-01T00:00:00Z')",
    ],
)
def test_check_constraints(records: RecordsService, statement: str) -> None:
    with pytest.raises(Refused):
        records.conn.execute(statement)


def test_note_must_be_filed_under_a_participant(records: RecordsService, clock: FakeClock) -> None:
    one, two = add_client(records, "One"), add_client(records, "Two")
    session = log_session_now(records, clock, one)
    # Schema 12 moved notes to clinical.db, where no foreign key can reach
    # session_participants: the store checks it on every insert.
    with pytest.raises(Refused):
        notes_store.insert_draft(
            records.conn,
            client_id=two,
            session_id=session,
            kind=NoteKind.PROGRESS,
            template="soap",
            service_date="2027-01-01",
            occurred_at="2027-01-01T00:00:00Z",
            sections={},
            now="2027-01-01T00:00:00Z",
        )


def test_index_follows_raw_sql_writes(records: RecordsService) -> None:
    client = add_client(records)
    draft = records.start_note(client, "freeform", sections={"text": "alpha"})
    conn = records.conn

    def found(word: str) -> list[int]:
        rows = conn.execute("SELECT rowid FROM notes_fts WHERE notes_fts MATCH ?", (word,))
        return [r[0] for r in rows]

    assert found("alpha") == [draft]
    conn.execute('UPDATE notes SET body = \'{"text": "bravo"}\' WHERE id = ?', (draft,))
    assert found("alpha") == [] and found("bravo") == [draft]
    conn.execute("UPDATE clients SET legal_name = 'Zelda Quark' WHERE id = ?", (client,))
    names = conn.execute("SELECT rowid FROM clients_fts WHERE clients_fts MATCH 'quark'")
    assert [r[0] for r in names] == [client]


def test_record_view_leaves_out_psychotherapy_notes(records: RecordsService) -> None:
    client = add_client(records)
    kept = records.start_note(client, "freeform", sections={"text": "record"})
    private = records.start_note(client, "psychotherapy", sections={"process": "private"})
    conn = records.conn
    assert [r[0] for r in conn.execute("SELECT id FROM record_notes")] == [kept]
    assert [r[0] for r in conn.execute("SELECT id FROM psychotherapy_notes")] == [private]
