"""Helpers to make and unlock test vaults (cheap KDF, in-memory keyring)."""

from __future__ import annotations

from pathlib import Path

import pyotp

from therapynotes.security.totp import STEP_SECONDS
from therapynotes.services.vault import VaultService
from therapynotes.services.vault_create import CreatedVault

STRONG = "orange piano little sunset"
STRONG2 = "velvet harbor quiet mango"


def code_for(created: CreatedVault, when: float, *, steps: int = 0) -> str:
    return str(pyotp.TOTP(created.totp_secret).at(when + steps * STEP_SECONDS))


def make_vault(root: Path, clock: object, **kwargs: object) -> tuple[VaultService, CreatedVault]:
    svc = VaultService(root, clock=clock)  # type: ignore[arg-type]
    created = svc.create(STRONG, **kwargs)  # type: ignore[arg-type]
    return svc, created
