"""The files of a data-key rotation, and the rule that settles one a crash interrupted.

A rotation never rewrites `vault.db` in place. It writes, beside it:

- `vault.db.rotating`: a complete copy of the database under the new data key (DEK),
  written, fsynced and checked before anything else happens;
- `clinical.db.rotating` (issue 17): the same for clinical.db, under the new clinical key;
- `vault.keys.rotating`: a key file (the vault.keys format) whose slots wrap the new DEK,
  written atomically. **Its existence is the commit point**: from then on the rotation
  is finished forward, never undone.

Then the switch: for clinical.db and then vault.db, delete the old `-wal`/`-shm` (the
copy already holds every committed frame) and rename the copy over the file; rename
`vault.keys.rotating` over `vault.keys`, each followed by an fsync of the folder.

The rule at open time (`settle_locked`, run with the vault's instance lock held, before
vault.keys is read), from which files exist:

| vault.keys.rotating | vault.db.rotating | state | action |
|---|---|---|---|
| absent | absent | no rotation | nothing |
| absent | present | not committed | delete the copy: old key, old file |
| present | present | committed, not switched | switch (the renames left) |
| present | absent | committed, database switched | rename the key file |

(`clinical.db.rotating` follows `vault.db.rotating`: deleted with it before the commit,
renamed before it after; the switch renames only what is still there.)

Every step is durable (fsync) before the next starts, so after a crash or power cut the
folder is in one of these four states; each has exactly one action, and none needs a key.

Must not import PySide6 or services.
"""

from __future__ import annotations

import contextlib
import os
from enum import StrEnum
from pathlib import Path

from therapynotes.atomic import TEMP_SUFFIX, fsync_dir
from therapynotes.errors import KeysFileCorrupt, StorageError, VaultInUse
from therapynotes.paths import VaultPaths
from therapynotes.security import keyslots
from therapynotes.store.instance_lock import InstanceLock

STAGED_DB = "vault.db.rotating"
STAGED_CLINICAL = "clinical.db.rotating"
STAGED_KEYS = "vault.keys.rotating"
SIDE_SUFFIXES = ("-journal", "-wal", "-shm")


class Settled(StrEnum):
    NOTHING = "nothing"
    DISCARDED = "discarded"  # an uncommitted copy was deleted; the old key still opens
    FINISHED = "finished"  # a committed rotation was switched over; the new key opens


def staged_db(paths: VaultPaths) -> Path:
    return paths.root / STAGED_DB


def staged_clinical(paths: VaultPaths) -> Path:
    return paths.root / STAGED_CLINICAL


def staged_keys(paths: VaultPaths) -> Path:
    return paths.root / STAGED_KEYS


def _side_files(db: Path) -> list[Path]:
    return [Path(f"{db}{suffix}") for suffix in SIDE_SUFFIXES]


def _half_written_keys(paths: VaultPaths) -> list[Path]:
    """Temp files of an atomic write of vault.keys.rotating that a crash cut short
    (atomic.py names them `.vault.keys.rotating.<random>.partial`; never read)."""
    return sorted(paths.root.glob(f".{STAGED_KEYS}.*{TEMP_SUFFIX}"))


def pending(paths: VaultPaths) -> bool:
    """Whether any file of an unfinished rotation is in the folder (cheap: a few stats)."""
    copies = (staged_db(paths), staged_clinical(paths))
    files = (staged_keys(paths), *copies, *(s for c in copies for s in _side_files(c)))
    return any(p.exists() for p in files) or bool(_half_written_keys(paths))


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StorageError(type(exc).__name__) from exc
    return True


def _replace(src: Path, dest: Path) -> None:
    try:
        os.replace(src, dest)
    except OSError as exc:
        raise StorageError(type(exc).__name__) from exc
    _fsync_dir(dest.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fsync_dir(folder)
    except OSError as exc:
        raise StorageError(type(exc).__name__) from exc


def discard(paths: VaultPaths) -> bool:
    """Delete an uncommitted copy, its side files and half-written key files. Never call it once
    vault.keys.rotating exists (see `settle_locked`). True if something was deleted."""
    copies = (staged_db(paths), staged_clinical(paths))
    removed = [
        _unlink(p)
        for p in (
            *copies,
            *(s for c in copies for s in _side_files(c)),
            *_half_written_keys(paths),
        )
    ]
    if any(removed):
        _fsync_dir(paths.root)
    return any(removed)


def _read(path: Path) -> keyslots.KeysDocument | None:
    try:
        return keyslots.decode(path.read_bytes())
    except KeysFileCorrupt:
        return None
    except OSError as exc:
        raise StorageError(type(exc).__name__) from exc


def _commit_record_readable(paths: VaultPaths) -> bool:
    """vault.keys.rotating parses, passes its checksum and (when vault.keys is readable)
    names the same vault."""
    new = _read(staged_keys(paths))
    if new is None:
        return False
    current = _read(paths.keys) if paths.keys.exists() else None
    return current is None or current.vault_id == new.vault_id


def switch(paths: VaultPaths) -> None:
    """Finish a committed rotation: the copy becomes vault.db, then its key file becomes
    vault.keys. Idempotent: each step checks what is already done. No connection to
    vault.db may be open (the caller holds the instance lock and closed its own)."""
    pairs = ((staged_clinical(paths), paths.clinical), (staged_db(paths), paths.db))
    for copy, db in pairs:
        if copy.exists():
            # The old database's -wal holds nothing the copy lacks; left beside the new
            # file it would be replayed into it, so it goes first.
            for side in (Path(f"{db}-wal"), Path(f"{db}-shm")):
                _unlink(side)
            _fsync_dir(paths.root)
            _replace(copy, db)
    _replace(staged_keys(paths), paths.keys)
    for copy, _ in pairs:
        for leftover in _side_files(copy):
            _unlink(leftover)
    for leftover in _half_written_keys(paths):
        _unlink(leftover)


def settle_locked(paths: VaultPaths) -> Settled:
    """Apply the open-time rule (module docstring). The caller holds the instance lock."""
    if not staged_keys(paths).exists():
        return Settled.DISCARDED if discard(paths) else Settled.NOTHING
    if not _commit_record_readable(paths):
        if not staged_db(paths).exists():
            # The database is already the new one and its only key file is damaged:
            # the same situation as a damaged vault.keys (restore from a backup).
            raise KeysFileCorrupt("the new key file of a data-key rotation")
        # A commit record damaged on disk: the old pair is intact, so fall back to it.
        _unlink(staged_keys(paths))
        _fsync_dir(paths.root)
        discard(paths)
        return Settled.DISCARDED
    switch(paths)
    return Settled.FINISHED


def finish_interrupted(paths: VaultPaths) -> Settled:
    """Before vault.keys is read: settle a rotation a crash interrupted. Only with the
    instance lock: while another process holds it, that process owns the files (it may
    be rotating right now) and nothing is touched."""
    if not pending(paths):
        return Settled.NOTHING
    lock = InstanceLock(paths.lock)
    try:
        lock.acquire()
    except VaultInUse:
        return Settled.NOTHING
    try:
        return settle_locked(paths)
    finally:
        lock.release()


def remove_quietly(paths: VaultPaths) -> None:
    """Best-effort cleanup after a failed, uncommitted rotation (the open-time rule
    deletes whatever this leaves)."""
    with contextlib.suppress(Exception):
        if not staged_keys(paths).exists():
            discard(paths)
