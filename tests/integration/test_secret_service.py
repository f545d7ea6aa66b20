"""Against a real Secret Service (gnome-keyring in a private D-Bus session).

`make test` runs the suite under scripts/with-secret-service, which sets
THERAPYNOTES_SECRET_SERVICE=1; there these tests must pass. Outside it they skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import pytest

from tests.support.vaults import STRONG, STRONG2, code_for
from therapynotes.errors import DeviceNotBound
from therapynotes.security import device_key
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


def test_the_backend_is_secret_service() -> None:
    assert "SecretService" in device_key.backend_name()


def test_create_unlock_and_rebind_with_gnome_keyring(vault_dir: Path, clock) -> None:
    svc = VaultService(vault_dir, clock=clock)
    created = svc.create(STRONG)
    status = svc.status()
    assert status.keyring_backend == device_key.backend_name()
    assert status.device_bound == "yes"
    svc.unlock(STRONG, code_for(created, clock())).lock()

    entry = svc._read_keys()[1].device_entry
    stored = keyring.get_password(device_key.SERVICE, entry)
    assert stored is not None and len(stored) == 44  # base64 of 32 bytes

    keyring.delete_password(device_key.SERVICE, entry)  # e.g. a new desktop profile
    clock.advance(30)
    with pytest.raises(DeviceNotBound):
        svc.unlock(STRONG, code_for(created, clock()))
    svc.recover(created.recovery_key, STRONG2).lock()
    new_entry = svc._read_keys()[1].device_entry
    assert new_entry != entry
    assert keyring.get_password(device_key.SERVICE, new_entry) is not None
    svc.unlock(STRONG2, code_for(created, clock())).lock()
