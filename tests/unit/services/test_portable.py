"""Portable export/import: a full round trip is byte-identical, private on disk,
audit-logged; malformed exports are refused with one clear line and change nothing."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FakeClock
from tests.support.billing import fill_billing
from tests.support.lifecycle import fill_client
from tests.support.records import add_client, unlock_new_vault
from therapynotes.backup import snapshot as backup_snapshot
from therapynotes.domain.roles import OWNER_LOGIN, Login, Role
from therapynotes.domain.snippets import Snippet
from therapynotes.errors import VaultBusy
from therapynotes.portable import format as fmt
from therapynotes.portable_errors import (
    ExportTargetInvalid,
    ExportTargetNotEmpty,
    ImportRefused,
    VaultNotEmpty,
)
from therapynotes.records_errors import NotCosignable
from therapynotes.services import owner_totp, review
from therapynotes.services.portable import PortableService
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.services.session import VaultSession
from therapynotes.services.snippets import SnippetService
from therapynotes.services.spelling import SpellingService
from therapynotes.services.templates import TemplateService
from therapynotes.store import audit, connection
from therapynotes.store.connection import Connection

CANARY = "Portacanary"


def snapshot(conn: Connection) -> dict[str, Any]:
    """Every table's rows (what 'nothing changed' means)."""
    names = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    ]
    return {n: conn.execute(f"SELECT * FROM {n}").fetchall() for n in names}  # noqa: S608


@pytest.fixture
def exported(
    unlocked: VaultSession, records: RecordsService, clock: FakeClock, tmp_path: Path
) -> Path:
    other = add_client(records, "Group Member")
    client = fill_client(records, clock, CANARY, group_with=other, date_of_birth="2012-04-05")
    RetentionService(unlocked, clock=clock).set_hold(client, held=True)
    records.set_late_entry_hours(48)
    fill_billing(unlocked, records, clock, client)
    SpellingService(unlocked, clock=clock).add_word("Okonkwo")  # the personal dictionary
    own = TemplateService(unlocked, clock=clock).duplicate("soap", "My SOAP")  # own template
    TemplateService(unlocked, clock=clock).set_disabled(own, disabled=True)
    SnippetService(unlocked, clock=clock).save(Snippet("mse", "Mood {{mood}}"))
    # supervision (format 7): a co-signature, a comment, a signing line
    signed = next(n.id for n in records.open_chart(client).notes if n.state == "voided")
    unlocked.login = Login("rlee", Role.SUPERVISOR)
    review.set_signature(unlocked, "Dr. R. Lee, PhD")
    with pytest.raises(NotCosignable):
        review.cosign(unlocked, signed)  # a voided note: the import must still void it
    signed = next(n.id for n in records.open_chart(client).notes if n.state == "signed")
    review.cosign(unlocked, signed)
    review.add_comment(unlocked, signed, f"{CANARY} review")
    unlocked.login = OWNER_LOGIN
    target = tmp_path / "export"
    PortableService(unlocked, clock=clock).export_json(target)
    return target


@pytest.fixture
def empty(tmp_path: Path, clock: FakeClock) -> Any:
    session = unlock_new_vault(tmp_path / "empty", clock)
    yield session
    session.lock("test finished")


def test_round_trip_is_byte_identical(
    exported: Path, empty: VaultSession, clock: FakeClock, tmp_path: Path
) -> None:
    document = json.loads((exported / fmt.JSON_NAME).read_text("utf-8"))
    assert all(document[t] for t in fmt.TABLES)  # every entity kind is exercised
    assert {n["state"] for n in document["notes"]} == {"draft", "signed", "voided"}
    assert document["settings"]["late_entry_hours"] == "48"
    counts = PortableService(empty, clock=clock).import_json(exported)
    assert counts["notes"] == len(document["notes"])
    again = tmp_path / "again"
    PortableService(empty, clock=clock).export_json(again)
    assert (again / fmt.JSON_NAME).read_bytes() == (exported / fmt.JSON_NAME).read_bytes()
    names = sorted(p.name for p in (exported / fmt.ATTACHMENTS_DIR).iterdir())
    assert names == sorted(p.name for p in (again / fmt.ATTACHMENTS_DIR).iterdir())
    kinds = [e.kind for e in audit.entries(empty.conn)]
    assert "import" in kinds and "export" in kinds
    assert audit.verify(empty.conn).ok
    # Imported records behave: search finds them, signatures still hold, holds survive.
    records = RecordsService(empty, clock=clock)
    assert records.search(CANARY + "addendum")
    assert RetentionService(empty, clock=clock).status(document["legal_holds"][0]["client_id"])


def test_export_files_are_private(exported: Path) -> None:
    assert stat.S_IMODE(exported.stat().st_mode) == 0o700
    assert stat.S_IMODE((exported / fmt.ATTACHMENTS_DIR).stat().st_mode) == 0o700
    for path in [exported / fmt.JSON_NAME, *(exported / fmt.ATTACHMENTS_DIR).iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_export_never_holds_secrets(exported: Path, unlocked: VaultSession) -> None:
    raw = (exported / fmt.JSON_NAME).read_bytes()
    # The second-step secret is sealed under R since schema 14 (services/owner_totp.py).
    secret, _ = owner_totp.read(unlocked.conn, unlocked.dek, unlocked.vault_id)
    assert len(secret) >= 16 and secret.encode() not in raw
    assert unlocked.dek.reveal().hex().encode() not in raw
    assert b"audit_head" not in raw


def test_export_refuses_a_folder_that_is_not_empty(unlocked: VaultSession, tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "other.txt").write_text("x")
    with pytest.raises(ExportTargetNotEmpty):
        PortableService(unlocked).export_json(target)
    assert sorted(p.name for p in target.iterdir()) == ["other.txt"]
    PortableService(unlocked).export_json(target, force=True)
    assert (target / fmt.JSON_NAME).exists()


def test_import_refuses_a_vault_with_records(exported: Path, unlocked: VaultSession) -> None:
    before = snapshot(unlocked.conn)
    with pytest.raises(VaultNotEmpty):
        PortableService(unlocked).import_json(exported)
    assert snapshot(unlocked.conn) == before


def _snapshot_lock(session: VaultSession) -> Any:
    """What a backup holds while it copies the vault: a connection of its own to both
    files, in a write transaction (backup/snapshot.py `take`)."""
    conn = backup_snapshot.open_keyed(session.paths.db, session.data_keys())
    conn.execute("BEGIN IMMEDIATE")
    return conn


def _journal_modes(conn: Connection) -> list[str]:
    return [
        str(conn.execute(f"PRAGMA {schema}.journal_mode").fetchone()[0])
        for schema in ("main", "clinical")
    ]


def test_an_import_waits_for_a_backup_taking_its_snapshot(
    exported: Path, empty: VaultSession, clock: FakeClock
) -> None:
    """An import switches both files out of WAL for an all-or-nothing commit, which needs
    them to itself: beside a backup's snapshot it waits, then imports."""
    lock = _snapshot_lock(empty)
    released = threading.Timer(0.5, lambda: (lock.execute("ROLLBACK"), lock.close()))
    released.start()
    try:
        counts = PortableService(empty, clock=clock).import_json(exported)
    finally:
        released.join()
    assert counts["notes"] > 0
    assert _journal_modes(empty.conn) == ["wal", "wal"]


def test_an_import_blocked_too_long_says_so_and_changes_nothing(
    exported: Path, empty: VaultSession, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "SWITCH_WAIT_SECONDS", 0.3)
    before = snapshot(empty.conn)
    lock = _snapshot_lock(empty)
    try:
        with pytest.raises(VaultBusy) as info:
            PortableService(empty, clock=clock).import_json(exported)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert "busy with another task" in info.value.message
    assert snapshot(empty.conn) == before
    assert _journal_modes(empty.conn) == ["wal", "wal"]
    assert PortableService(empty, clock=clock).import_json(exported)["notes"] > 0


def test_the_idle_checkpoint_brings_back_wal_an_import_could_not(empty: VaultSession) -> None:
    """Had the way back to WAL waited out a connection in its way, a file would stay in
    rollback-journal mode, where a backup's snapshot would block saves: the app's next
    idle checkpoint switches it back."""
    assert empty.conn.execute("PRAGMA main.journal_mode = DELETE").fetchone()[0] == "delete"
    connection.checkpoint(empty.conn)
    assert _journal_modes(empty.conn) == ["wal", "wal"]


# --- malformed exports ---------------------------------------------------------------


def _edit(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / fmt.JSON_NAME
        document = json.loads(path.read_text("utf-8"))
        change(document)
        path.write_text(json.dumps(document), "utf-8")

    return apply


def _write(text: bytes) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / fmt.JSON_NAME).write_bytes(text)

    return apply


def _set(table: str, field: str, value: Any, index: int = 0) -> Callable[[Path], None]:
    return _edit(lambda d: d[table][index].__setitem__(field, value))


def _symlink_attachment(folder: Path) -> None:
    target = next((folder / fmt.ATTACHMENTS_DIR).iterdir())
    outside = folder.parent / "outside"
    outside.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(outside)


def _symlink_json(folder: Path) -> None:
    path = folder / fmt.JSON_NAME
    outside = folder.parent / "outside.json"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)


def _corrupt_attachment(folder: Path) -> None:
    target = next((folder / fmt.ATTACHMENTS_DIR).iterdir())
    data = bytearray(target.read_bytes())
    data[0] ^= 1
    target.write_bytes(bytes(data))


def _orphan_last_table(document: dict[str, Any]) -> None:
    # Everything before attachments inserts fine; then this row fails: the whole
    # import must roll back.
    document["attachments"][0]["client_id"] = 999_999


def _tamper_signed_note(document: dict[str, Any]) -> None:
    note = next(n for n in document["notes"] if n["state"] == "signed")
    key = next(iter(note["body"]))
    note["body"][key] += " changed"


def _surrogate_in_signed_note(document: dict[str, Any]) -> None:
    note = next(n for n in document["notes"] if n["state"] == "signed")
    note["body"][next(iter(note["body"]))] = "\ud800"


def _bad_draft_kind(document: dict[str, Any]) -> None:
    next(n for n in document["notes"] if n["state"] == "draft")["kind"] = "gossip"


MALFORMED: dict[str, tuple[Callable[[Path], None], str]] = {
    "bad json": (_write(b'{"format": "therapynotes-export",'), "not valid JSON"),
    "not utf-8": (_write(b"\xff\xfe{}"), "not UTF-8"),
    "top not object": (_write(b"[]"), "expected a JSON object"),
    "NaN": (_write(b'{"format": NaN}'), "not valid JSON"),
    "duplicate key": (_write(b'{"format": 1, "format": 2}'), "same key twice"),
    "deep nesting": (_write(b"[" * 100_000 + b"]" * 100_000), "file:"),
    "unknown format": (_edit(lambda d: d.__setitem__("format", "x")), "not a therapynotes"),
    "unknown version": (_edit(lambda d: d.__setitem__("format_version", 99)), "unknown version"),
    "version as text": (_edit(lambda d: d.__setitem__("format_version", "1")), "unknown version"),
    "unknown top key": (_edit(lambda d: d.__setitem__("extra", [])), "unknown key"),
    "missing table": (_edit(lambda d: d.pop("notes")), "missing key"),
    "unknown field": (_set("clients", "shoe_size", 44), "unknown field"),
    "missing field": (_edit(lambda d: d["clients"][0].pop("alerts")), "missing field"),
    "id as string": (_set("clients", "id", "1"), "expected a positive whole number"),
    "id negative": (_set("clients", "id", -3), "expected a positive whole number"),
    "bool as int": (_set("notes", "late_entry", 0), "expected true or false"),
    "null name": (_set("clients", "legal_name", None), "must not be null"),
    "name as list": (_set("clients", "legal_name", ["x"]), "expected a string"),
    "huge string": (_set("clients", "legal_name", "x" * 2_000_000), "longer than"),
    "huge body": (_set("addenda", "body", "x" * 3_000_000), "longer than"),
    "section not text": (_set("notes", "body", {"subjective": 5}), "must be a string"),
    "unknown setting": (_edit(lambda d: d["settings"].__setitem__("totp", "x")), "unknown"),
    "path traversal": (_set("attachments", "sha256", "../../etc/passwd"), "SHA-256"),
    "absolute path": (_set("attachments", "sha256", "/etc/passwd"), "SHA-256"),
    "uppercase digest": (_set("attachments", "sha256", "A" * 64), "SHA-256"),
    "missing file": (_set("attachments", "sha256", "0" * 64), "file missing"),
    "symlinked attachment": (_symlink_attachment, "symbolic links are refused"),
    "symlinked json": (_symlink_json, "symbolic links are refused"),
    "attachment changed": (_corrupt_attachment, "does not match its SHA-256"),
    "size mismatch": (_set("attachments", "size", 1), "larger than expected"),
    "signed note changed": (_edit(_tamper_signed_note), "content_hash: does not match"),
    "addendum changed": (_set("addenda", "body", "other words"), "does not match"),
    # Regressions (issue 8, found by tests/trust/test_import_fuzz.py): JSON may spell an
    # unpaired surrogate, which crashed the import with UnicodeEncodeError.
    "surrogate in a name": (_set("clients", "legal_name", "x\udfffy"), "not valid Unicode"),
    "surrogate in a signed note": (_edit(_surrogate_in_signed_note), "not valid Unicode"),
    "surrogate in a setting": (
        _edit(lambda d: d["settings"].__setitem__("late_entry_hours", "\ud800")),
        "not valid Unicode",
    ),
    # Regression (issue 8, same fuzz): a plan body of another shape was imported, and
    # then the client's chart could not open (TypeError in store/plans.decode).
    "plan not a plan": (_set("treatment_plans", "body", {"problems": ["x"]}), "not a treatment"),
    "plan text a number": (
        _set("treatment_plans", "body", {"problems": [{"text": 5, "goals": []}]}),
        "not a treatment plan",
    ),
    "plan extra key": (_set("treatment_plans", "body", {"problems": [], "x": 1}), "not a treat"),
    "bad date": (
        _set("sessions", "service_date", "yesterday"),
        "sessions[0].service_date: expected a date as YYYY-MM-DD",
    ),
    "impossible day": (
        _set("clients", "date_of_birth", "1951-02-30", index=1),
        "clients[1].date_of_birth: 1951-02-30 is not a real date",
    ),
    "impossible month": (
        _set("notes", "service_date", "2026-13-45"),
        "notes[0].service_date: 2026-13-45 is not a real date",
    ),
    "impossible plan date": (
        _set("treatment_plans", "review_date", "2027-04-31"),
        "treatment_plans[0].review_date: 2027-04-31 is not a real date",
    ),
    "impossible instant": (
        _set("clients", "created_at", "2026-02-29T25:61:00Z"),
        "clients[0].created_at: 2026-02-29T25:61:00Z is not a real date and time",
    ),
    "bad instant": (
        _set("addenda", "signed_at", "now"),
        "addenda[0].signed_at: expected a time as YYYY-MM-DDTHH:MM:SSZ",
    ),
    "bad kind": (_edit(_bad_draft_kind), "refused by the vault"),
    "dangling reference": (_edit(_orphan_last_table), "attachments[0]: refused by the vault"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_exports_are_refused_and_change_nothing(
    case: str, exported: Path, empty: VaultSession
) -> None:
    damage, expected = MALFORMED[case]
    damage(exported)
    before = snapshot(empty.conn)
    with pytest.raises(ImportRefused) as caught:
        PortableService(empty).import_json(exported)
    message = caught.value.message
    assert expected in message
    assert "\n" not in message and len(message) < 300
    assert CANARY.lower() not in message.lower()
    assert "nothing was changed" in message
    assert snapshot(empty.conn) == before


def test_attachments_folder_may_not_be_a_symlink(exported: Path, empty: VaultSession) -> None:
    folder = exported / fmt.ATTACHMENTS_DIR
    moved = exported.parent / "elsewhere"
    os.rename(folder, moved)
    folder.symlink_to(moved)
    with pytest.raises(ImportRefused, match="not a folder"):
        PortableService(empty).import_json(exported)


def test_export_fits_the_published_schema(exported: Path) -> None:
    from tests.support.minischema import check

    schema = json.loads((Path(__file__).parents[3] / "docs" / "export.schema.json").read_text())
    document = json.loads((exported / fmt.JSON_NAME).read_text("utf-8"))
    assert check(schema, document, schema) is None
    document["notes"][0]["state"] = "lost"
    assert check(schema, document, schema) is not None


def test_export_never_writes_through_a_planted_symlink(
    unlocked: VaultSession, tmp_path: Path
) -> None:
    target = tmp_path / "planted"
    target.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (target / fmt.JSON_NAME).symlink_to(victim)
    with pytest.raises(ExportTargetInvalid):
        PortableService(unlocked).export_json(target, force=True)
    assert victim.read_text() == "keep me"
