"""Form drafts (what an open dialog held when the vault locked): kept inside the vault,
replaced by the next lock, dropped one by one, and purged with their client. Since
schema 17 each lives in the file its dialog's words belong in: dialogs without clinical
text in vault.db (every login's, an assistant's too), the others in clinical.db."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import STRONG, FakeClock
from tests.support.pages import count_hits, data_keys
from tests.support.records import add_client
from tests.support.users import ASSISTANT_PW, SUPERVISOR_PW, add, unlock_user
from tests.support.vaults import code_for, make_vault
from therapynotes.errors import RoleRefused
from therapynotes.records_errors import InvalidRecord
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.services.session import VaultSession
from therapynotes.store import migrations
from therapynotes.store.connection import clinical_path, transaction
from therapynotes.store.form_drafts import CLINICAL_KINDS, SHARED_KINDS, FormDraft, is_shared

CANARY = "Formcanary"


def _rows(session: VaultSession, table: str) -> list[str]:
    return [str(r[0]) for r in session.conn.execute(f"SELECT kind FROM {table} ORDER BY id")]  # noqa: S608


def test_kept_replaced_and_dropped(records: RecordsService) -> None:
    client = add_client(records)
    first = records.keep_form_drafts([FormDraft("note.addendum", client, {"text": "a"})])
    assert [d.fields for d in records.form_drafts()] == [{"text": "a"}]
    ids = records.keep_form_drafts(
        [FormDraft("client.add", None, {"legal_name": "B"}), FormDraft("plan.new", client)]
    )
    kept = records.form_drafts()
    assert [d.id for d in kept] == ids
    assert [(d.kind, d.client_id) for d in kept] == [("client.add", None), ("plan.new", client)]
    assert first[0] not in [d.id for d in kept if not d.shared]  # ids are never reused
    records.drop_form_draft(kept[0])
    records.drop_form_draft(FormDraft("note.addendum", client, id=first[0]))  # gone: nothing
    assert [d.kind for d in records.form_drafts()] == ["plan.new"]


def test_each_draft_lands_in_its_own_file(unlocked: VaultSession, records: RecordsService) -> None:
    client = add_client(records)
    records.keep_form_drafts(
        [
            FormDraft("client.edit", client, {"phone": "555"}),
            FormDraft("note.void", client, {"reason": "x"}),
            FormDraft("appointment.book", None, {"memo": "y"}),
            FormDraft("some.future.dialog", client, {}),  # not listed: clinical, the safe side
        ]
    )
    assert _rows(unlocked, "main.shared_form_drafts") == ["client.edit", "appointment.book"]
    assert _rows(unlocked, "clinical.form_drafts") == ["note.void", "some.future.dialog"]


def test_every_kind_is_decided_once() -> None:
    assert not SHARED_KINDS & CLINICAL_KINDS
    assert all(is_shared(k) for k in SHARED_KINDS)
    assert not any(is_shared(k) for k in CLINICAL_KINDS)


def test_the_schema_refuses_a_draft_without_a_kind(records: RecordsService) -> None:
    with pytest.raises(InvalidRecord):
        records.keep_form_drafts([FormDraft("", None, {})])
    assert records.form_drafts() == []


def test_a_purge_removes_the_clients_form_drafts_in_both_files(
    unlocked: VaultSession, records: RecordsService, clock: FakeClock
) -> None:
    client = add_client(records, "Purge Person")
    other = add_client(records, "Stay Person")
    records.keep_form_drafts(
        [
            FormDraft("note.void", client, {"reason": CANARY}),
            FormDraft("client.edit", client, {"phone": f"{CANARY}shared"}),
            FormDraft("plan.new", other, {"problem": "stays"}),
            FormDraft("billing.payment", other, {"reference": "stays"}),
        ]
    )
    RetentionService(unlocked, clock=clock).purge(client, before_retention_date="test: early purge")
    assert [d.client_id for d in records.form_drafts()] == [other, other]
    unlocked.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    needles = [CANARY.encode(), f"{CANARY}shared".encode()]
    hits = count_hits(unlocked.paths.db, data_keys(unlocked), needles)
    assert hits == dict.fromkeys(needles, 0)


def test_an_assistant_keeps_shared_drafts_only_and_never_sees_the_others(
    vault_dir: Path, clock: FakeClock
) -> None:
    svc, created = make_vault(vault_dir, clock)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    try:
        sam = add(svc, owner, created, clock, "sam", "assistant", ASSISTANT_PW)
        lee = add(svc, owner, created, clock, "lee", "supervisor", SUPERVISOR_PW)
        records = RecordsService(owner, clock=clock)
        client = add_client(records, "Ada Drafts")
        records.keep_form_drafts(
            [
                FormDraft("note.addendum", client, {"text": f"{CANARY}clinical"}),
                FormDraft("client.edit", client, {"phone": "owner's"}),
            ]
        )
    finally:
        owner.lock()
    session = unlock_user(svc, sam, ASSISTANT_PW, clock)
    try:
        mine = RecordsService(session, clock=clock)
        assert [d.kind for d in mine.form_drafts()] == ["client.edit"]  # no clinical.db
        kept = [FormDraft(d.kind, d.client_id, d.fields) for d in mine.form_drafts()]
        typed = FormDraft("appointment.book", None, {"memo": f"{CANARY}assistant"})
        ids = mine.keep_form_drafts([*kept, typed])
        assert len(ids) == 2
        with pytest.raises(RoleRefused):  # a clinical draft never comes from their login
            mine.keep_form_drafts([FormDraft("note.new", client, {"text": "no"})])
        with pytest.raises(RoleRefused):
            mine.drop_form_draft(FormDraft("note.addendum", client, id=1))
        session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        session.lock()
    clock.advance(30)
    session = svc.unlock(STRONG, code_for(created, clock()))
    try:
        keys = data_keys(session)
        session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        session.conn.execute("PRAGMA clinical.wal_checkpoint(TRUNCATE)").fetchall()
        mine = f"{CANARY}assistant".encode()
        assert count_hits(session.paths.db, keys[:32], [mine]) == {mine: 1}  # vault.db
        clinical = count_hits(clinical_path(session.paths.db), keys[32:], [mine])
        assert clinical == {mine: 0}
        kinds = [d.kind for d in RecordsService(session, clock=clock).form_drafts()]
        assert kinds == ["client.edit", "appointment.book", "note.addendum"]  # the owner's stayed
    finally:
        session.lock()
    session = unlock_user(svc, lee, SUPERVISOR_PW, clock)
    try:  # a supervisor holds the clinical key: reads both files, as before
        kinds = [d.kind for d in RecordsService(session, clock=clock).form_drafts()]
        assert kinds == ["client.edit", "appointment.book", "note.addendum"]
    finally:
        session.lock()


def test_an_old_vaults_drafts_move_to_their_file(vault_dir: Path, clock: FakeClock) -> None:
    """Schema 16 kept every draft in clinical.db: unlocking runs m0017, which moves the
    shared kinds to vault.db (same ids) and leaves the clinical ones."""
    svc, created = make_vault(vault_dir, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    try:
        client = add_client(RecordsService(session, clock=clock), "Ada Old")
        conn = session.conn
        with transaction(conn):  # the vault as schema 16 left it
            conn.execute("DROP TABLE main.shared_form_drafts")
            for kind in ("client.add", "note.void", "appointment.book", "plan.new"):
                conn.execute(
                    "INSERT INTO clinical.form_drafts(kind, client_id, body, saved_at)"
                    " VALUES (?, ?, ?, '2027-01-01T00:00:00Z')",
                    (kind, None if kind == "client.add" else client, f'{{"k": "{kind}"}}'),
                )
            conn.execute("PRAGMA user_version = 16")
    finally:
        session.lock()
    clock.advance(30)
    session = svc.unlock(STRONG, code_for(created, clock()))
    try:
        assert migrations.current_version(session.conn) == migrations.latest_version()
        assert _rows(session, "main.shared_form_drafts") == ["client.add", "appointment.book"]
        assert _rows(session, "clinical.form_drafts") == ["note.void", "plan.new"]
        kept = RecordsService(session, clock=clock).form_drafts()
        assert [(d.kind, d.id, d.fields) for d in kept] == [
            ("client.add", 1, {"k": "client.add"}),
            ("appointment.book", 3, {"k": "appointment.book"}),
            ("note.void", 2, {"k": "note.void"}),
            ("plan.new", 4, {"k": "plan.new"}),
        ]
    finally:
        session.lock()


def test_form_drafts_are_not_exported(
    unlocked: VaultSession, records: RecordsService, clock: FakeClock, tmp_path: Path
) -> None:
    from therapynotes.services.portable import PortableService  # noqa: PLC0415

    client = add_client(records, "Ada Export")
    records.keep_form_drafts(
        [
            FormDraft("client.edit", client, {"phone": f"{CANARY}shared"}),
            FormDraft("note.void", client, {"reason": f"{CANARY}clinical"}),
        ]
    )
    counts = PortableService(unlocked, clock=clock).export_json(tmp_path / "out")
    assert counts["clients"] == 1  # the export was written
    assert not any("draft" in table and "form" in table for table in counts)
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path.name
