"""Vaults set aside beside the vault folder keep their keyring entry, so they still open
with their own passphrase, until the therapist removes them: then the entry goes first,
then the folder. Real SQLCipher vaults, real restores; the in-memory test keyring."""

from __future__ import annotations

import shutil
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from tests.conftest import STRONG, FakeClock
from tests.support.memkeyring import MemoryKeyring
from tests.support.vaults import code_for
from therapynotes.errors import KeyringIsLocked, VaultInUse
from therapynotes.services import old_vaults
from therapynotes.services.backups import BackupService
from therapynotes.services.restore import RestoreService
from therapynotes.services.vault import VaultService
from therapynotes.services.vault_create import CreatedVault


def _vault_restored_over(root: Path, clock: FakeClock) -> tuple[CreatedVault, Path]:
    """A vault, backed up, then restored over itself: (its creation, the folder set aside)."""
    svc = VaultService(root, clock=clock)
    created = svc.create(STRONG)
    session = svc.unlock(STRONG, code_for(created, clock()))
    drive = root.parent / "drive"
    drive.mkdir()
    backup = BackupService(session, clock=clock).run(drive).path
    session.lock("test", record=False)
    clock.advance(60)
    result = RestoreService(root, clock=clock).restore(backup, passphrase=STRONG)
    assert result is not None and result.set_aside is not None
    return created, result.set_aside


def _entry(folder: Path) -> str:
    return VaultService(folder)._read_keys()[1].device_entry


def _opens(folder: Path, created: CreatedVault, clock: FakeClock) -> None:
    clock.advance(30)
    VaultService(folder, clock=clock).unlock(STRONG, code_for(created, clock())).lock()


def test_the_set_aside_vault_keeps_its_entry_and_opens_until_removed(
    tmp_path: Path, clock: FakeClock, memkeyring: MemoryKeyring
) -> None:
    root = tmp_path / "vault"
    created, aside = _vault_restored_over(root, clock)
    old_entry, live_entry = _entry(aside), _entry(root)
    assert old_entry != live_entry
    assert {("therapynotes", old_entry), ("therapynotes", live_entry)} == set(memkeyring.store)
    _opens(aside, created, clock)  # the therapist can go back

    [old] = old_vaults.find(root)
    assert (old.path, old.kind, old.device_entry) == (aside, old_vaults.KEPT_AFTER_RESTORE,
                                                      old_entry)  # fmt: skip
    assert old_vaults.entry_state(old).startswith("keyring entry kept")
    assert old_vaults.used_entries(root) == {old_entry, live_entry}

    removed = old_vaults.remove(root, aside.name)
    assert removed.entry_removed and not removed.entry_kept
    assert not aside.exists() and set(memkeyring.store) == {("therapynotes", live_entry)}
    assert old_vaults.find(root) == []
    _opens(root, created, clock)


def test_an_unfinished_setup_and_a_killed_restore_are_listed_and_removable(
    tmp_path: Path, clock: FakeClock, memkeyring: MemoryKeyring
) -> None:
    root = tmp_path / "vault"
    svc = VaultService(root, clock=clock)
    svc.create(STRONG)
    svc.mark_setup_incomplete()
    unfinished = svc.set_aside_unfinished()
    staging = tmp_path / ".vault.restore-0a1b2c3d"  # a restore killed after its new keys
    VaultService(staging, clock=clock).create(STRONG)
    listed = {o.path: o.kind for o in old_vaults.find(root)}
    assert listed == {
        unfinished: old_vaults.UNFINISHED_SETUP,
        staging: old_vaults.INTERRUPTED_RESTORE,
    }
    assert len(memkeyring.store) == 2
    old_vaults.remove(root, str(staging))  # a full path names it too
    old_vaults.remove(root, unfinished.name)
    assert memkeyring.store == {} and old_vaults.find(root) == []


def test_only_folders_set_aside_here_can_be_removed(
    tmp_path: Path, clock: FakeClock, memkeyring: MemoryKeyring
) -> None:
    root = tmp_path / "vault"
    _, aside = _vault_restored_over(root, clock)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / aside.name).mkdir()
    (tmp_path / "vault.before-restore-file").write_text("not a folder")
    entries = dict(memkeyring.store)
    for name in ("vault", "drive", "..", str(elsewhere / aside.name), "vault.before-restore-file",
                 f"../{tmp_path.name}-other/{aside.name}", "vault.before-restore-x"):  # fmt: skip
        with pytest.raises(old_vaults.NotAnOldVault):
            old_vaults.remove(root, name)
    assert aside.exists() and (elsewhere / aside.name).exists() and memkeyring.store == entries


def test_an_open_set_aside_vault_is_not_removed(
    tmp_path: Path, clock: FakeClock, memkeyring: MemoryKeyring
) -> None:
    root = tmp_path / "vault"
    created, aside = _vault_restored_over(root, clock)
    clock.advance(30)
    session = VaultService(aside, clock=clock).unlock(STRONG, code_for(created, clock()))
    entries = dict(memkeyring.store)
    with pytest.raises(VaultInUse):
        old_vaults.remove(root, aside.name)
    assert (aside / "vault.keys").exists() and memkeyring.store == entries
    session.lock()


def test_a_locked_keyring_stops_the_removal_unless_the_entry_may_stay(
    tmp_path: Path, clock: FakeClock, memkeyring: MemoryKeyring
) -> None:
    root = tmp_path / "vault"
    _, aside = _vault_restored_over(root, clock)
    old_entry = _entry(aside)
    memkeyring.locked = True
    with pytest.raises(KeyringIsLocked):
        old_vaults.remove(root, aside.name)
    assert (aside / "vault.keys").exists()
    removed = old_vaults.remove(root, aside.name, keep_entry=True)
    assert removed.entry_kept == old_entry and not removed.entry_removed
    assert not aside.exists()
    memkeyring.locked = False
    assert ("therapynotes", old_entry) in memkeyring.store


def test_removal_finishes_after_a_kill_between_entry_and_folder(
    tmp_path: Path, clock: FakeClock, memkeyring: MemoryKeyring
) -> None:
    root = tmp_path / "vault"
    _, aside = _vault_restored_over(root, clock)
    del memkeyring.store[("therapynotes", _entry(aside))]  # the entry went, then the kill
    [old] = old_vaults.find(root)
    assert old_vaults.entry_state(old).startswith("keyring entry gone")
    old_vaults.remove(root, aside.name)
    assert not aside.exists() and len(memkeyring.store) == 1


def test_an_entry_the_live_vault_uses_is_never_deleted(
    tmp_path: Path, clock: FakeClock, memkeyring: MemoryKeyring
) -> None:
    root = tmp_path / "vault"
    svc = VaultService(root, clock=clock)
    created = svc.create(STRONG)
    copy = tmp_path / "vault.before-restore-20270101T000000"
    shutil.copytree(root, copy)  # e.g. a copy made by hand under that name
    old_vaults.remove(root, copy.name)
    assert not copy.exists() and len(memkeyring.store) == 1
    _opens(root, created, clock)


def test_passphrase_only_set_aside_vault_needs_no_keyring(tmp_path: Path, clock: FakeClock) -> None:
    keyring.set_keyring(fail.Keyring())
    root = tmp_path / "vault"
    svc = VaultService(root, clock=clock)
    svc.create(STRONG, passphrase_only=True)
    svc.mark_setup_incomplete()
    aside = svc.set_aside_unfinished()
    [old] = old_vaults.find(root)
    assert old.device_entry == "" and old_vaults.entry_state(old).startswith("passphrase-only")
    removed = old_vaults.remove(root, aside.name)
    assert not removed.entry_removed and not aside.exists()


def test_orphans_are_not_checked_on_a_keyring_that_cannot_list(
    tmp_path: Path, clock: FakeClock
) -> None:
    VaultService(tmp_path / "vault", clock=clock).create(STRONG)
    assert old_vaults.orphaned_entries(tmp_path / "vault") is None
