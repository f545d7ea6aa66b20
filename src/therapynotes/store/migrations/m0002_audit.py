"""Schema 2: the append-only, hash-chained audit log."""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 2
DESCRIPTION = "starting the audit log"


def upgrade(conn: Connection) -> None:
    conn.execute(
        """CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '{}',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        ) STRICT"""
    )
    # Append-only at the schema level: rows can be added, never changed or removed by
    # ordinary statements (purge keeps the log; verification catches raw page edits).
    conn.execute(
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"""
    )
    conn.execute(
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"""
    )
