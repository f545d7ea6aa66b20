"""Rotate the data key (DEK): re-encrypt the vault under a new random key.

Why: someone who once learned the DEK (an old backup plus the passphrase it was made
with, or the recovery key of that time) can read any later copy of vault.db. After a
rotation the old DEK opens nothing in the vault folder; old backups still open with the
passphrase and recovery key they were made with, and hold the old key (a fresh backup
is the next step).

Order (the file protocol and the rule that settles a crash are in
store/rotation_files.py; docs/security.md "Rotating the data key"):

1. `prepare`: the passphrase re-derives KEK_local (its slot must give this session's
   DEK), and either the recovery key is typed (its slot must give the same DEK; it stays
   the same) or a new one is made, shown to the therapist *before* anything is written.
2. `run`, holding the session's `db_lock` (nothing else uses the connection) and its
   instance lock (no other process has the vault): copy every page into
   vault.db.rotating under a new DEK (SQLite's backup API: page by page, decrypted with
   the old key and encrypted with the new one, never in plaintext on disk), add the audit
   row to the copy, fsync, drop it from the page cache, check it (every page's HMAC,
   SQLite's integrity_check, row counts of every table, schema version).
3. Commit: vault.keys.rotating, slots wrapping the new DEK, written atomically.
4. Switch: close the connection, rename the copy over vault.db and the key file over
   vault.keys, reopen with the new DEK. Any failure before 3 deletes the copy and
   changes nothing; any failure after 3 is finished at the next open.

Two data keys (issue 17): the rotation replaces all three keys (the root key R the
slots wrap, the shared key and the clinical key); clinical.db is copied the same way
into clinical.db.rotating under the new clinical key, checked, and switched first.

Must not import PySide6.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from therapynotes import __version__
from therapynotes.atomic import atomic_write_bytes, fsync_dir
from therapynotes.errors import (
    KeysFileCorrupt,
    StorageError,
    TherapyNotesError,
    VaultCorrupt,
    VaultLocked,
    WrongPassphrase,
    WrongRecoveryKey,
)
from therapynotes.paths import PRIVATE_FILE_MODE
from therapynotes.security import kdf, keyslots, recovery
from therapynotes.security.keyslots import KeysDocument
from therapynotes.security.secret import Secret
from therapynotes.services import owner_totp, users
from therapynotes.services.key_file import device_secret, read_keys
from therapynotes.services.policy import UseCase, require
from therapynotes.services.session import VaultSession
from therapynotes.services.unlocking import Unlocker
from therapynotes.services.vault import VaultService
from therapynotes.store import audit, rotation_files
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import (
    Connection,
    close_db,
    driver,
    has_clinical,
    open_db,
    transaction,
)

Progress = Callable[[str, int, int], None]  # phase ("copy", "check", "switch"), done, total

COPY_STEP_PAGES = 2048  # 8 MiB of 4 KiB pages per step of the backup API, for progress
# The copy is written with a rollback journal: it is a scratch file until committed,
# and leaves no -wal beside it to be mistaken for the vault's.
COPY_PRAGMAS = (
    "PRAGMA secure_delete = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA synchronous = FULL",
)
CHECK_PRAGMAS = ("PRAGMA temp_store = MEMORY", "PRAGMA query_only = ON")


class RecoveryKeyNeeded(TherapyNotesError):
    """Type your recovery key to keep it, or choose to make a new recovery key."""


class RotationCheckFailed(TherapyNotesError):
    """The copy of your records under the new key did not pass its checks, so nothing was
    changed: your vault opens exactly as before. The disk may be failing: make a backup,
    then try again."""


class KeysChangedMeanwhile(TherapyNotesError):
    """The passphrase or recovery key was changed while this was being prepared. Nothing
    was changed by it: start again."""


class RotationUnfinished(TherapyNotesError):
    """The new key is saved, but TherapyNotes could not finish switching your records to
    it (the disk may be failing or read-only). Quit TherapyNotes and open it again: it
    finishes the change when the vault opens. Nothing is lost."""


class BackupInProgress(TherapyNotesError):
    """A backup is running. Wait for it to finish, then change the data key."""


def _no_progress(_phase: str, _done: int, _total: int) -> None:
    return None


@dataclass(eq=False)
class RotationPlan:
    """What `prepare` checked and `run` needs. Holds key material: `close()` wipes it."""

    session: VaultSession
    doc: KeysDocument  # the key file the secrets were checked against
    kek_local: Secret
    recovery_key: Secret
    # The new recovery key as text, to show (and have written down) before `run`;
    # None when the therapist's recovery key stays the same.
    new_recovery_key: str | None

    def close(self) -> None:
        self.kek_local.wipe()
        self.recovery_key.wipe()
        self.new_recovery_key = None

    def __repr__(self) -> str:
        return f"<RotationPlan {'new' if self.new_recovery_key else 'same'} recovery key>"


@dataclass(frozen=True)
class RotationResult:
    seconds: float
    pages: int
    new_recovery_key: bool
    phases: dict[str, float] = field(default_factory=dict)


class KeyRotation:
    def __init__(self, vault: VaultService) -> None:
        self.vault = vault

    # --- 1. check the secrets -----------------------------------------------------

    def prepare(
        self,
        session: VaultSession,
        passphrase: str,
        *,
        recovery_text: str | None = None,
        new_recovery_key: bool = False,
    ) -> RotationPlan:
        """*Slow* (Argon2id). Checks the passphrase and the recovery key against this
        session's DEK; nothing is written. Raises WrongPassphrase, RecoveryKeyTypo,
        WrongRecoveryKey or RecoveryKeyNeeded."""
        require(session, UseCase.ROTATE)
        if not new_recovery_key and not (recovery_text or "").strip():
            raise RecoveryKeyNeeded
        rk = None if new_recovery_key else recovery.parse_recovery_key(recovery_text or "")
        _, doc = read_keys(self.vault.paths)
        unlocker = Unlocker(self.vault.paths, self.vault.clock, self.vault.attempts)
        unlocker.attempts.check_allowed()  # before any key derivation
        device = device_secret(doc)
        master = kdf.argon2id(passphrase, doc.local.kdf)
        kek_local = kdf.kek_local(master, device.reveal())
        master.wipe()
        device.wipe()
        try:
            # The same throttle, attempt log and audit as an unlock (issue 12).
            unlocker.check_while_open(
                session, lambda: self._check_slots_open(session, doc, kek_local, rk)
            )
            text: str | None = None
            if rk is None:
                rk = recovery.new_recovery_key()
                text = recovery.format_recovery_key(rk)
        except BaseException:
            kek_local.wipe()
            if rk is not None:
                rk.wipe()
            raise
        return RotationPlan(session, doc, kek_local, rk, text)

    def _check_slots_open(
        self, session: VaultSession, doc: KeysDocument, kek_local: Secret, rk: Secret | None
    ) -> None:
        self._same_dek(session, doc, keyslots.open_local(doc, kek_local))
        if rk is not None:
            kek_rk = kdf.kek_recovery(rk, doc.recovery.salt)
            try:
                self._same_dek(session, doc, keyslots.open_recovery(doc, kek_rk))
            finally:
                kek_rk.wipe()

    @staticmethod
    def _same_dek(session: VaultSession, doc: KeysDocument, dek: Secret) -> None:
        with session.db_lock:
            if not session.is_open:
                dek.wipe()
                raise VaultLocked
            same = dek == session.dek and doc == session.doc
        dek.wipe()
        if not same:
            raise KeysFileCorrupt("the key file changed while the vault was open")

    # --- 2-4. copy, check, commit, switch -------------------------------------------

    def run(self, plan: RotationPlan, *, progress: Progress = _no_progress) -> RotationResult:
        """*Slow*: the rotation itself (module docstring). The session carries on with the
        new key. Raises StorageError (full disk), RotationCheckFailed or VaultLocked with
        nothing changed, or RotationUnfinished (session locked; finished at next open)."""
        session = plan.session
        started = time.perf_counter()
        phases: dict[str, float] = {}
        with session.db_lock:
            if not session.is_open:
                raise VaultLocked
            doc = self._current_doc(session)
            if doc != plan.doc:
                raise KeysChangedMeanwhile
            new_dek = Secret(os.urandom(keyslots.DEK_LEN))
            new_keys = keyslots.new_bundle()
            try:
                pages = self._stage(plan, new_keys, progress, phases, new_root=new_dek)
                new_doc = self._new_doc(doc, plan, new_dek, new_keys)
                new_doc = users.regranted(session, new_doc, new_keys)
                _check_slots(new_doc, plan, new_dek)
            except BaseException:
                rotation_files.remove_quietly(session.paths)
                new_dek.wipe()
                new_keys.wipe()
                raise
            self._commit(session, new_doc, new_dek)
            mark = time.perf_counter()
            self._switch(session, new_doc, new_dek, new_keys, progress)
            phases["switch"] = time.perf_counter() - mark
        return RotationResult(
            seconds=time.perf_counter() - started,
            pages=pages,
            new_recovery_key=plan.new_recovery_key is not None,
            phases=phases,
        )

    def rotate(
        self,
        session: VaultSession,
        passphrase: str,
        *,
        recovery_text: str,
        progress: Progress = _no_progress,
    ) -> RotationResult:
        """prepare + run, keeping the recovery key."""
        plan = self.prepare(session, passphrase, recovery_text=recovery_text)
        try:
            return self.run(plan, progress=progress)
        finally:
            plan.close()

    def _current_doc(self, session: VaultSession) -> KeysDocument:
        """vault.keys as on disk: it must be the session's, authenticated by its DEK, and
        no committed rotation may be pending (the open-time rule finished any)."""
        paths = session.paths
        if rotation_files.staged_keys(paths).exists():
            raise KeysFileCorrupt("an earlier change of the data key is not finished")
        try:
            raw = paths.keys.read_bytes()
        except OSError as exc:
            raise StorageError(type(exc).__name__) from exc
        doc = keyslots.decode(raw)
        keyslots.verify_mac(raw, session.dek)
        if doc != session.doc:
            raise KeysFileCorrupt("the key file changed while the vault was open")
        rotation_files.discard(paths)  # a copy left by a failed attempt
        return doc

    def _stage(
        self,
        plan: RotationPlan,
        new_keys: Secret,
        progress: Progress,
        phases: dict[str, float],
        *,
        new_root: Secret,
    ) -> int:
        """Copy, record, sync and check vault.db.rotating (and clinical.db.rotating);
        returns the page count. `new_keys` is the new shared ‖ clinical pair; what vault.db
        seals under R (the owner's second step, the users' restore material) is re-sealed
        under `new_root` in the copy (issue 17 phase B)."""
        session = plan.session
        source = session.conn
        paths = session.paths
        shared, clinical = keyslots.shared_key(new_keys), keyslots.clinical_key(new_keys)
        if clinical is None:
            raise RotationCheckFailed("new data keys")
        copies = [("main", rotation_files.staged_db(paths), shared)]
        if has_clinical(source):
            copies.append(("clinical", rotation_files.staged_clinical(paths), clinical))
        try:
            expected = {schema: _table_counts(source, schema) for schema, _, _ in copies}
            expected["main"]["audit_log"] += 1
            version = _user_version(source)
            mark = time.perf_counter()
            pages = 0
            for schema, target, key in copies:
                pages += _copy(source, target, key, progress, schema=schema)
            copy = _open_copy(copies[0][1], shared, COPY_PRAGMAS)
            try:
                with transaction(copy):
                    owner_totp.reseal(copy, session.dek, new_root, session.vault_id)
                    users.reseal_rows(copy, session.dek, new_root, session.vault_id)
                    audit.append(
                        copy,
                        AuditKind.DATA_KEY_ROTATED,
                        detail={
                            "recovery_key": "new" if plan.new_recovery_key else "kept",
                            "pages": pages,
                        },
                    )
            finally:
                copy.close()
            for _, target, _ in copies:
                _sync_and_forget(target)
            phases["copy"] = time.perf_counter() - mark
            mark = time.perf_counter()
            progress("check", 0, 1)
            for schema, target, key in copies:
                _check(target, key, expected[schema], version if schema == "main" else None)
            progress("check", 1, 1)
            phases["check"] = time.perf_counter() - mark
        finally:
            shared.wipe()
            clinical.wipe()
        return pages

    @staticmethod
    def _new_doc(
        doc: KeysDocument, plan: RotationPlan, new_dek: Secret, new_keys: Secret
    ) -> KeysDocument:
        """Both slots wrap the new DEK (R), and the new data keys are sealed under it. The
        local slot keeps its Argon2id parameters and salt (the passphrase and device
        binding are unchanged), under a fresh nonce."""
        local = keyslots.seal_local(
            dek=new_dek,
            kek=plan.kek_local,
            kdf=doc.local.kdf,
            vault_id=doc.vault_id,
            binding=doc.device_binding,
        )
        salt = kdf.new_salt()
        kek_rk = kdf.kek_recovery(plan.recovery_key, salt)
        try:
            rec = keyslots.seal_recovery(dek=new_dek, kek=kek_rk, salt=salt, vault_id=doc.vault_id)
        finally:
            kek_rk.wipe()
        data = keyslots.seal_data_keys(root=new_dek, bundle=new_keys, vault_id=doc.vault_id)
        return dataclasses.replace(
            doc, local=local, recovery=rec, data_keys=data, app_version=__version__
        )

    @staticmethod
    def _commit(session: VaultSession, new_doc: KeysDocument, new_dek: Secret) -> None:
        """Write vault.keys.rotating: the commit point. A failure that leaves no such file
        undoes everything; once the file exists, the rotation goes forward."""
        target = rotation_files.staged_keys(session.paths)
        try:
            atomic_write_bytes(target, keyslots.encode(new_doc, new_dek))
        except BaseException:
            if target.exists():
                return  # renamed into place, then a later sync failed: go forward
            rotation_files.remove_quietly(session.paths)
            new_dek.wipe()
            raise

    @staticmethod
    def _switch(
        session: VaultSession,
        new_doc: KeysDocument,
        new_dek: Secret,
        new_keys: Secret,
        progress: Progress,
    ) -> None:
        progress("switch", 0, 1)
        try:
            session.close_database()
            rotation_files.switch(session.paths)
            conn = open_db(session.paths.db, new_keys)
        except BaseException as exc:
            new_dek.wipe()
            new_keys.wipe()
            session.lock("data key rotation unfinished", record=False)
            raise RotationUnfinished(type(exc).__name__) from exc
        new_keys.wipe()
        session.adopt(conn, new_dek, new_doc)
        progress("switch", 1, 1)


# --- the copy and its checks ---------------------------------------------------------


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_counts(conn: Connection, schema: str = "main") -> dict[str, int]:
    """Rows of every b-tree table of `schema` (records, audit log, settings, FTS shadow
    tables)."""
    names = [
        str(r[0])
        for r in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master"  # noqa: S608
            " WHERE type = 'table' AND rootpage > 0"
        )
    ]
    return {
        name: int(
            conn.execute(f"SELECT count(*) FROM {schema}.{_quoted(name)}").fetchone()[0]  # noqa: S608
        )
        for name in names
    }


def _user_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _check_slots(doc: KeysDocument, plan: RotationPlan, new_dek: Secret) -> None:
    """Before the commit: both new slots give the new DEK back, and the key file's MAC
    holds, so a key file that opens nothing can never be committed."""
    kek_rk = kdf.kek_recovery(plan.recovery_key, doc.recovery.salt)
    try:
        for dek in (keyslots.open_local(doc, plan.kek_local), keyslots.open_recovery(doc, kek_rk)):
            same = dek == new_dek
            dek.wipe()
            if not same:
                raise RotationCheckFailed("new key slots")
        keyslots.verify_mac(keyslots.encode(doc, new_dek), new_dek)
    except (WrongPassphrase, WrongRecoveryKey, KeysFileCorrupt) as exc:
        raise RotationCheckFailed("new key slots") from exc
    finally:
        kek_rk.wipe()


def _open_copy(path: Path, dek: Secret, pragmas: tuple[str, ...], *, create: bool = False) -> Any:
    """A connection to the copy; a copy that does not open is a failed check, not a
    damaged vault."""
    try:
        return open_db(path, dek, create=create, pragmas=pragmas)
    except VaultCorrupt as exc:
        raise RotationCheckFailed("copy does not open") from exc


def _create_private(path: Path) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except OSError as exc:
        raise StorageError(type(exc).__name__) from exc
    os.close(fd)


def _copy(
    source: Connection, target: Path, new_dek: Secret, progress: Progress, *, schema: str = "main"
) -> int:
    """Every page of `source`'s `schema` into the new file `target`, keyed with `new_dek`
    (one 32-byte key: the copy is opened alone)."""
    _create_private(target)
    dest = _open_copy(target, new_dek, COPY_PRAGMAS, create=True)
    total = int(source.execute(f"PRAGMA {schema}.page_count").fetchone()[0])
    progress("copy", 0, total)

    def step(_status: int, remaining: int, pages: int) -> None:
        progress("copy", pages - remaining, pages)

    try:
        source.backup(dest, pages=COPY_STEP_PAGES, progress=step, name=schema)
        # The copied header says WAL (as the vault is); the copy uses a rollback journal
        # until it becomes vault.db (open_db turns WAL on again then).
        dest.execute("PRAGMA journal_mode = DELETE").fetchall()
        pages = int(dest.execute("PRAGMA page_count").fetchone()[0])
    except driver().OperationalError as exc:
        raise StorageError(str(getattr(exc, "sqlite_errorname", "")) or "copy failed") from exc
    finally:
        close_db(dest)
    progress("copy", total, total)
    return pages


def _sync_and_forget(path: Path) -> None:
    """fsync the copy and its folder, then drop its cached pages so the check reads
    what the disk holds (as backups do; Linux only)."""
    for side in rotation_files.SIDE_SUFFIXES:
        if Path(f"{path}{side}").exists():
            raise RotationCheckFailed(f"copy left a {side} file")
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            if hasattr(os, "posix_fadvise"):
                with contextlib.suppress(OSError):
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        fsync_dir(path.parent)
    except OSError as exc:
        raise StorageError(type(exc).__name__) from exc


def _check(path: Path, dek: Secret, expected: dict[str, int], version: int | None) -> None:
    conn = _open_copy(path, dek, CHECK_PRAGMAS)
    try:
        if conn.execute("PRAGMA cipher_integrity_check").fetchall():
            raise RotationCheckFailed("page check")
        if [str(r[0]) for r in conn.execute("PRAGMA integrity_check")] != ["ok"]:
            raise RotationCheckFailed("structure")
        if _table_counts(conn) != expected:
            raise RotationCheckFailed("row counts")
        if version is not None and _user_version(conn) != version:
            raise RotationCheckFailed("schema version")
    except driver().DatabaseError as exc:
        raise RotationCheckFailed(type(exc).__name__) from exc
    finally:
        close_db(conn)
