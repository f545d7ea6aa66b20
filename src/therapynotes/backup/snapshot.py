"""SQLCipher snapshots: copy the vault into a keyed file, open and check one.

The snapshot is a copy of the vault's own encrypted pages (`vault.db` and its `-wal`)
taken on a connection of its own while it holds the vault's write lock, then folded into
one file by a checkpoint on the copy. No page is ever decrypted to disk, and no page is
decrypted and re-encrypted either (the SQLite backup API does both for every page,
which made it 7-12 times a plain copy). Why the copy is consistent:

- Every connection to the vault belongs to this process (it holds the instance lock),
  and every writer takes SQLite's write lock; while we hold it nothing is appended to
  the `-wal` and nothing can restart or truncate it (RESTART/TRUNCATE checkpoints need
  that lock too), so the `-wal` we copy is frozen and holds only committed frames.
- A PASSIVE checkpoint may still run (an auto-checkpoint after a commit). It writes
  into `vault.db` only pages that the frozen `-wal` also holds, with the same bytes.
  Opening the copy rebuilds the WAL index from the copied `-wal` (SQLite's crash
  recovery), so every such page is read from the `-wal` copy and the `vault.db` copy of
  it does not matter; every other page was not being written while we copied it.
- The checkpoint on the copy then writes those pages into the copy's main file, and
  the writer's page check (page_tags.py: `cipher_integrity_check`, or the HMAC of every
  page whose segment differs from the last verified backup's) checks the result.

Two data keys (issue 17): given both keys (64 bytes), the snapshot is of vault.db and
of clinical.db beside it, copied under one write lock (BEGIN IMMEDIATE on a connection
with clinical.db attached locks both files), and opened again as a pair:
`clinical_path(snapshot)` holds the clinical copy. Row counts name the clinical tables
`clinical.<table>` (both files have a `purge_authorisations`).

Must not import PySide6 or services.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from therapynotes.backup.errors import BackupCancelled, BackupCorrupt
from therapynotes.paths import PRIVATE_FILE_MODE
from therapynotes.security.secret import Secret
from therapynotes.store.connection import (
    BUNDLE_LEN,
    CLINICAL_SCHEMA,
    SHARED_LEN,
    Connection,
    cipher_version,
    clinical_path,
    driver,
    has_clinical,
)

COPY_BLOCK = 4 * 1024 * 1024

__all__ = ["clinical_path", "open_keyed", "take"]

Progress = Callable[[str, int, int], None]
Cancel = Callable[[], bool]


def open_keyed(path: Path, dek: Secret) -> Connection:
    """A keyed connection to a snapshot file (with both keys: and to the clinical file
    beside it, attached); refuses plain SQLite and wrong keys."""
    db = driver()
    conn = db.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        raw = dek.reveal()
        conn.execute(f"PRAGMA key = \"x'{raw[:SHARED_LEN].hex()}'\"")
        if not cipher_version(conn):
            raise BackupCorrupt("encryption library missing")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if len(raw) == BUNDLE_LEN:
            clinical = clinical_path(path)
            if not clinical.exists():
                raise BackupCorrupt("the clinical part of the snapshot is missing")
            conn.execute(
                f"ATTACH DATABASE ? AS {CLINICAL_SCHEMA} KEY \"x'{raw[SHARED_LEN:].hex()}'\"",
                (str(clinical),),
            )
            conn.execute("SELECT count(*) FROM clinical.sqlite_master").fetchone()
    except db.DatabaseError as exc:
        conn.close()
        raise BackupCorrupt("snapshot does not open with its key") from exc
    except BaseException:
        conn.close()
        raise
    return conn


# copy_file_range errors that mean "not here" (old kernel, file system without it):
# the copy goes on with read/write from the same offsets.
_NO_KERNEL_COPY = frozenset({errno.ENOSYS, errno.EXDEV, errno.EINVAL, errno.EOPNOTSUPP})


def _copy_block(fin: int, fout: int, kernel: list[bool]) -> int:
    """Copy up to COPY_BLOCK bytes from the current offset of `fin` to `fout`: in the
    kernel where it can (no trip through Python buffers, as a plain file copy does),
    else by read and write. `kernel` is a one-item flag, cleared at the first refusal."""
    if kernel[0]:
        try:
            return os.copy_file_range(fin, fout, COPY_BLOCK)
        except OSError as exc:
            if exc.errno not in _NO_KERNEL_COPY:
                raise
            kernel[0] = False
    block = os.read(fin, COPY_BLOCK)
    view, written = memoryview(block), 0
    while written < len(view):
        written += os.write(fout, view[written:])
    return len(block)


def _copy_into(
    src: Path, dest: Path, *, done: int, total: int, progress: Progress, cancel: Cancel
) -> int:
    fin = os.open(src, os.O_RDONLY)
    try:
        fout = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        try:
            kernel = [hasattr(os, "copy_file_range")]
            while True:
                if cancel():
                    raise BackupCancelled
                n = _copy_block(fin, fout, kernel)
                if n == 0:
                    return done
                done += n
                progress("snapshot", done, total)
        finally:
            os.close(fout)
    finally:
        os.close(fin)


def take(vault_db: Path, dest: Path, dek: Secret, *, progress: Progress, cancel: Cancel) -> None:
    """Copy the vault `vault_db` into a new keyed file `dest` (created 0600), consistent
    as of one commit (see the module docstring), with no `-wal` left beside it."""
    pairs = [(vault_db, dest)]
    if len(dek) == BUNDLE_LEN:
        pairs.append((clinical_path(vault_db), clinical_path(dest)))
    lock = open_keyed(vault_db, dek)
    try:
        lock.execute("PRAGMA busy_timeout = 10000")
        # The write lock (on both files): no commit can land, and no -wal can be
        # restarted or truncated, until the ROLLBACK below.
        lock.execute("BEGIN IMMEDIATE")
        try:
            files = [(Path(f"{src}{side}"), Path(f"{to}{side}"))
                     for src, to in pairs for side in ("", "-wal")]  # fmt: skip
            files = [(src, to) for src, to in files if src.exists()]
            total = sum(src.stat().st_size for src, _ in files)
            done = 0
            for src, to in files:
                done = _copy_into(src, to, done=done, total=total, progress=progress, cancel=cancel)
        finally:
            lock.execute("ROLLBACK")
    except driver().DatabaseError as exc:
        raise BackupCorrupt("the vault could not be copied") from exc
    finally:
        lock.close()
    # Fold the copied -wal into the copy; a scratch file needs no syncs (the finished
    # backup file is fsynced), and DELETE mode removes the -wal and -shm.
    # Both schemas lose their syncs BEFORE any journal mode changes: an unqualified
    # `PRAGMA journal_mode` switches every attached database, and clinical.db switched
    # while still at synchronous = FULL had its checkpoint fsync the whole copy (the
    # snapshot's 600 MiB written to the disk on the stress practice, then deleted).
    copy = open_keyed(dest, dek)
    try:
        schemas = ["main", CLINICAL_SCHEMA] if has_clinical(copy) else ["main"]
        for schema in schemas:
            copy.execute(f"PRAGMA {schema}.synchronous = OFF")
        for schema in schemas:
            copy.execute(f"PRAGMA {schema}.journal_mode = DELETE").fetchall()
    except driver().DatabaseError as exc:
        raise BackupCorrupt("the vault copy does not open") from exc
    finally:
        copy.close()


def _schemas(conn: Connection) -> list[tuple[str, str]]:
    """(schema, prefix of its table names in counts)."""
    found = [("main", "")]
    if has_clinical(conn):
        found.append((CLINICAL_SCHEMA, f"{CLINICAL_SCHEMA}."))
    return found


def record_tables(conn: Connection) -> list[str]:
    """The ordinary tables of the main schema (and of clinical.db, as `clinical.<name>`):
    not SQLite's own, not virtual (FTS5) and not a virtual table's shadow tables, whose
    rows are a derived index that restore's integrity checks cover and whose counting
    cost more than the rest of the vault."""
    return sorted(
        prefix + str(r[1])
        for schema, prefix in _schemas(conn)
        for r in conn.execute(f"PRAGMA {schema}.table_list")
        if r[2] == "table" and not str(r[1]).startswith("sqlite_")
    )


def _quoted(name: str) -> str:
    schema, _, table = (
        name.rpartition(".") if name.startswith(f"{CLINICAL_SCHEMA}.") else ("", "", name)
    )
    quoted = '"' + table.replace('"', '""') + '"'
    return f"{schema}.{quoted}" if schema else f"main.{quoted}"


def table_counts(conn: Connection, names: list[str] | None = None) -> dict[str, int]:
    """Rows per table: the record tables, or exactly `names` (from a manifest, checked
    against the schema, never user input); a name not in the snapshot raises
    BackupCorrupt."""
    present = {
        prefix + str(r[0])
        for schema, prefix in _schemas(conn)
        for r in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table'"  # noqa: S608
        )
    }
    wanted = record_tables(conn) if names is None else sorted(names)
    if not set(wanted) <= present:
        raise BackupCorrupt("snapshot lacks a table its manifest counts")
    quoted = {name: _quoted(name) for name in wanted}
    return {
        name: int(conn.execute(f"SELECT count(*) FROM {q}").fetchone()[0])  # noqa: S608
        for name, q in quoted.items()
    }


def schema_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _page_problems(conn: Connection) -> list[str]:
    return [
        str(r[0])
        for schema, _ in _schemas(conn)
        for r in conn.execute(f"PRAGMA {schema}.cipher_integrity_check")
    ]


def page_check(path: Path, dek: Secret) -> None:
    """cipher_integrity_check: every page's HMAC, on a connection of its own (so the
    writer can run it beside the counting and encryption of the same file)."""
    conn: Any = open_keyed(path, dek)
    try:
        problems = _page_problems(conn)
    except driver().DatabaseError as exc:
        raise BackupCorrupt("snapshot unreadable") from exc
    finally:
        with contextlib.suppress(Exception):
            conn.close()
    if problems:
        raise BackupCorrupt(f"{len(problems)} encrypted page(s) failed their check")


def contents(path: Path, dek: Secret) -> tuple[dict[str, int], int, tuple[int, str]]:
    """Row counts, schema version and audit head, for the manifest (one connection)."""
    conn: Any = open_keyed(path, dek)
    try:
        return table_counts(conn), schema_version(conn), _audit_head(conn)
    except driver().DatabaseError as exc:
        raise BackupCorrupt("snapshot unreadable") from exc
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def _audit_head(conn: Connection) -> tuple[int, str]:
    """(seq, hash) of the snapshot's last audit row, (0, 64 zeros) for an empty log."""
    row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, "0" * 64) if row is None else (int(row[0]), str(row[1]))


def _counts_match(conn: Connection, expected: dict[str, int]) -> bool:
    """The manifest's counts hold, and it counts every record table (format 1 manifests
    also counted the FTS tables: those are compared too)."""
    if not set(record_tables(conn)) <= set(expected):
        return False
    return table_counts(conn, list(expected)) == expected


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
        problems = _page_problems(conn)
        if problems:
            raise BackupCorrupt(f"{len(problems)} encrypted page(s) failed their check")
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")] if structure else []
        if structure and rows != ["ok"]:
            raise BackupCorrupt("snapshot database structure is damaged")
        if expected_counts is not None and not _counts_match(conn, expected_counts):
            raise BackupCorrupt("snapshot row counts differ from its manifest")
    except driver().DatabaseError as exc:
        raise BackupCorrupt("snapshot unreadable") from exc
    finally:
        with contextlib.suppress(Exception):
            conn.close()
