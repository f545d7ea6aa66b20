"""Data-key rotation against the real Secret Service (gnome-keyring in a private D-Bus
session; `make test` runs it, elsewhere it skips): the device secret is read, not
replaced, and the vault opens both ways afterwards."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import keyring.core
import pytest

from tests.support.pages import data_keys
from tests.support.records import add_client
from tests.support.rotation import contents, opens_with_key
from tests.support.vaults import STRONG, STRONG2, code_for
from therapynotes.security import device_key
from therapynotes.services.records import RecordsService
from therapynotes.services.rotation import KeyRotation
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


def test_rotate_with_gnome_keyring(vault_dir: Path, clock) -> None:
    svc = VaultService(vault_dir, clock=clock)
    created = svc.create(STRONG)
    entry = svc._read_keys()[1].device_entry
    session = svc.unlock(STRONG, code_for(created, clock()))
    add_client(RecordsService(session, clock=clock), "Keyring Client")
    before = contents(session)
    old = data_keys(session)  # both data keys (issue 17)
    KeyRotation(svc).rotate(session, STRONG, recovery_text=created.recovery_key)
    session.lock()

    assert svc._read_keys()[1].device_entry == entry  # same binding, same keyring entry
    assert keyring.get_password(device_key.SERVICE, entry) is not None
    assert not opens_with_key(svc.paths.db, old)
    clock.advance(30)
    reopened = svc.unlock(STRONG, code_for(created, clock()))
    assert contents(reopened).holds(before)
    reopened.lock()
    clock.advance(30)
    svc.recover(created.recovery_key, STRONG2).lock()
