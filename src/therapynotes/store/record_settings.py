"""Record settings kept inside the vault (the `settings` table of schema 1): the
late-entry threshold and the attachment size cap. Defaults are written by m0003."""

from __future__ import annotations

from therapynotes.domain.rules import DEFAULT_LATE_ENTRY_HOURS
from therapynotes.store.connection import Connection

LATE_ENTRY_HOURS = "late_entry_hours"
ATTACHMENT_MAX_BYTES = "attachment_max_bytes"
DEFAULT_ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024


def get_int(conn: Connection, key: str, default: int) -> int:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    try:
        return int(row[0]) if row else default
    except ValueError:
        return default


def set_value(conn: Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO settings(key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def late_entry_hours(conn: Connection) -> int:
    return get_int(conn, LATE_ENTRY_HOURS, DEFAULT_LATE_ENTRY_HOURS)


def attachment_max_bytes(conn: Connection) -> int:
    return get_int(conn, ATTACHMENT_MAX_BYTES, DEFAULT_ATTACHMENT_MAX_BYTES)
