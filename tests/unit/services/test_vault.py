"""The vault life cycle through VaultService, with real SQLCipher files on disk."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from tests.conftest import FakeClock
from tests.support.memkeyring import MemoryKeyring
from tests.support.vaults import STRONG, STRONG2, code_for, make_vault
from therapynotes.errors import (
    DeviceNotBound,
    KeyringInsecure,
    KeyringIsLocked,
    KeyringUnavailable,
    RecoveryKeyTypo,
    StorageError,
    TooManyAttempts,
    TotpRejected,
    TotpReplayed,
    VaultExists,
    VaultInUse,
    VaultLocked,
    VaultNotFound,
    WeakPassphrase,
    WrongPassphrase,
    WrongRecoveryKey,
)
from therapynotes.security import attempts, recovery
from therapynotes.services.vault import VaultService
from therapynotes.store import audit


def test_create_then_unlock_then_lock(vault_dir: Path, clock: FakeClock) -> None:
    svc, created = make_vault(vault_dir, clock)
    assert created.totp_uri.startswith("otpauth://totp/")
    session = svc.unlock(STRONG, code_for(created, clock()))
    assert session.conn.execute("SELECT value FROM vault_meta WHERE key='vault_id'").fetchone() == (
        created.vault_id,
    )
    session.lock()
    assert not session.is_open and session.dek.wiped and session.kek_backup.wiped
    with pytest.raises(VaultLocked):
        _ = session.conn


def test_unlock_with_no_vault_says_so(vault_dir: Path, clock: FakeClock) -> None:
    with pytest.raises(VaultNotFound):
        VaultService(vault_dir, clock=clock).unlock(STRONG, "123456")


def test_create_twice_refuses(vault_dir: Path, clock: FakeClock) -> None:
    svc, _ = make_vault(vault_dir, clock)
    before = svc.paths.keys.read_bytes()
    with pytest.raises(VaultExists):
        svc.create(STRONG2)
    assert svc.paths.keys.read_bytes() == before


@pytest.mark.parametrize("weak", ["short", "password1234", "aaaaaaaaaaaaaaaa"])
def test_weak_passphrases_are_refused_with_a_reason(vault_dir: Path, clock, weak: str) -> None:
    with pytest.raises(WeakPassphrase) as info:
        VaultService(vault_dir, clock=clock).create(weak)
    assert info.value.detail
    assert not (vault_dir / "vault.keys").exists()


def test_files_are_private_and_the_db_header_is_not_plaintext(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    try:
        assert stat.S_IMODE(os.stat(vault_dir).st_mode) == 0o700
        for path in vault_dir.iterdir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
        head = svc.paths.db.read_bytes()[:16]
        assert head != b"SQLite format 3\x00"
        assert b"vault_meta" not in svc.paths.db.read_bytes()
    finally:
        session.lock()


def test_sqlcipher_version_is_the_one_we_ship_against(vault_dir: Path, clock) -> None:
    from therapynotes.store.connection import cipher_version

    svc, created = make_vault(vault_dir, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    try:
        version = cipher_version(session.conn)
        major, minor = (int(x) for x in version.split()[0].split(".")[:2])
        assert (major, minor) >= (4, 6), version
        assert "community" in version
        fts = session.conn.execute("PRAGMA compile_options").fetchall()
        assert ("ENABLE_FTS5",) in fts
    finally:
        session.lock()


def test_wrong_passphrase_has_its_own_message_and_writes_nothing(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    keys_before, db_before = svc.paths.keys.read_bytes(), svc.paths.db.read_bytes()
    with pytest.raises(WrongPassphrase) as info:
        svc.unlock(STRONG2, code_for(created, clock()))
    assert "passphrase didn't match" in info.value.message
    assert svc.paths.keys.read_bytes() == keys_before
    assert svc.paths.db.read_bytes() == db_before


def test_wrong_code_has_its_own_message(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    wrong = f"{(int(code_for(created, clock())) + 1) % 1_000_000:06d}"
    with pytest.raises(TotpRejected) as info:
        svc.unlock(STRONG, wrong)
    assert "code didn't match" in info.value.message


def test_code_replay_is_rejected_across_unlocks(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    code = code_for(created, clock())
    svc.unlock(STRONG, code).lock()
    with pytest.raises(TotpReplayed):
        svc.unlock(STRONG, code)
    clock.advance(30)
    svc.unlock(STRONG, code_for(created, clock())).lock()


def test_two_steps_off_is_rejected(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    with pytest.raises(TotpRejected):
        svc.unlock(STRONG, code_for(created, clock(), steps=2))
    with pytest.raises(TotpRejected):
        svc.unlock(STRONG, code_for(created, clock(), steps=-2))


def test_backoff_after_five_failures_survives_a_restart(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    for _ in range(attempts.FREE_FAILURES - 1):
        with pytest.raises(WrongPassphrase):
            svc.unlock(STRONG2, "000000")
    with pytest.raises(TotpRejected):  # a wrong code counts as well
        svc.unlock(STRONG, "000000")
    restarted = VaultService(vault_dir, clock=clock)
    with pytest.raises(TooManyAttempts) as info:
        restarted.unlock(STRONG, code_for(created, clock()))
    assert info.value.seconds_left == int(attempts.BASE_DELAY) + 1
    clock.advance(attempts.BASE_DELAY + 1)
    with pytest.raises(WrongPassphrase):  # sixth failure doubles the wait
        restarted.unlock(STRONG2, "000000")
    with pytest.raises(TooManyAttempts) as info:
        VaultService(vault_dir, clock=clock).unlock(STRONG, code_for(created, clock()))
    assert info.value.seconds_left == int(2 * attempts.BASE_DELAY) + 1
    clock.advance(2 * attempts.BASE_DELAY + 1)
    session = restarted.unlock(STRONG, code_for(created, clock()))
    failed = [e for e in audit.entries(session.conn) if e.kind == "unlock.failed"]
    assert [e.detail["factor"] for e in failed] == ["passphrase"] * 4 + ["code", "passphrase"]
    session.lock()
    assert attempts.AttemptLog(svc.paths.attempts, clock).load().failures == 0


def test_a_damaged_attempts_file_does_not_reset_the_throttle(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    svc.paths.attempts.write_text("{not json")
    with pytest.raises(WrongPassphrase):
        svc.unlock(STRONG2, "000000")
    with pytest.raises(TooManyAttempts):
        svc.unlock(STRONG, code_for(created, clock()))


def test_second_process_gets_already_open(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    clock.advance(30)
    with pytest.raises(VaultInUse):
        VaultService(vault_dir, clock=clock).unlock(STRONG, code_for(created, clock()))
    session.lock()
    VaultService(vault_dir, clock=clock).unlock(STRONG, code_for(created, clock())).lock()


def test_change_passphrase_rewrites_only_the_local_slot(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    db_before = svc.paths.db.read_bytes()[:4096]
    session = svc.unlock(STRONG, code_for(created, clock()))
    with pytest.raises(WrongPassphrase):
        svc.change_passphrase(session, STRONG2, STRONG2)
    svc.change_passphrase(session, STRONG, STRONG2)
    session.lock()
    assert svc.paths.db.read_bytes()[:4096] == db_before  # same DEK, same salt page
    clock.advance(30)
    with pytest.raises(WrongPassphrase):
        svc.unlock(STRONG, code_for(created, clock()))
    session = svc.unlock(STRONG2, code_for(created, clock()))
    assert "key.passphrase_changed" in [e.kind for e in audit.entries(session.conn)]
    session.lock()


def test_interrupted_passphrase_change_leaves_the_old_one_working(
    vault_dir: Path, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc, created = make_vault(vault_dir, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))

    def crash(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", crash)
        with pytest.raises(StorageError, match="could not write"):
            svc.change_passphrase(session, STRONG, STRONG2)
    session.lock()
    assert not [p for p in vault_dir.iterdir() if p.name.endswith(".partial")]
    clock.advance(30)
    svc.unlock(STRONG, code_for(created, clock())).lock()


def test_recovery_key_unlocks_sets_a_new_passphrase_and_rebinds(
    vault_dir: Path, clock, memkeyring: MemoryKeyring
) -> None:
    svc, created = make_vault(vault_dir, clock)
    memkeyring.store.clear()  # the keyring entry is gone (new desktop, changed backend)
    with pytest.raises(DeviceNotBound) as info:
        svc.unlock(STRONG, code_for(created, clock()))
    assert "recovery key" in info.value.message
    session = svc.recover(created.recovery_key, STRONG2)
    assert session.is_open
    session.lock()
    assert len(memkeyring.store) == 1
    session = svc.unlock(STRONG2, code_for(created, clock()))
    kinds = [e.kind for e in audit.entries(session.conn)]
    assert "key.recovery_used" in kinds
    session.lock()


def test_recovery_removes_the_old_keyring_entry(vault_dir: Path, clock, memkeyring) -> None:
    svc, created = make_vault(vault_dir, clock)
    old_entries = set(memkeyring.store)
    svc.recover(created.recovery_key, STRONG2).lock()
    assert len(memkeyring.store) == 1 and set(memkeyring.store) != old_entries


def test_typo_in_recovery_key_is_caught_before_any_kdf(vault_dir: Path, clock, monkeypatch) -> None:
    svc, created = make_vault(vault_dir, clock)
    text = created.recovery_key
    typo = text[:5] + ("A" if text[5] != "A" else "B") + text[6:]

    def no_kdf(*_a: object, **_k: object) -> None:
        raise AssertionError("no key derivation for a typo")

    monkeypatch.setattr("therapynotes.security.kdf.hkdf", no_kdf)
    with pytest.raises(RecoveryKeyTypo) as info:
        svc.recover(typo, STRONG2)
    assert "typing mistake" in info.value.message
    assert not svc.paths.attempts.exists()


def test_wrong_recovery_key_has_its_own_message(vault_dir: Path, clock) -> None:
    svc, _ = make_vault(vault_dir, clock)
    other = recovery.format_recovery_key(recovery.new_recovery_key())
    keys_before = svc.paths.keys.read_bytes()
    with pytest.raises(WrongRecoveryKey) as info:
        svc.recover(other, STRONG2)
    assert "does not belong to this vault" in info.value.message
    assert svc.paths.keys.read_bytes() == keys_before


def test_new_recovery_key_replaces_the_old_one(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    new_text = svc.new_recovery_key(session)
    session.lock()
    with pytest.raises(WrongRecoveryKey):
        svc.recover(created.recovery_key, STRONG2)
    svc.recover(new_text, STRONG2).lock()


def test_no_keyring_backend_is_a_clear_error_and_passphrase_only_works(
    vault_dir: Path, clock
) -> None:
    keyring.set_keyring(fail.Keyring())
    svc = VaultService(vault_dir, clock=clock)
    with pytest.raises(KeyringUnavailable) as info:
        svc.create(STRONG)
    assert "passphrase-only" in info.value.message
    assert not svc.exists()
    created = svc.create(STRONG, passphrase_only=True)
    status = svc.status()
    assert status.device_binding == "none" and "passphrase-only" in status.device_bound
    svc.unlock(STRONG, code_for(created, clock())).lock()


def test_locked_keyring_is_reported(vault_dir: Path, clock, memkeyring: MemoryKeyring) -> None:
    svc, created = make_vault(vault_dir, clock)
    memkeyring.locked = True
    with pytest.raises(KeyringIsLocked):
        svc.unlock(STRONG, code_for(created, clock()))
    assert "no: KeyringIsLocked" == svc.status().device_bound


def test_plaintext_keyring_backends_are_refused(vault_dir: Path, clock) -> None:
    class PlainFileKeyring(MemoryKeyring):
        pass

    PlainFileKeyring.__module__ = "keyrings.alt.file"
    keyring.set_keyring(PlainFileKeyring())
    with pytest.raises(KeyringInsecure):
        VaultService(vault_dir, clock=clock).create(STRONG)


def test_status_needs_no_unlock_and_shows_parameters(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    st = svc.status()
    assert st.vault_id == created.vault_id
    assert st.device_bound == "yes"
    assert st.keyring_backend == MemoryKeyring.name
    assert st.kdf.m_kib > 0 and st.kdf.t > 0


def test_a_crashed_create_leaves_its_data_file_aside(vault_dir: Path, clock) -> None:
    vault_dir.mkdir(mode=0o700)
    (vault_dir / "vault.db").write_bytes(b"leftover")
    svc, _ = make_vault(vault_dir, clock)
    kept = [p for p in vault_dir.iterdir() if p.name.startswith("vault.db.orphaned-")]
    assert len(kept) == 1 and kept[0].read_bytes() == b"leftover"


def test_refuses_plain_sqlite(vault_dir: Path, clock, monkeypatch) -> None:
    from therapynotes.errors import SqlCipherMissing
    from therapynotes.store import connection

    monkeypatch.setattr(connection, "sqlcipher", None)
    with pytest.raises(SqlCipherMissing):
        VaultService(vault_dir, clock=clock).create(STRONG)
    assert not (vault_dir / "vault.keys").exists()


def test_refuses_a_driver_that_ignores_the_key(vault_dir: Path, clock, monkeypatch) -> None:
    """A plain sqlite3 build answers nothing to PRAGMA cipher_version: refuse it."""
    import sqlite3

    from therapynotes.errors import SqlCipherMissing
    from therapynotes.store import connection

    monkeypatch.setattr(connection, "sqlcipher", sqlite3)
    with pytest.raises(SqlCipherMissing):
        VaultService(vault_dir, clock=clock).create(STRONG)
    assert not (vault_dir / "vault.keys").exists()
    assert not (vault_dir / "vault.db").exists()


def test_audit_records_unlock_and_lock(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    svc.unlock(STRONG, code_for(created, clock())).lock("idle")
    clock.advance(30)
    session = svc.unlock(STRONG, code_for(created, clock()))
    kinds = [(e.kind, e.detail.get("reason")) for e in audit.entries(session.conn)]
    assert kinds[:4] == [
        ("vault.created", None),
        ("unlock.ok", None),
        ("lock", "idle"),
        ("unlock.ok", None),
    ]
    assert audit.verify(session.conn).ok
    session.lock()


def test_reset_totp_needs_passphrase_and_recovery_key(vault_dir: Path, clock) -> None:
    import pyotp

    svc, created = make_vault(vault_dir, clock)
    with pytest.raises(WrongPassphrase):
        svc.reset_totp(STRONG2, created.recovery_key)
    other = recovery.format_recovery_key(recovery.new_recovery_key())
    with pytest.raises(WrongRecoveryKey):
        svc.reset_totp(STRONG, other)
    fresh = svc.reset_totp(STRONG, created.recovery_key)
    assert fresh.totp_secret != created.totp_secret
    clock.advance(30)
    with pytest.raises(TotpRejected):  # the old phone's codes stop working
        svc.unlock(STRONG, code_for(created, clock()))
    session = svc.unlock(STRONG, pyotp.TOTP(fresh.totp_secret).at(clock()))
    assert "key.totp_reset" in [e.kind for e in audit.entries(session.conn)]
    session.lock()


# --- issue 12: the second step ------------------------------------------------------


def _stored_step(svc: VaultService, created, clock) -> int:
    session = svc.unlock(STRONG, code_for(created, clock()))
    try:
        return int(session.conn.execute("SELECT last_step FROM totp").fetchone()[0])
    finally:
        session.lock()


def test_one_unlock_with_a_clock_ahead_does_not_lock_out_later_codes(
    vault_dir: Path, clock: FakeClock
) -> None:
    svc, created = make_vault(vault_dir, clock)
    clock.advance(86_400)  # the computer's (and phone's) clock runs a day ahead, once
    svc.unlock(STRONG, code_for(created, clock())).lock()
    clock.advance(-86_400)  # both are put right
    with pytest.raises(TotpReplayed):  # the bounded step still guards the present
        svc.unlock(STRONG, code_for(created, clock()))
    clock.advance(2 * 30)
    now_step = int(clock()) // 30
    assert _stored_step(svc, created, clock) <= now_step + 1


def test_full_width_digits_unlock_and_garbage_is_counted(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    with pytest.raises(TotpRejected):
        svc.unlock(STRONG, "１２３")
    assert attempts.AttemptLog(svc.paths.attempts, clock).load().failures == 1
    wide = code_for(created, clock()).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    svc.unlock(STRONG, wide).lock()


def test_a_code_from_a_phone_far_off_explains_the_clock(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    with pytest.raises(TotpRejected) as info:
        svc.unlock(STRONG, code_for(created, clock() + 3 * 3600))
    assert "clock looks wrong" in info.value.message
    assert attempts.AttemptLog(svc.paths.attempts, clock).load().failures == 1
