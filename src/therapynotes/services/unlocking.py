"""Opening a vault: unwrapping the data key from a slot, checking the second step, and
auditing the unlock (with the failed attempts made while it was locked).

Every failed factor is counted in the attempt log; no record is readable through a
session until all factors passed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from therapynotes.atomic import atomic_write_bytes
from therapynotes.domain.roles import DEFAULT_OWNER_NAME, Login, Role
from therapynotes.errors import (
    DiskFull,
    KeysFileCorrupt,
    StorageError,
    TherapyNotesError,
    TotpRejected,
    TotpReplayed,
    WrongPassphrase,
    WrongRecoveryKey,
)
from therapynotes.paths import VaultPaths
from therapynotes.security import kdf, keyslots, totp
from therapynotes.security.attempts import AttemptLog, audit_detail, stored_login, user_logs
from therapynotes.security.keyslots import KeysDocument
from therapynotes.security.secret import Secret
from therapynotes.services import owner_totp
from therapynotes.services.key_file import device_secret, read_keys
from therapynotes.services.session import VaultSession
from therapynotes.store import audit, migrations
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection, disk_full, open_db, transaction
from therapynotes.store.instance_lock import InstanceLock

T = TypeVar("T")


def keys_before_split(paths: VaultPaths) -> Path:
    """The format-1 key file, kept while its format-2 successor is written and checked."""
    return paths.root / "vault.keys.format1"


def split_keys(session: VaultSession) -> None:
    """Format 1 -> 2: a new random clinical key joins R (which stays the shared key, so
    vault.db is not re-encrypted), wrapped under R in `data_keys`; the slots stay byte
    for byte. The old file is kept beside until the new one reads back and verifies;
    then the session reopens with both keys (clinical.db is created empty, and filled
    by the schema-13 migration)."""
    paths, doc, root = session.paths, session.doc, session.dek
    raw_old = paths.keys.read_bytes()
    atomic_write_bytes(keys_before_split(paths), raw_old)
    bundle = Secret(root.reveal() + os.urandom(keyslots.SHARED_LEN))
    try:
        new_doc = dataclasses.replace(
            doc,
            data_keys=keyslots.seal_data_keys(root=root, bundle=bundle, vault_id=doc.vault_id),
        )
        atomic_write_bytes(paths.keys, keyslots.encode(new_doc, root))
        raw_new = paths.keys.read_bytes()
        keyslots.verify_mac(raw_new, root)
        check = keyslots.data_keys(keyslots.decode(raw_new), root)
        same = check == bundle
        check.wipe()
        if not same or keyslots.decode(raw_new) != new_doc:
            atomic_write_bytes(paths.keys, raw_old)
            raise KeysFileCorrupt("the new key file did not read back")
        with session.db_lock:
            session.close_database()
            session.adopt(open_db(paths.db, bundle), Secret(root.reveal()), new_doc)
    finally:
        bundle.wipe()


class Unlocker:
    def __init__(self, paths: VaultPaths, clock: totp.Clock, attempts: AttemptLog) -> None:
        self.paths = paths
        self.clock = clock
        self.attempts = attempts
        # How long the last passphrase derivation took (services/key_changes.strengthen).
        self.kdf_timer: kdf.Timer = time.perf_counter
        self.last_kdf_seconds: float | None = None

    def unlock(
        self, passphrase: str, code: str, progress: migrations.Progress | None = None
    ) -> VaultSession:
        """Passphrase (+ device secret) unwraps the DEK; then the TOTP code is checked.

        No record is readable through the returned session until both passed. A full
        disk is reported as DiskFull (free space, try again), never as a damaged vault.
        `progress` hears of each step of a schema upgrade (none on an ordinary unlock).
        """
        try:
            return self._unlock(passphrase, code, progress)
        except StorageError as exc:
            if isinstance(exc, DiskFull) or not disk_full(self.paths.root):
                raise
            raise DiskFull from exc

    def _unlock(
        self, passphrase: str, code: str, progress: migrations.Progress | None
    ) -> VaultSession:
        raw, doc = read_keys(self.paths)
        self.attempts.check_allowed()
        lock = InstanceLock(self.paths.lock)
        lock.acquire()
        session: VaultSession | None = None
        try:
            dek, kek_backup = self.unwrap_local(raw, doc, passphrase)
            session = self.open_session(doc, dek, kek_backup, lock)
            try:
                self.check_totp(session, code)
            except (TotpRejected, TotpReplayed):
                self.attempts.record_failure("code")
                raise
            self.prepare_schema(session, progress)
        except BaseException:
            if session is not None:
                session.lock("unlock failed", record=False)
            lock.release()
            raise
        self.record_or_lock(session, AuditKind.UNLOCK_OK, method="passphrase+code")
        return session

    def unwrap_local(self, raw: bytes, doc: KeysDocument, passphrase: str) -> tuple[Secret, Secret]:
        """(DEK, KEK_backup) from the passphrase and device secret; wipes what it derives."""
        device = device_secret(doc)
        master, self.last_kdf_seconds = kdf.timed_argon2id(
            passphrase, doc.local.kdf, self.kdf_timer
        )
        kek = kdf.kek_local(master, device.reveal())
        device.wipe()
        try:
            dek = keyslots.open_local(doc, kek)
        except WrongPassphrase:
            master.wipe()
            self.attempts.record_failure("passphrase")
            raise
        finally:
            kek.wipe()
        try:
            keyslots.verify_mac(raw, dek)
            return dek, kdf.kek_backup(master)
        except BaseException:
            dek.wipe()
            raise
        finally:
            master.wipe()

    def unwrap_recovery(self, raw: bytes, doc: KeysDocument, rk: Secret) -> Secret:
        kek = kdf.kek_recovery(rk, doc.recovery.salt)
        rk.wipe()
        try:
            dek = keyslots.open_recovery(doc, kek)
        except WrongRecoveryKey:
            self.attempts.record_failure("recovery key")
            raise
        finally:
            kek.wipe()
        keyslots.verify_mac(raw, dek)
        return dek

    def record_or_lock(
        self,
        session: VaultSession,
        kind: AuditKind,
        *,
        attempts: AttemptLog | None = None,
        **detail: object,
    ) -> None:
        """Audit the unlock; if that cannot be written (a full disk), the vault does not
        stay open unaudited: it is locked again and the error is shown."""
        try:
            self.record_unlock(session, kind, attempts=attempts, **detail)
        except BaseException:
            session.lock("unlock not recorded", record=False)
            raise

    def record_unlock(
        self,
        session: VaultSession,
        kind: AuditKind,
        *,
        attempts: AttemptLog | None = None,
        **detail: object,
    ) -> None:
        """Write the failed attempts made while locked, then this unlock, to the audit log:
        this login's (its count starts again) and, naming the login tried, every other
        login's (issue 17 phase B: their counts and waits stay)."""
        own = attempts or self.attempts
        failed = own.record_success()
        session.failed_attempts = failed
        login = own.login or session.doc.owner_name
        others = self._other_failures(own)
        with transaction(session.conn):
            self._append_failures(session.conn, [(login, e) for e in failed])
            self._append_failures(session.conn, others)
            audit.append(session.conn, kind, detail=detail)

    def _other_failures(self, own: AttemptLog) -> list[tuple[str, dict[str, object]]]:
        logs = [
            AttemptLog(p, self.clock, login=stored_login(p)) for p in user_logs(self.paths.root)
        ]
        logs = [log for log in logs if log.path != own.path]
        if own.path != self.attempts.path:
            logs.append(self.attempts)
        found: list[tuple[str, dict[str, object]]] = []
        for log in logs:
            name = log.login or self._owner_name()
            found.extend((name, e) for e in log.drain_events())
        return found

    def _owner_name(self) -> str:
        try:
            return read_keys(self.paths)[1].owner_name
        except TherapyNotesError:
            return DEFAULT_OWNER_NAME

    def _append_failures(
        self, conn: Connection, failed: list[tuple[str, dict[str, object]]]
    ) -> None:
        now = self.clock()
        for login, event in failed:
            at, factor = audit_detail(event, now)
            when = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            audit.append(
                conn,
                AuditKind.UNLOCK_FAILED,
                detail={"factor": factor, "login": login},
                at=when,
            )

    def check_while_open(self, session: VaultSession, check: Callable[[], T]) -> T:
        """A secret checked while the vault is open (passphrase change, data-key rotation,
        second-step reset) goes through the same gate as an unlock: refused while a wait
        is in force, a wrong passphrase or recovery key is counted (and audited at the
        next success), a success resets the count and audits the failures before it."""
        self.attempts.check_allowed()
        try:
            result = check()
        except WrongPassphrase:
            self.attempts.record_failure("passphrase")
            raise
        except WrongRecoveryKey:
            self.attempts.record_failure("recovery key")
            raise
        self.audit_failures(session)
        return result

    def audit_failures(self, session: VaultSession) -> None:
        """After a secret passed while open: reset the count, audit the failures."""
        failed = self.attempts.record_success()
        if failed:
            login = session.doc.owner_name
            with session.db_lock, transaction(session.conn):
                self._append_failures(session.conn, [(login, e) for e in failed])

    def open_session(
        self, doc: KeysDocument, dek: Secret, kek_backup: Secret, lock: InstanceLock
    ) -> VaultSession:
        bundle = keyslots.data_keys(doc, dek)
        try:
            conn = open_db(self.paths.db, bundle)
        finally:
            bundle.wipe()
        # The owner's session, under the owner's login name (issue 17 phase B).
        owner = Login(doc.owner_name, Role.OWNER)
        return VaultSession(self.paths, doc, dek, kek_backup, lock, conn, login=owner)

    def prepare_schema(
        self, session: VaultSession, progress: migrations.Progress | None = None
    ) -> None:
        """After every factor passed: give a format-1 vault its clinical key (issue 17),
        then run the schema migrations (m0013 moves the clinical tables under it),
        reporting each step applied to `progress`."""
        upgraded = session.doc.data_keys is None
        if upgraded:
            split_keys(session)
        migrations.migrate(session.conn, progress=progress)
        if upgraded:  # after the migrations: a schema-1 vault has no audit log before
            with transaction(session.conn):
                audit.append(session.conn, AuditKind.CLINICAL_KEY_ADDED, detail={"format": 2})
        with contextlib.suppress(OSError):
            keys_before_split(self.paths).unlink()

    def _is_unlock_code(self, session: VaultSession, secret: str, code: str) -> bool:
        """`code` is the one that unlocked this session, and still current."""
        step = session.unlock_step
        now_step = int(self.clock()) // totp.STEP_SECONDS
        if step is None or abs(now_step - step) > totp.WINDOW:
            return False
        return totp.normalize_code(code) == totp.code_at_step(secret, step)

    def check_totp(self, session: VaultSession, code: str) -> None:
        """The owner's code (also checked while open: adding or removing a user)."""
        secret, stored = owner_totp.read(session.conn, session.dek, session.vault_id)
        check = totp.TotpCheck(secret, self.clock)
        bounded = totp.bounded_step(stored, self.clock())
        if bounded != stored:  # written by a clock that ran ahead: bound it to the present
            with transaction(session.conn):
                session.conn.execute("UPDATE totp SET last_step = ? WHERE id = 1", (bounded,))
        try:
            step = check.verify(code, last_step=bounded)
        except TotpReplayed:
            if not self._is_unlock_code(session, secret, code):
                raise
            return
        session.unlock_step = step
        with transaction(session.conn):
            session.conn.execute(
                "UPDATE totp SET last_step = ? WHERE id = 1",
                (totp.bounded_step(step, self.clock()),),
            )
