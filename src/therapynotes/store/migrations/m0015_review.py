"""PLACEHOLDER for roles17's schema 15 (`m0015_review.py`, co-signatures and review
comments), so that this branch's m0016 numbers without a gap. It changes nothing. When
roles17 is merged, its m0015_review.py replaces this file (take theirs on the add/add
conflict)."""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 15


def upgrade(conn: Connection) -> None:
    del conn
