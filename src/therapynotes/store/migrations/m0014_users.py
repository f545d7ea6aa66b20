"""PLACEHOLDER for keys17's schema 14 (`m0014_users.py`, the users table), so that this
branch's m0016 numbers without a gap. It changes nothing. When keys17 is merged, its
m0014_users.py replaces this file (take theirs on the add/add conflict)."""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 14


def upgrade(conn: Connection) -> None:
    del conn
