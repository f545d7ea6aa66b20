"""Restoring on a computer whose keyring is missing or locked: refused with a clear
message before any key derivation, or done in passphrase-only mode when asked."""

from __future__ import annotations

from pathlib import Path

import keyring
import pyotp
import pytest
from keyring.backends import fail

from tests.conftest import STRONG, STRONG2, FakeClock
from tests.support.memkeyring import MemoryKeyring
from tests.unit.backup.conftest import Vault
from therapynotes.errors import KeyringIsLocked, KeyringUnavailable, WrongPassphrase
from therapynotes.services.restore import RestoreService
from therapynotes.services.vault import VaultService


def _backup(vault: Vault, drive: Path) -> Path:
    path = vault.service.run(drive).path
    vault.session.lock("test", record=False)
    return path


def _no_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("no key derivation before the keyring was checked")

    monkeypatch.setattr("therapynotes.security.kdf.argon2id", refuse)


def test_no_keyring_is_reported_before_the_file_is_opened(
    vault: Vault, drive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = _backup(vault, drive)
    keyring.set_keyring(fail.Keyring())
    _no_kdf(monkeypatch)
    target = tmp_path / "new"
    with pytest.raises(KeyringUnavailable) as info:
        RestoreService(target).open(backup, passphrase=STRONG)
    assert "passphrase-only" in info.value.message
    assert not target.exists()


def test_locked_keyring_is_reported_before_the_file_is_opened(
    vault: Vault, drive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = _backup(vault, drive)
    locked = MemoryKeyring()
    locked.locked = True
    keyring.set_keyring(locked)
    _no_kdf(monkeypatch)
    target = tmp_path / "new"
    with pytest.raises(KeyringIsLocked) as info:
        RestoreService(target).open(backup, recovery_text=vault.created.recovery_key,
                                    new_passphrase=STRONG2)  # fmt: skip
    assert "locked" in info.value.message
    assert not target.exists() and locked.store == {}


@pytest.mark.parametrize("keyring_state", ["missing", "locked"])
def test_passphrase_only_restore_unlocks_without_a_keyring(
    vault: Vault, drive: Path, tmp_path: Path, keyring_state: str
) -> None:
    backup = _backup(vault, drive)
    if keyring_state == "missing":
        keyring.set_keyring(fail.Keyring())
    else:
        locked = MemoryKeyring()
        locked.locked = True
        keyring.set_keyring(locked)
    clock = FakeClock(vault.clock() + 3600)
    target = tmp_path / "new"
    result = RestoreService(target, clock=clock).restore(
        backup, passphrase=STRONG, passphrase_only=True
    )
    assert result is not None
    svc = VaultService(target, clock=clock)
    status = svc.status()
    assert status.device_binding == "none" and status.keyring_backend == "none"
    with pytest.raises(WrongPassphrase):
        svc.unlock(STRONG2, "000000")
    code = pyotp.TOTP(vault.created.totp_secret).at(clock())
    svc.unlock(STRONG, code).lock("test", record=False)
