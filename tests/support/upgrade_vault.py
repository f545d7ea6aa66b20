"""A vault made by the app one schema version behind m0016 (schema 15), with its recovery
key known: VaultService.create while the migrations stop at 15, as a version of the app
from before m0016 made it. For the upgrade-progress tests of the recovery path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import STRONG, FakeClock
from therapynotes.services.vault import VaultService
from therapynotes.services.vault_create import CreatedVault
from therapynotes.store import migrations
from therapynotes.store.migrations import m0016_search_prefixes as m16


def schema_15_vault(root: Path, clock: FakeClock) -> tuple[VaultService, CreatedVault]:
    everything = migrations.discover()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            migrations,
            "discover",
            lambda *_args: [m for m in everything if m.version < m16.VERSION],
        )
        svc = VaultService(root, clock=clock)
        created = svc.create(STRONG)
    return svc, created
