"""`audit verify` and `audit list`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.support.vaults import STRONG, code_for, make_vault
from tests.unit.cli.test_vault_cli import run
from therapynotes.backup import reader, snapshot
from therapynotes.backup.errors import BackupCorrupt
from therapynotes.backup.manifest import Manifest, decode_manifest
from therapynotes.services.backups import BackupService
from therapynotes.store import audit
from therapynotes.store.connection import transaction


def test_verify_and_list(monkeypatch, capsys, vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    monkeypatch.setattr(
        "therapynotes.cli.common.VaultService", lambda root: type(svc)(root, clock=clock)
    )
    stdin = f"{STRONG}\n{code_for(created, clock())}\n"
    code, out, err = run(
        monkeypatch,
        capsys,
        "--vault",
        str(vault_dir),
        "--passphrase-stdin",
        "audit",
        "verify",
        stdin=stdin,
    )
    assert code == 0, err
    assert out.startswith("ok: 2 audit rows")
    clock.advance(30)
    stdin = f"{STRONG}\n{code_for(created, clock())}\n"
    code, out, err = run(
        monkeypatch,
        capsys,
        "--vault",
        str(vault_dir),
        "--passphrase-stdin",
        "audit",
        "list",
        stdin=stdin,
    )
    assert code == 0, err
    kinds = [line.split("\t")[3] for line in out.splitlines()]
    assert kinds[:4] == ["vault.created", "unlock.ok", "lock", "unlock.ok"]


def test_verify_names_the_first_broken_row(monkeypatch, capsys, vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    session.conn.execute("DROP TRIGGER audit_log_no_update")
    session.conn.execute("UPDATE audit_log SET kind = 'lock' WHERE seq = 2")
    session.lock()
    clock.advance(30)
    monkeypatch.setattr(
        "therapynotes.cli.common.VaultService", lambda root: type(svc)(root, clock=clock)
    )
    stdin = f"{STRONG}\n{code_for(created, clock())}\n"
    code, _, err = run(
        monkeypatch,
        capsys,
        "--vault",
        str(vault_dir),
        "--passphrase-stdin",
        "audit",
        "verify",
        stdin=stdin,
    )
    assert code == 1
    assert "broken at row 2" in err


# --- issue 12: the chain anchored in backups ------------------------------------------


def _audit_verify(monkeypatch, capsys, svc, created, clock, *extra: str):  # type: ignore[no-untyped-def]
    clock.advance(30)
    monkeypatch.setattr(
        "therapynotes.cli.common.VaultService", lambda root: type(svc)(root, clock=clock)
    )
    stdin = f"{STRONG}\n{code_for(created, clock())}\n"
    args = ["--vault", str(svc.paths.root), "--passphrase-stdin", "audit", "verify", *extra]
    return run(monkeypatch, capsys, *args, stdin=stdin)


def _backup(svc, created, clock, drive: Path) -> Path:  # type: ignore[no-untyped-def]
    clock.advance(30)
    drive.mkdir(exist_ok=True)
    session = svc.unlock(STRONG, code_for(created, clock()))
    try:
        return BackupService(session, clock=clock).run(drive).path
    finally:
        session.lock()


def test_backup_manifest_records_the_audit_head(vault_dir: Path, clock, tmp_path: Path) -> None:
    svc, created = make_vault(vault_dir, clock)
    path = _backup(svc, created, clock, tmp_path / "drive")
    clock.advance(30)
    session = svc.unlock(STRONG, code_for(created, clock()))
    try:
        opened = reader.open_with_dek(path, session.dek)
        head = reader.read_manifest(opened).audit_head
        opened.close()
        rows = audit.entries(session.conn)
    finally:
        session.lock()
    assert head is not None
    by_seq = {e.seq: e.hash for e in rows}
    assert by_seq[head[0]] == head[1] and head[0] >= 2  # created, unlock at least


def test_audit_verify_backup_proves_the_live_log_extends_it(
    monkeypatch, capsys, vault_dir: Path, clock, tmp_path: Path
) -> None:
    svc, created = make_vault(vault_dir, clock)
    path = _backup(svc, created, clock, tmp_path / "drive")
    code, out, err = _audit_verify(monkeypatch, capsys, svc, created, clock, "--backup", str(path))
    assert code == 0, err
    assert "still extends the backup's" in out


def test_a_chain_rewritten_with_the_data_key_is_caught_by_a_backup(
    monkeypatch, capsys, vault_dir: Path, clock, tmp_path: Path
) -> None:
    svc, created = make_vault(vault_dir, clock)
    path = _backup(svc, created, clock, tmp_path / "drive")
    clock.advance(30)
    session = svc.unlock(STRONG, code_for(created, clock()))
    conn = session.conn
    for trigger in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
        if trigger[0].startswith("audit_log"):
            conn.execute(f"DROP TRIGGER {trigger[0]}")
    with transaction(conn):  # a consistent forgery: a fresh, valid chain with its head
        old = audit.entries(conn)
        conn.execute("DELETE FROM audit_log")
        conn.execute("DELETE FROM vault_meta WHERE key = 'audit_head'")
        for e in old[:1]:
            audit.append(conn, e.kind, subject=e.subject, detail=e.detail, at=e.at)
    assert audit.verify(conn).ok
    session.lock()
    code, out, err = _audit_verify(monkeypatch, capsys, svc, created, clock)
    assert code == 0, err  # the chain alone looks fine
    code, out, err = _audit_verify(monkeypatch, capsys, svc, created, clock, "--backup", str(path))
    assert code == 1
    assert "does not extend that backup's" in err and "Traceback" not in err


def test_a_backup_from_before_the_field_says_so_plainly(
    monkeypatch, capsys, vault_dir: Path, clock, tmp_path: Path
) -> None:
    svc, created = make_vault(vault_dir, clock)
    with pytest.MonkeyPatch.context() as older_writer:
        contents = snapshot.contents  # counts, schema version, audit head: drop the head
        older_writer.setattr(
            "therapynotes.backup.writer.snapshot.contents", lambda *a: (*contents(*a)[:2], None)
        )
        path = _backup(svc, created, clock, tmp_path / "drive")
    code, out, err = _audit_verify(monkeypatch, capsys, svc, created, clock, "--backup", str(path))
    assert code == 1
    assert "made before backups recorded the audit log" in err and err.count("\n") == 1


def test_manifests_without_the_field_still_decode() -> None:
    old = Manifest(1, "v", 1, 2, b"k" * 32, 0, "0" * 64, {"audit_log": 1})
    raw = old.encode()[4:]
    assert b"audit_head" not in raw
    assert decode_manifest(raw).audit_head is None
    new = dataclasses.replace(old, audit_head=(7, "ab" * 32))
    assert decode_manifest(new.encode()[4:]).audit_head == (7, "ab" * 32)
    for bad in (b'"audit_head":{"seq":-1', b'"audit_head":{"seq":"7"'):
        forged = raw.replace(b'"counts"', bad + b',"hash":"' + b"a" * 64 + b'"},"counts"')
        with pytest.raises(BackupCorrupt):
            decode_manifest(forged)
