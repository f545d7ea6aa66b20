"""Schema 1: vault metadata, the TOTP secret and settings stored inside the vault."""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 1
DESCRIPTION = "setting up the vault"


def upgrade(conn: Connection) -> None:
    conn.execute(
        """CREATE TABLE vault_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT"""
    )
    conn.execute(
        """CREATE TABLE totp (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            secret TEXT NOT NULL,
            last_step INTEGER NOT NULL DEFAULT -1,
            enrolled_at TEXT NOT NULL
        ) STRICT"""
    )
    conn.execute(
        """CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT"""
    )
