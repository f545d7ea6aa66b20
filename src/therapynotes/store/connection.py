"""Opening the SQLCipher database with the data key, and nothing else.

The DEK is the raw SQLCipher key (`PRAGMA key = "x'<hex>'"`), so SQLCipher's own
PBKDF2 is skipped. Refuses to run on a SQLite build without SQLCipher (which would
silently ignore the key and write plaintext).

Two data keys (issue 17): given a 64-byte bundle (shared key ‖ clinical key), vault.db
is keyed with the first half and `clinical.db` beside it is ATTACHed as schema
`clinical` with the second (`ATTACH ... KEY "x'..'"`), so unqualified queries find every
table. Given 32 bytes (a vault from before the split, a key-rotation copy), the file is
opened alone.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any

from therapynotes.errors import DiskFull, SqlCipherMissing, StorageError, VaultBusy, VaultCorrupt
from therapynotes.paths import PRIVATE_FILE_MODE
from therapynotes.security.secret import Secret, scrub_immutable
from therapynotes.store import client_activity

try:
    import sqlcipher3.dbapi2 as sqlcipher
except ImportError:  # pragma: no cover - exercised by the refuses-plain-sqlite test
    sqlcipher = None

Connection = Any  # sqlcipher3.dbapi2.Connection (the package ships no type hints)

# Checkpoints off the commit path. SQLite's default (1,000 pages) runs a checkpoint
# inside whichever COMMIT crosses it; with synchronous = FULL that COMMIT also waits for
# the main file's fsync, so an autosave now and then took 74-112 ms instead of a few.
# The app checkpoints when it is idle (VaultSession.checkpoint, from ui/idle_checkpoint.py
# on the database worker), and every close checkpoints (close_db: at lock, quit and the
# end of each CLI command). This high mark only bounds the WAL through long busy
# stretches with no idle moment (an import, a purge): 16,384 pages = 64 MiB.
AUTOCHECKPOINT_PAGES = 16384
# When a commit starts the WAL over after a checkpoint, SQLite cuts the file back to
# this size, so a busy stretch does not leave a large WAL (of old, encrypted page
# versions) behind; the space kept is overwritten in place rather than grown again
# (with a TRUNCATE at every idle checkpoint instead, one bench run gave a 17 % slower
# median save).
JOURNAL_LIMIT_BYTES = 4 * 1024 * 1024

PRAGMAS = (
    # 32 MiB of decrypted pages instead of SQLCipher's 8 MB default: a practice of ten
    # years and more (600 MB at the stress size) no longer has its session log and note
    # indexes evicted between two screens (issue 18; bench/client_list_bench.py).
    "PRAGMA cache_size = -32768",
    "PRAGMA secure_delete = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",  # a save that returned is on the disk: never lowered
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}",
    f"PRAGMA journal_size_limit = {JOURNAL_LIMIT_BYTES}",
)


def driver() -> Any:
    """The sqlcipher3 DB-API module; raises SqlCipherMissing without it."""
    if sqlcipher is None:
        raise SqlCipherMissing
    return sqlcipher


def cipher_version(conn: Connection) -> str:
    row = conn.execute("PRAGMA cipher_version").fetchone()
    return str(row[0]) if row and row[0] else ""


CLINICAL_FILE = "clinical.db"
CLINICAL_SCHEMA = "clinical"
SHARED_LEN = 32
BUNDLE_LEN = 64
# Per-schema pragmas, applied to the attached clinical database as well.
_SCHEMA_PRAGMAS = (
    "secure_delete",
    "journal_mode",
    "synchronous",
    "cache_size",  # the notes and their indexes live in clinical.db (issue 18's cache)
    "journal_size_limit",
)


def clinical_path(db: Path) -> Path:
    """The clinical database that goes with the database file `db`: clinical.db beside
    a vault's vault.db; `<name>.clinical` beside any other file (a snapshot, a copy)."""
    return db.with_name(CLINICAL_FILE if db.name == "vault.db" else f"{db.name}.clinical")


def has_clinical(conn: Connection) -> bool:
    return any(str(r[1]) == CLINICAL_SCHEMA for r in conn.execute("PRAGMA database_list"))


def _touch_private(path: Path) -> None:
    """Create the file 0600 before SQLite does (SQLite copies its mode to -wal/-shm)."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        os.close(fd)


def open_db(
    path: Path, dek: Secret, *, create: bool = False, pragmas: tuple[str, ...] = PRAGMAS
) -> Connection:
    """Open (or create) the vault database keyed with `dek`, `pragmas` applied (the
    vault's own by default; a key rotation's copy uses a rollback journal, not WAL).

    The connection is in autocommit mode; callers use explicit transactions.
    """
    db = driver()
    if not create and not path.exists():
        raise VaultCorrupt("the data file is missing")
    try:
        if create:
            _touch_private(path)
        conn = db.connect(str(path), isolation_level=None, check_same_thread=False)
    except (OSError, db.Error) as exc:
        raise StorageError(type(exc).__name__) from exc
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        raw = dek.reveal()
        if len(raw) not in (SHARED_LEN, BUNDLE_LEN):
            raise ValueError("a data key is 32 or 64 bytes")
        _keyed(conn, "PRAGMA key = \"x'{}'\"", raw[:SHARED_LEN])
        if not cipher_version(conn):
            raise SqlCipherMissing
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if len(raw) == BUNDLE_LEN:
            _attach_clinical(conn, clinical_path(path), raw[SHARED_LEN:], create=create)
        scrub_immutable(raw)
        del raw
        for pragma in pragmas:
            conn.execute(pragma).fetchall()
            name = pragma.removeprefix("PRAGMA ").split(" ")[0]
            if name in _SCHEMA_PRAGMAS and has_clinical(conn):
                conn.execute(pragma.replace("PRAGMA ", f"PRAGMA {CLINICAL_SCHEMA}.", 1)).fetchall()
        # TEMP triggers across the two files (issues 17/18), after the pragmas: setting
        # temp_store deletes every TEMP object.
        client_activity.install(conn)
    except db.DatabaseError as exc:
        conn.close()
        # A disk that is full or failing is not a damaged file: "restore from backup"
        # would be the wrong (and dangerous) advice there.
        storage = _storage_error(exc)
        if storage is None:
            raise VaultCorrupt from exc
        raise (DiskFull() if disk_full(path.parent) else storage) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _keyed(conn: Connection, template: str, key: bytes, *params: object) -> None:
    """Run `template` with the key's hex in place of {}; scrub the temporaries."""
    hex_key = key.hex()
    statement = template.format(hex_key)
    try:
        conn.execute(statement, params)
    finally:
        for temporary in (statement, hex_key, key):
            scrub_immutable(temporary)
        del statement, hex_key


SPLIT_MARK = "clinical_db"  # vault_meta key written by the migration that split the vault


def split_done(conn: Connection) -> bool:
    """Whether vault.db records that its clinical tables live in clinical.db."""
    has_meta = conn.execute(
        "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'vault_meta'"
    ).fetchone()
    if not has_meta:
        return False
    row = conn.execute("SELECT 1 FROM main.vault_meta WHERE key = ?", (SPLIT_MARK,)).fetchone()
    return row is not None


def _attach_clinical(conn: Connection, path: Path, key: bytes, *, create: bool) -> None:
    """ATTACH clinical.db. A missing one is created only while vault.db still holds the
    clinical tables (before the migration that moves them marks it: `split_done`); after
    that a missing file is a damaged vault, never silently an empty record."""
    if not path.exists():
        if not create and split_done(conn):
            raise VaultCorrupt("the clinical data file is missing")
        _touch_private(path)
    _keyed(conn, f"ATTACH DATABASE ? AS {CLINICAL_SCHEMA} KEY \"x'{{}}'\"", key, str(path))
    conn.execute("SELECT count(*) FROM clinical.sqlite_master").fetchone()


# Below this much free space, a failed write is taken to be a full disk.
FULL_MARGIN_BYTES = 4 * 1024 * 1024


def disk_full(folder: Path) -> bool:
    """Whether the disk holding `folder` is (nearly) full for us."""
    try:
        stat = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs on Windows
        return False
    return stat.f_bavail * stat.f_frsize < FULL_MARGIN_BYTES


def checkpoint(conn: Connection) -> int:
    """A PASSIVE checkpoint: fold what the WAL holds into the main file without waiting
    for any other connection (so it never blocks), fsynced (synchronous = FULL). The
    next commit starts the WAL over from its beginning, overwriting it in place, and
    cuts the file back to JOURNAL_LIMIT_BYTES. Returns the number of WAL frames folded
    (0 when there was nothing to do), over vault.db and clinical.db (issue 17: each has
    its own WAL, and SQLite reports no total when asked for all schemas at once)."""
    schemas = ("main", *([CLINICAL_SCHEMA] if has_clinical(conn) else []))
    if len(schemas) == 2 and any(
        str(conn.execute(f"PRAGMA {schema}.journal_mode").fetchone()[0]).lower() != "wal"
        for schema in schemas
    ):
        # An import's way back to WAL waited out a connection in its way
        # (atomic_transaction): try again now, never waiting.
        _journal_mode(conn, "WAL")
    folded = 0
    for schema in schemas:
        row = conn.execute(f"PRAGMA {schema}.wal_checkpoint(PASSIVE)").fetchone()
        folded += max(int(row[2]), 0) if row else 0
    return folded


def close_db(conn: Connection | None) -> None:
    """Checkpoint the WAL into the main file and close; never raises."""
    if conn is None:
        return
    with contextlib.suppress(Exception):
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    with contextlib.suppress(Exception):
        conn.close()


# SQLite result codes meaning "the disk or folder let us down", not "bad data":
# SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
_STORAGE_CODES = frozenset({8, 10, 13, 14})


def _storage_error(exc: BaseException) -> StorageError | None:
    """A StorageError for a full, failing or read-only disk; None for anything else."""
    if sqlcipher is None or not isinstance(exc, sqlcipher.OperationalError):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None or code & 0xFF not in _STORAGE_CODES:
        return None
    return StorageError(str(getattr(exc, "sqlite_errorname", "")) or type(exc).__name__)


def _rollback(conn: Connection) -> None:
    """Roll back if a transaction is still open (a failed COMMIT may leave one)."""
    if conn.in_transaction:
        with contextlib.suppress(Exception):
            conn.execute("ROLLBACK")


@contextlib.contextmanager
def transaction(conn: Connection) -> Any:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception.

    A full, failing or read-only disk raises StorageError (with its clear message), and
    the connection is left with no open transaction, so the next write can try again.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            _rollback(conn)
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
    except Exception as exc:
        storage = _storage_error(exc)
        if storage is None:
            raise
        raise storage from exc


# How long a switch of journal mode waits for another connection to the vault to go
# (a backup's snapshot holds one for well under a second, a verify's page check longer).
SWITCH_WAIT_SECONDS = 30.0
_SWITCH_POLL_SECONDS = 0.05


# SQLITE_BUSY, SQLITE_LOCKED: another connection holds a lock the switch needs.
_BUSY_CODES = frozenset({5, 6})


def _journal_mode(conn: Connection, mode: str) -> bool:
    """Switch both files to `mode`; False if another connection to the vault kept a file
    in its mode: open (SQLite then answers with the mode it stayed in) or writing (the
    switch waits its busy timeout, then fails as busy)."""
    for schema in ("main", CLINICAL_SCHEMA):
        try:
            got = conn.execute(f"PRAGMA {schema}.journal_mode = {mode}").fetchone()
        except driver().OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF in _BUSY_CODES:
                return False
            raise
        if not got or str(got[0]).lower() != mode.lower():
            return False
    return True


def _switch_journal(conn: Connection, mode: str, wait: float) -> None:
    """`_journal_mode`, tried again until no other connection stands in the way (a
    backup taking its snapshot) or `wait` seconds passed: then VaultBusy."""
    deadline = time.monotonic() + wait
    while not _journal_mode(conn, mode):
        if time.monotonic() >= deadline:
            raise VaultBusy
        time.sleep(_SWITCH_POLL_SECONDS)


@contextlib.contextmanager
def atomic_transaction(conn: Connection) -> Any:
    """A transaction that is all or nothing across vault.db AND clinical.db (issue 17).

    In WAL mode SQLite commits each attached file atomically but not the two together
    (a crash between the two commits keeps one). For the rare write that must never be
    half there (an import), both files switch to a rollback journal for its duration:
    SQLite's super-journal then makes the commit atomic across them. Switching out of
    WAL needs the files to itself: the caller holds the session's lock, and a backup
    taking its snapshot beside it is waited for (up to SWITCH_WAIT_SECONDS, then
    VaultBusy: nothing changed). The vault is back in WAL mode afterwards, also after a
    failure. Without an attached clinical.db this is `transaction`."""
    if not has_clinical(conn):
        with transaction(conn):
            yield conn
        return
    try:
        _switch_journal(conn, "DELETE", SWITCH_WAIT_SECONDS)
        with transaction(conn):
            yield conn
    finally:
        # Back to WAL: a file left in DELETE mode still works, and every open sets WAL
        # again, so a connection in the way for longer than this is not an error.
        with contextlib.suppress(VaultBusy):
            _switch_journal(conn, "WAL", SWITCH_WAIT_SECONDS)
