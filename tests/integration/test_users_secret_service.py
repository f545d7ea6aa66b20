"""Issue 17 phase B against a real Secret Service (gnome-keyring in a private D-Bus
session): users added, removed and refused after, and a restore on a new computer (a new
keyring entry) bringing them back, each unlocking with their own passphrase and code."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import pytest

from tests.conftest import FakeClock
from tests.support.users import ASSISTANT_PW, add, owner_code, unlock_user
from tests.support.users_restore import walk
from tests.support.vaults import STRONG, code_for, make_vault
from therapynotes.errors import WrongPassphrase
from therapynotes.security import device_key

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


def test_add_and_remove_users_with_gnome_keyring(vault_dir: Path, clock: FakeClock) -> None:
    assert "SecretService" in device_key.backend_name()
    svc, created = make_vault(vault_dir, clock)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    sam = add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    owner.lock()
    unlock_user(svc, sam, ASSISTANT_PW, clock).lock()
    owner = svc.unlock(STRONG, owner_code(created, clock))
    svc.remove_user(
        owner, name="Sam", owner_passphrase=STRONG, owner_code=owner_code(created, clock)
    )
    owner.lock()
    with pytest.raises(WrongPassphrase):
        unlock_user(svc, sam, ASSISTANT_PW, clock)


def test_restore_on_a_new_computer_brings_the_users_back(tmp_path: Path, clock: FakeClock) -> None:
    walk(tmp_path, clock)
