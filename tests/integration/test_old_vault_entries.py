"""Set-aside vaults and orphaned entries against a real Secret Service (gnome-keyring in a
private D-Bus session, as in test_secret_service.py); skipped outside it.

The keyring is shared by the whole test run, so these tests only assert about entries
they made themselves."""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path

import keyring
import pytest

from tests.support.vaults import STRONG, code_for
from therapynotes.cli import main
from therapynotes.security import device_key
from therapynotes.services import old_vaults
from therapynotes.services.backups import BackupService
from therapynotes.services.restore import RestoreService
from therapynotes.services.vault import VaultService

pytestmark = [
    pytest.mark.secretservice,
    pytest.mark.skipif(
        os.environ.get("THERAPYNOTES_SECRET_SERVICE") != "1",
        reason="needs scripts/with-secret-service (make test runs it)",
    ),
]


@pytest.fixture(autouse=True)
def real_backend() -> None:
    keyring.set_keyring(keyring.core.load_keyring("keyring.backends.SecretService.Keyring"))


def _entry(folder: Path) -> str:
    return VaultService(folder)._read_keys()[1].device_entry


def _doctor(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], root: Path) -> str:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    main(["--vault", str(root), "doctor"])
    out, _ = capsys.readouterr()
    return next(line for line in out.splitlines() if " entries " in f" {line} ")


def test_old_vault_entries_and_orphans_in_gnome_keyring(
    tmp_path: Path, clock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "vault"
    svc = VaultService(root, clock=clock)
    created = svc.create(STRONG)
    session = svc.unlock(STRONG, code_for(created, clock()))
    drive = tmp_path / "drive"
    drive.mkdir()
    backup = BackupService(session, clock=clock).run(drive).path
    session.lock("test", record=False)
    clock.advance(60)

    result = RestoreService(root, clock=clock).restore(backup, passphrase=STRONG)
    assert result is not None and result.set_aside is not None
    aside, old_entry, live_entry = result.set_aside, _entry(result.set_aside), _entry(root)
    assert keyring.get_password(device_key.SERVICE, old_entry) is not None  # kept
    clock.advance(30)
    VaultService(aside, clock=clock).unlock(STRONG, code_for(created, clock())).lock()

    stray = f"{created.vault_id}/{'0' * 16}"  # as a re-binding killed mid-way leaves one
    device_key.store_new(stray).wipe()
    listed = device_key.list_entries()
    assert listed is not None and {old_entry, live_entry, stray} <= set(listed)
    orphans = old_vaults.orphaned_entries(root)
    assert orphans is not None and stray in orphans
    assert old_entry not in orphans and live_entry not in orphans
    line = _doctor(monkeypatch, capsys, root)
    assert line.startswith("warning") and stray in line and old_entry not in line

    old_vaults.remove(root, aside.name)
    assert keyring.get_password(device_key.SERVICE, old_entry) is None
    assert not aside.exists()

    # A set-aside folder deleted by hand leaves its entry behind: doctor names it.
    clock.advance(60)
    again = RestoreService(root, clock=clock).restore(backup, passphrase=STRONG)
    assert again is not None and again.set_aside is not None
    by_hand = _entry(again.set_aside)
    shutil.rmtree(again.set_aside)
    assert by_hand in (old_vaults.orphaned_entries(root) or [])
    assert by_hand in _doctor(monkeypatch, capsys, root)

    for entry in (stray, by_hand, _entry(root)):
        device_key.delete(entry, strict=True)
