"""Who is unlocked (issue 17): the logins of a vault and their roles.

A vault has one owner (the therapist who created it) and optional further users, each an
assistant or a supervisor with their own passphrase, second step and key slot. What each
role may do is one table in services/policy.py; what each role can decrypt is decided by
the keys its slot receives (docs/security.md "Users and roles").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ASSISTANT = "assistant"
    SUPERVISOR = "supervisor"


# The roles the owner can give another login (the owner role belongs to one login).
USER_ROLES = (Role.ASSISTANT, Role.SUPERVISOR)

# The owner's login name until the owner chooses another (docs/formats.md vault.keys).
DEFAULT_OWNER_NAME = "owner"


@dataclass(frozen=True)
class Login:
    """The login a session was unlocked with: its name (as typed at the lock screen and
    given to `--user`, written in every audit row it makes) and its role."""

    name: str
    role: Role

    @property
    def is_owner(self) -> bool:
        return self.role is Role.OWNER


OWNER_LOGIN = Login(DEFAULT_OWNER_NAME, Role.OWNER)
