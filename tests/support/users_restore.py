"""Backup and restore of a vault with further logins, on a "new computer" (a new folder
and a new keyring entry, the old one gone): shared by the unit test (test keyring) and the
Secret Service test (gnome-keyring)."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest

from tests.conftest import FakeClock
from tests.support.users import ASSISTANT_PW, SUPERVISOR_PW, add, owner_code, unlock_user
from tests.support.vaults import STRONG, code_for, make_vault
from therapynotes.backup.errors import BackupWrongKey
from therapynotes.domain.roles import Role
from therapynotes.security import device_key, keyslots
from therapynotes.services.backups import BackupService
from therapynotes.services.restore import RestoreService
from therapynotes.services.vault import VaultService
from therapynotes.store.connection import has_clinical


def walk(tmp_path: Path, clock: FakeClock) -> None:
    svc, created = make_vault(tmp_path / "vault", clock)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    sam = add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    lee = add(svc, owner, created, clock, "Dr Lee", "supervisor", SUPERVISOR_PW)
    svc.rename_owner(
        owner, name="Dr Rivera", owner_passphrase=STRONG, owner_code=owner_code(created, clock)
    )
    (tmp_path / "backups").mkdir()
    made = BackupService(owner, clock=clock).run(tmp_path / "backups")
    old_entry = owner.doc.device_entry
    owner.lock()
    # The backup keeps the owner's passphrase and recovery slots only: no user's slot
    # and no user's secret opens it (its header names no users).
    header = made.path.read_bytes()[:4096]
    assert b"Sam" not in header and b"Dr Lee" not in header
    for passphrase in (ASSISTANT_PW, SUPERVISOR_PW):
        with pytest.raises(BackupWrongKey):
            RestoreService(tmp_path / "not-theirs", clock=clock).restore(
                made.path, passphrase=passphrase
            )

    keyring.delete_password(device_key.SERVICE, old_entry)  # the old computer is gone
    new_root = tmp_path / "new-computer" / "vault"
    RestoreService(new_root, clock=clock).restore(made.path, passphrase=STRONG)
    restored = VaultService(new_root, clock=clock)
    doc = keyslots.decode((new_root / "vault.keys").read_bytes())
    assert doc.device_entry != old_entry
    assert restored.login_names() == ["Dr Rivera", "Sam", "Dr Lee"]

    a = unlock_user(restored, sam, ASSISTANT_PW, clock)
    assert a.login.role is Role.ASSISTANT and not has_clinical(a.conn)
    a.lock()
    s = unlock_user(restored, lee, SUPERVISOR_PW, clock)
    assert s.login.role is Role.SUPERVISOR and has_clinical(s.conn)
    s.lock()
    o = restored.unlock(STRONG, owner_code(created, clock), user="Dr Rivera")
    assert [u.name for u in restored.list_users(o)] == ["Dr Rivera", "Sam", "Dr Lee"]
    o.lock()
