"""Helpers for vaults with further logins (issue 17 phase B)."""

from __future__ import annotations

import pyotp

from tests.conftest import FakeClock
from tests.support.vaults import STRONG, code_for
from therapynotes.security.totp import STEP_SECONDS
from therapynotes.services.session import VaultSession
from therapynotes.services.users import AddedUser
from therapynotes.services.vault import VaultService
from therapynotes.services.vault_create import CreatedVault

ASSISTANT_PW = "marble canyon whistle lantern"
SUPERVISOR_PW = "quiet ember violin harbor"


def next_code(secret: str, clock: FakeClock) -> str:
    """A code for the next step (so it is never a replay of the one before)."""
    clock.advance(STEP_SECONDS)
    return str(pyotp.TOTP(secret).at(clock()))


def owner_code(created: CreatedVault, clock: FakeClock) -> str:
    clock.advance(STEP_SECONDS)
    return code_for(created, clock())


def add(  # noqa: PLR0917 - the tests read better positional
    svc: VaultService,
    session: VaultSession,
    created: CreatedVault,
    clock: FakeClock,
    name: str,
    role: str,
    passphrase: str,
) -> AddedUser:
    return svc.add_user(
        session,
        name=name,
        role=role,
        owner_passphrase=STRONG,
        owner_code=owner_code(created, clock),
        user_passphrase=passphrase,
    )


def unlock_user(
    svc: VaultService, added: AddedUser, passphrase: str, clock: FakeClock
) -> VaultSession:
    return svc.unlock(passphrase, next_code(added.totp_secret, clock), user=added.name)
