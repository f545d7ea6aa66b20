"""Issue 17, phase A: clinical content is encrypted under a key of its own.

Below the app: the files are opened with raw sqlcipher3 and keys derived from
vault.keys and the passphrase by hand, as someone holding only the shared key would.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyotp
import pytest
import sqlcipher3.dbapi2 as sqlcipher

from tests.conftest import STRONG, FakeClock
from tests.support.pages import count_hits
from tests.support.records import add_client, log_session_now, unlocked  # noqa: F401
from therapynotes.domain.models import Goal, Objective, PlanContent, Problem
from therapynotes.domain.roles import OWNER_LOGIN, Login, Role
from therapynotes.domain.snippets import Snippet
from therapynotes.security import kdf, keyslots
from therapynotes.services import review
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.services.snippets import SnippetService
from therapynotes.services.spelling import SpellingService
from therapynotes.services.vault import VaultService
from therapynotes.store import audit
from therapynotes.store.audit import AuditKind
from therapynotes.store.form_drafts import FormDraft

CLINICAL = "Zqclinicalcanary"
SHARED = "Zqsharedperson"
FIXTURES = Path(__file__).parents[2] / "fixtures"


def _fill(session: VaultSession, clock: FakeClock) -> None:
    """A shared client (demographics, a session) and clinical content of every kind."""
    records = RecordsService(session, clock=clock)
    client = add_client(records, f"{SHARED}legal")
    visit = log_session_now(records, clock, client)
    note = records.start_note(client, "soap", session_id=visit)
    for i in range(2):
        clock.advance(400)
        records.save_draft(note, {"subjective": f"{CLINICAL}draft{i} " * 20})
    records.sign_note(note)
    records.add_addendum(note, f"{CLINICAL}addendum")
    private = records.start_note(client, "psychotherapy", sections={"process": f"{CLINICAL}pn"})
    records.sign_note(private)
    goal = Goal(f"{CLINICAL}goal", (Objective(f"{CLINICAL}obj", "2027-06-01"),), ("CBT",))
    plan = PlanContent((Problem(f"{CLINICAL}problem", (goal,)),), review_date="2027-06-01")
    records.save_plan(client, plan, effective_date="2027-01-01")
    records.add_diagnosis(client, "F41.1", primary=True)
    records.add_attachment(
        client,
        filename=f"{CLINICAL}file.pdf",
        media_type="application/pdf",
        data=f"{CLINICAL}blob".encode() * 500,
    )
    records.keep_form_drafts([FormDraft("note.addendum", client, {"text": f"{CLINICAL}formdraft"})])
    SnippetService(session, clock=clock).save(Snippet("zq", f"{CLINICAL}snippet"))
    SpellingService(session, clock=clock).add_word(f"{CLINICAL}word")
    # supervision (issue 17 phase B): a review comment is clinical content
    session.login = Login("rlee", Role.SUPERVISOR)
    review.set_signature(session, "Dr. R. Lee, PhD")
    review.cosign(session, note)
    review.add_comment(session, note, f"{CLINICAL}comment")
    session.login = OWNER_LOGIN


def _keys_below_the_app(root: Path) -> tuple[bytes, bytes]:
    """(shared key, clinical key) from vault.keys and the passphrase, by hand."""
    doc = keyslots.decode((root / "vault.keys").read_bytes())
    assert doc.device_binding == keyslots.BINDING_NONE
    master = kdf.argon2id(STRONG, doc.local.kdf)
    root_key = keyslots.open_local(doc, kdf.kek_local(master, b""))
    bundle = keyslots.data_keys(doc, root_key).reveal()
    assert len(bundle) == 64
    return bundle[:32], bundle[32:]


def _raw(path: Path, key: bytes) -> sqlcipher.Connection:
    conn = sqlcipher.connect(str(path))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def _every_value(conn: sqlcipher.Connection) -> str:
    """Every row of every table (FTS shadow tables too), as text."""
    names = [str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert names, "no tables: the key did not open the file"
    rows = []
    for name in names:
        rows.extend(conn.execute(f'SELECT * FROM "{name}"').fetchall())  # noqa: S608
    return repr(rows)


@pytest.fixture
def passphrase_only(tmp_path: Path, clock: FakeClock) -> tuple[VaultService, VaultSession]:
    svc = VaultService(tmp_path / "vault", clock=clock)
    created = svc.create(STRONG, passphrase_only=True)
    return svc, svc.unlock(STRONG, pyotp.TOTP(created.totp_secret).at(clock()))


def test_the_shared_key_opens_no_clinical_content(
    passphrase_only: tuple[VaultService, VaultSession], clock: FakeClock
) -> None:
    svc, session = passphrase_only
    _fill(session, clock)
    session.lock("test")
    shared, clinical = _keys_below_the_app(svc.paths.root)
    assert shared != clinical

    conn = _raw(svc.paths.db, shared)
    try:
        text = _every_value(conn)
    finally:
        conn.close()
    assert SHARED in text  # the shared record is there, and readable
    assert CLINICAL not in text and CLINICAL.lower() not in text.lower()
    # Every page of vault.db, free pages included, decrypted with the shared key.
    needles = [CLINICAL.encode(), CLINICAL.lower().encode(), CLINICAL.encode("utf-16-le")]
    assert count_hits(svc.paths.db, shared, needles) == dict.fromkeys(needles, 0)
    assert count_hits(svc.paths.db, shared, [SHARED.encode()])[SHARED.encode()] > 0

    # clinical.db does not open with the shared key ...
    wrong = _raw(svc.paths.clinical, shared)
    with pytest.raises(sqlcipher.DatabaseError):
        wrong.execute("SELECT count(*) FROM sqlite_master").fetchall()
    wrong.close()
    # ... and holds the clinical content under its own key (so this test can fail).
    right = _raw(svc.paths.clinical, clinical)
    try:
        assert f"{CLINICAL}pn" in _every_value(right)
        assert f"{CLINICAL}comment" in _every_value(right)
    finally:
        right.close()
    assert count_hits(svc.paths.clinical, clinical, [CLINICAL.encode()])[CLINICAL.encode()] > 10


def test_the_clinical_key_is_not_the_shared_key_after_a_rotation(
    passphrase_only: tuple[VaultService, VaultSession], clock: FakeClock
) -> None:
    from therapynotes.services.rotation import KeyRotation  # noqa: PLC0415

    svc, session = passphrase_only
    before = _keys_below_the_app(svc.paths.root)
    plan = KeyRotation(svc).prepare(session, STRONG, new_recovery_key=True)
    try:
        KeyRotation(svc).run(plan)
    finally:
        plan.close()
    session.lock("test")
    after = _keys_below_the_app(svc.paths.root)
    assert after[0] != after[1] and not set(after) & set(before)


@pytest.mark.parametrize("version", [3, 4])
def test_a_format_1_vault_gets_its_clinical_key_at_first_unlock(
    version: int, tmp_path: Path, clock: FakeClock
) -> None:
    root = tmp_path / "vault"
    shutil.copytree(FIXTURES / f"vault-schema-{version}", root)
    old_keys = (root / "vault.keys").read_bytes()
    assert keyslots.decode(old_keys).format == 1
    secret = (root / "totp-secret.txt").read_text().strip()
    svc = VaultService(root, clock=clock)
    session = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    try:
        kinds = [e.kind for e in audit.entries(session.conn)]
        assert kinds[-2:] == [AuditKind.CLINICAL_KEY_ADDED, AuditKind.UNLOCK_OK]
        assert audit.verify(session.conn).ok
        notes = session.conn.execute("SELECT count(*) FROM clinical.notes").fetchone()[0]
        main_tables = {r[0] for r in session.conn.execute("SELECT name FROM main.sqlite_master")}
    finally:
        session.lock("test")
    assert notes == (2 if version == 4 else 0)  # the schema-4 fixture's two notes moved
    assert "notes" not in main_tables and "clients" in main_tables
    doc = keyslots.decode((root / "vault.keys").read_bytes())
    assert doc.format == keyslots.FORMAT_VERSION and doc.data_keys is not None
    # The slots are those of the format-1 file, byte for byte; the old file is gone.
    assert doc.local == keyslots.decode(old_keys).local
    assert doc.recovery == keyslots.decode(old_keys).recovery
    assert not (root / "vault.keys.format1").exists()
    # Upgraded: R stays the shared key (vault.db not re-encrypted), a new clinical key.
    shared, clinical = _keys_below_the_app(root)
    assert shared != clinical
    conn = _raw(root / "vault.db", shared)
    try:
        assert "Fixture" in _every_value(conn) or version == 3
    finally:
        conn.close()
    clock.advance(30)
    again = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))  # and it opens again
    try:
        assert again.conn.execute("SELECT count(*) FROM notes").fetchone()[0] == notes
    finally:
        again.lock("test")


def test_a_missing_clinical_file_is_damage_not_an_empty_record(
    passphrase_only: tuple[VaultService, VaultSession], clock: FakeClock
) -> None:
    from therapynotes.errors import VaultCorrupt  # noqa: PLC0415

    svc, session = passphrase_only
    _fill(session, clock)
    session.lock("test")
    svc.paths.clinical.rename(svc.paths.root / "elsewhere.db")
    clock.advance(30)
    with pytest.raises(VaultCorrupt):
        svc.unlock(STRONG, "000000")
    assert not svc.paths.clinical.exists()  # never silently recreated empty


def test_a_purge_cut_between_its_two_files_leaves_nothing_dangling(
    passphrase_only: tuple[VaultService, VaultSession],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The purge deletes the clinical record first (its own transaction), then the rest;
    a crash between the two leaves a client with no clinical rows, never clinical rows
    without their client, and purging again finishes."""
    from therapynotes.services.retention import RetentionService  # noqa: PLC0415
    from therapynotes.store import retention as retention_store  # noqa: PLC0415

    svc, session = passphrase_only
    _fill(session, clock)
    conn = session.conn
    client = conn.execute("SELECT id FROM clients").fetchone()[0]
    retention = RetentionService(session, clock=clock)

    def power_cut(*_args: object) -> None:
        raise OSError("power cut")

    with monkeypatch.context() as patch:
        patch.setattr(retention_store, "purge_client", power_cut)
        with pytest.raises(OSError):
            retention.purge(client, before_retention_date="asked for it")
    assert conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 1
    for table in ("notes", "addenda", "note_revisions", "attachments", "treatment_plans"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0  # noqa: S608
    assert conn.execute("SELECT count(*) FROM clinical.purge_authorisations").fetchone() == (0,)
    retention.purge(client, before_retention_date="asked for it")
    assert conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    session.lock("test")


def test_a_damaged_clinical_page_fails_the_snapshot_check(
    passphrase_only: tuple[VaultService, VaultSession], clock: FakeClock, tmp_path: Path
) -> None:
    from therapynotes.backup import snapshot  # noqa: PLC0415
    from therapynotes.backup.errors import BackupCorrupt  # noqa: PLC0415

    _, session = passphrase_only
    _fill(session, clock)
    dest = tmp_path / "snap.db"
    keys = session.data_keys()
    snapshot.take(session.paths.db, dest, keys, progress=lambda *_: None, cancel=lambda: False)
    snapshot.check(dest, keys)  # sound
    clinical = snapshot.clinical_path(dest)
    raw = bytearray(clinical.read_bytes())
    raw[4096 * 2 + 100] ^= 0x01  # one bit of the third page of clinical.db's copy
    clinical.write_bytes(bytes(raw))
    with pytest.raises(BackupCorrupt, match="page"):  # clinical.cipher_integrity_check
        snapshot.page_check(dest, keys)
    with pytest.raises(BackupCorrupt):
        snapshot.check(dest, keys)
    session.lock("test")


@pytest.mark.parametrize("cut", ["after the old copy", "after the new file"])
def test_a_cut_format_1_upgrade_opens_next_time(
    cut: str, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key-file upgrade writes vault.keys.format1, then the new vault.keys (atomic),
    then reopens; cut at either point, the next unlock finishes the job, nothing lost."""
    from therapynotes.services import unlocking  # noqa: PLC0415

    root = tmp_path / "vault"
    shutil.copytree(FIXTURES / "vault-schema-4", root)
    secret = (root / "totp-secret.txt").read_text().strip()
    svc = VaultService(root, clock=clock)
    real = unlocking.atomic_write_bytes
    writes: list[Path] = []

    def cut_write(path: Path, data: bytes) -> None:
        writes.append(path)
        if cut == "after the old copy" and path.name == "vault.keys":
            raise OSError("power cut")
        real(path, data)
        if cut == "after the new file" and path.name == "vault.keys":
            raise OSError("power cut")

    with monkeypatch.context() as patch:
        patch.setattr(unlocking, "atomic_write_bytes", cut_write)
        with pytest.raises(OSError):
            svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    assert (root / "vault.keys.format1").exists()
    expected = 1 if cut == "after the old copy" else keyslots.FORMAT_VERSION
    assert keyslots.decode((root / "vault.keys").read_bytes()).format == expected
    clock.advance(30)
    session = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    try:
        assert session.conn.execute("SELECT count(*) FROM clinical.notes").fetchone() == (2,)
        assert session.doc.format == keyslots.FORMAT_VERSION
        assert keyslots.shared_is_root(session.doc, session.dek)  # upgraded, not rotated
    finally:
        session.lock("test")
    assert not (root / "vault.keys.format1").exists()


def test_a_new_vault_has_three_independent_keys(
    passphrase_only: tuple[VaultService, VaultSession],
) -> None:
    _, session = passphrase_only
    try:
        assert session.doc.format == keyslots.FORMAT_VERSION
        assert not keyslots.shared_is_root(session.doc, session.dek)
    finally:
        session.lock("test")
