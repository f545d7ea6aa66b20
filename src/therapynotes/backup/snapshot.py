"""SQLCipher snapshots: copy the live vault into a keyed file, open and check one.

The snapshot is taken with the SQLite online backup API between two keyed connections,
so it is consistent while the app keeps writing, includes frames still in the -wal
file, and never exists as plaintext: every page is written already encrypted.

Must not import PySide6 or services.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from therapynotes.backup.errors import BackupCancelled, BackupCorrupt
from therapynotes.paths import PRIVATE_FILE_MODE
from therapynotes.security.secret import Secret
from therapynotes.store.connection import Connection, cipher_version, driver

# Steps of 16 MiB (4 KiB pages): the connection is free for the app's own statements
# between steps, and larger steps measured no faster.
PAGES_PER_STEP = 4096

Progress = Callable[[str, int, int], None]
Cancel = Callable[[], bool]


def _create_private(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    os.close(fd)


def open_keyed(path: Path, dek: Secret) -> Connection:
    """A keyed connection to a snapshot file; refuses plain SQLite and wrong keys."""
    db = driver()
    conn = db.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{dek.reveal().hex()}'\"")
        if not cipher_version(conn):
            raise BackupCorrupt("encryption library missing")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except db.DatabaseError as exc:
        conn.close()
        raise BackupCorrupt("snapshot does not open with its key") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def take(live: Connection, dest: Path, dek: Secret, *, progress: Progress, cancel: Cancel) -> None:
    """Copy the live vault into a new keyed file `dest` (created 0600)."""
    _create_private(dest)
    target = open_keyed(dest, dek)
    # A scratch copy: if we crash it is thrown away, so no journal and no syncs here;
    # durability comes from fsyncing the finished backup file.
    target.execute("PRAGMA journal_mode = OFF").fetchall()
    target.execute("PRAGMA synchronous = OFF")

    def step(_status: int, remaining: int, total: int) -> None:
        if cancel():
            raise BackupCancelled
        progress("snapshot", total - remaining, total)

    try:
        live.backup(target, pages=PAGES_PER_STEP, progress=step)
    finally:
        target.close()


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per table (names come from the schema, never from user input)."""
    names = [
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    quoted = {name: '"' + name.replace('"', '""') + '"' for name in names}
    return {
        name: int(conn.execute(f"SELECT count(*) FROM {q}").fetchone()[0])  # noqa: S608
        for name, q in quoted.items()
    }


def schema_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check(
    path: Path,
    dek: Secret,
    expected_counts: dict[str, int] | None = None,
    *,
    structure: bool = True,
) -> None:
    """cipher_integrity_check (every page's HMAC), then with `structure` SQLite's own
    integrity_check (a second full pass, about as costly again), then row counts."""
    conn: Any = open_keyed(path, dek)
    try:
        problems = [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check")]
        if problems:
            raise BackupCorrupt(f"{len(problems)} encrypted page(s) failed their check")
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")] if structure else []
        if structure and rows != ["ok"]:
            raise BackupCorrupt("snapshot database structure is damaged")
        if expected_counts is not None and table_counts(conn) != expected_counts:
            raise BackupCorrupt("snapshot row counts differ from its manifest")
    except driver().DatabaseError as exc:
        raise BackupCorrupt("snapshot unreadable") from exc
    finally:
        with contextlib.suppress(Exception):
            conn.close()
