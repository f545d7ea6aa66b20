"""Backup → restore on a fresh HOME with a fresh keyring: every row comes back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pyotp
import pytest

from tests.conftest import STRONG, STRONG2, FakeClock
from tests.support.memkeyring import MemoryKeyring
from tests.unit.backup.conftest import Vault, all_rows, fill, make_vault
from therapynotes.backup.errors import BackupCorrupt, RestoreTargetBusy
from therapynotes.backup.format import CHUNK
from therapynotes.errors import VaultCorrupt, WrongPassphrase
from therapynotes.services.restore import Preview, RestoreService
from therapynotes.services.vault import VaultService
from therapynotes.store.connection import close_db, open_db


def _comparable(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    out = dict(rows)
    out["vault_meta"] = [r for r in rows["vault_meta"] if r[0] != "audit_head"]
    out.pop("audit_log")
    return out


def _fresh_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    home = tmp_path / "newhome"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    keyring.set_keyring(MemoryKeyring())
    return home / "data" / "TherapyNotes"


def _roundtrip(
    vault: Vault,
    drive: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    use_recovery: bool,
) -> None:
    conn = vault.session.conn
    before = all_rows(conn)
    audit_before = before["audit_log"]
    dek = vault.session.data_keys()
    result = vault.service.run(drive)
    vault.session.lock("test", record=False)

    target = _fresh_machine(monkeypatch, tmp_path)
    seen: list[Preview] = []

    def confirm(p: Preview) -> bool:
        seen.append(p)
        assert not target.exists()  # nothing written before the user agreed
        return True

    clock = FakeClock(vault.clock() + 3600)
    svc = RestoreService(target, clock=clock)
    if use_recovery:
        restored = svc.restore(
            result.path,
            recovery_text=vault.created.recovery_key,
            new_passphrase=STRONG2,
            confirm=confirm,
        )
        passphrase = STRONG2
    else:
        restored = svc.restore(result.path, passphrase=STRONG, confirm=confirm)
        passphrase = STRONG
    assert restored is not None and restored.set_aside is None
    assert seen[0].counts == result.counts and seen[0].seq == 1

    conn2 = open_db(target / "vault.db", dek)
    try:
        after = all_rows(conn2)
    finally:
        close_db(conn2)
    assert _comparable(after) == _comparable(before)
    assert after["audit_log"][: len(audit_before)] == audit_before

    # The restored vault unlocks on this machine; TOTP keeps working (same secret).
    session = VaultService(target, clock=clock).unlock(
        passphrase, pyotp.TOTP(vault.created.totp_secret).at(clock())
    )
    session.lock("test", record=False)
    if use_recovery:
        with pytest.raises(WrongPassphrase):
            VaultService(target, clock=clock).unlock(STRONG, "000000")
    # The same recovery key still works on the restored vault.
    VaultService(target, clock=clock).recover(vault.created.recovery_key, STRONG).lock(
        "t", record=False
    )


@pytest.mark.parametrize("use_recovery", [False, True], ids=["passphrase", "recovery-key"])
def test_roundtrip_fresh_machine(
    vault: Vault,
    drive: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    use_recovery: bool,
) -> None:
    _roundtrip(vault, drive, tmp_path, monkeypatch, use_recovery=use_recovery)


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 17])
def test_roundtrip_sizes(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    v = make_vault(tmp_path / "v", clock)
    conn = v.session.conn
    conn.execute("CREATE TABLE t_blob (id INTEGER PRIMARY KEY, body BLOB)")
    conn.execute("INSERT INTO t_blob(body) VALUES (?)", (bytes(range(256)) * (size // 256 + 1),))
    conn.execute("UPDATE t_blob SET body = substr(body, 1, ?)", (size,))
    drive = tmp_path / "d"
    drive.mkdir()
    _roundtrip(v, drive, tmp_path, monkeypatch, use_recovery=False)


def test_restore_over_existing_vault_keeps_old_aside(
    vault: Vault, drive: Path, tmp_path: Path
) -> None:
    result = vault.service.run(drive)
    fill(vault.session, 8000, seed=99)  # the live vault moves on after the backup
    vault.session.lock("test", record=False)
    restored = RestoreService(vault.root, clock=vault.clock).restore(result.path, passphrase=STRONG)
    assert restored is not None and restored.set_aside is not None
    assert (restored.set_aside / "vault.keys").exists()
    assert (vault.root / "vault.keys").exists()


def test_declined_preview_writes_nothing(vault: Vault, drive: Path, tmp_path: Path) -> None:
    result = vault.service.run(drive)
    target = tmp_path / "elsewhere"
    out = RestoreService(target).restore(result.path, passphrase=STRONG, confirm=lambda _p: False)
    assert out is None and not target.exists()
    assert [p.name for p in tmp_path.iterdir() if "restore" in p.name] == []


def test_wal_frames_are_in_the_snapshot(vault: Vault, drive: Path) -> None:
    conn = vault.session.conn
    conn.execute("INSERT INTO t_notes(body, n) VALUES (x'00', 'only-in-wal')")
    wal = vault.root / "vault.db-wal"
    assert wal.exists() and wal.stat().st_size > 0
    result = vault.service.run(drive)
    assert result.counts["t_notes"] == 6


def test_no_plaintext_canary_anywhere(
    vault: Vault, drive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = "CANARY-7f3e-client-Persephone-Quux"
    vault.session.conn.execute("INSERT INTO t_notes(body, n) VALUES (?, ?)", (canary, canary))
    result = vault.service.run(drive)
    vault.session.lock("t", record=False)
    target = _fresh_machine(monkeypatch, tmp_path)
    assert RestoreService(target).restore(result.path, passphrase=STRONG) is not None
    needles = [canary.encode("utf-8"), canary.encode("utf-16-le")]
    scanned = 0
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            scanned += 1
            assert not any(n in data for n in needles), path.name
    assert scanned > 5


def test_restore_over_an_open_vault_is_refused(vault: Vault, drive: Path) -> None:
    result = vault.service.run(drive)
    with pytest.raises(RestoreTargetBusy):
        RestoreService(vault.root).restore(result.path, passphrase=STRONG)
    assert vault.session.conn.execute("SELECT count(*) FROM t_notes").fetchone()[0] == 5


def test_failed_restore_leaves_no_trace(
    vault: Vault, drive: Path, tmp_path: Path, memkeyring: MemoryKeyring
) -> None:
    result = vault.service.run(drive)
    data = bytearray(result.path.read_bytes())
    data[-100] ^= 0x10  # damage the last chunk: found only by the full pass
    bad = tmp_path / "bad.tnbackup"
    bad.write_bytes(bytes(data))
    entries = dict(memkeyring.store)
    target = tmp_path / "new"
    with pytest.raises(BackupCorrupt):
        RestoreService(target).restore(bad, passphrase=STRONG)
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".new.")]
    assert memkeyring.store == entries


def test_restored_vault_that_does_not_open_puts_the_old_one_back(
    vault: Vault, drive: Path, memkeyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = vault.service.run(drive)
    vault.session.lock("t", record=False)
    old_keys = (vault.root / "vault.keys").read_bytes()
    entries = dict(memkeyring.store)

    def broken_open(*_a: object, **_k: object) -> None:
        raise VaultCorrupt("simulated")

    monkeypatch.setattr("therapynotes.services.restore.open_db", broken_open)
    with pytest.raises(VaultCorrupt):
        RestoreService(vault.root).restore(result.path, passphrase=STRONG)
    assert (vault.root / "vault.keys").read_bytes() == old_keys
    assert memkeyring.store == entries
    assert [p.name for p in vault.root.parent.iterdir() if p.name != "drive"] == ["vault"]


def test_restore_into_an_empty_folder_sets_nothing_aside(
    vault: Vault, drive: Path, tmp_path: Path
) -> None:
    result = vault.service.run(drive)
    target = tmp_path / "empty"
    target.mkdir()
    restored = RestoreService(target).restore(result.path, passphrase=STRONG)
    assert restored is not None and restored.set_aside is None
    assert (target / "vault.keys").exists()
