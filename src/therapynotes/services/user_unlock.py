"""Unlocking with a further login (issue 17 phase B): an assistant's or a supervisor's slot.

Device layer (this computer's secret) → inner layer (Argon2id of their passphrase) → the
private key → their grant → the keys their role may have (never R) → vault.db, with
clinical.db attached only for a supervisor → their own second step. Throttled on its own
attempt log; an unknown name costs the same derivation and fails like a wrong passphrase,
counted for that name. Such a login opens only a vault already at the app's schema.
"""

from __future__ import annotations

from therapynotes.domain.roles import Login
from therapynotes.errors import (
    KeysFileCorrupt,
    OwnerMustUpdate,
    TotpRejected,
    TotpReplayed,
    WrongPassphrase,
)
from therapynotes.security import kdf, keyslots, totp, user_slots
from therapynotes.security.attempts import AttemptLog, user_log_path
from therapynotes.security.keyslots import KeysDocument
from therapynotes.security.secret import Secret
from therapynotes.security.user_slots import UserEntry, name_key
from therapynotes.services.key_file import device_secret, read_keys
from therapynotes.services.session import VaultSession
from therapynotes.services.unlocking import Unlocker
from therapynotes.store import migrations
from therapynotes.store import users as users_store
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import open_db, transaction
from therapynotes.store.instance_lock import InstanceLock


def attempts_for(unlocker: Unlocker, name: str) -> AttemptLog:
    key = name_key(name)
    shown = name.strip()[:80]  # a name tried, kept to audit it at the next unlock
    return AttemptLog(user_log_path(unlocker.paths.root, key), unlocker.clock, login=shown)


class UserUnlocker:
    def __init__(self, owner: Unlocker) -> None:
        self.owner = owner
        self.paths = owner.paths
        self.clock = owner.clock

    def unlock(self, name: str, passphrase: str, code: str) -> VaultSession:
        raw, doc = read_keys(self.paths)
        entry = doc.user(name_key(name))
        attempts = attempts_for(self.owner, entry.name if entry else name)
        attempts.check_allowed()
        if entry is None:
            # The same work as a wrong passphrase, and the same answer.
            kdf.argon2id(passphrase, doc.local.kdf).wipe()
            attempts.record_failure("passphrase")
            raise WrongPassphrase
        lock = InstanceLock(self.paths.lock)
        lock.acquire()
        session: VaultSession | None = None
        try:
            private = self._private_key(doc, entry, passphrase, attempts)
            try:
                session = self._open(raw, doc, entry, private, lock)
                self._check_code(session, entry, private, code, attempts)
            finally:
                private.wipe()
        except BaseException:
            if session is not None:
                session.lock("unlock failed", record=False)
            lock.release()
            raise
        self.owner.record_or_lock(
            session,
            AuditKind.UNLOCK_OK,
            attempts=attempts,
            method="passphrase+code",
            login=entry.name,
        )
        return session

    def _private_key(
        self, doc: KeysDocument, entry: UserEntry, passphrase: str, attempts: AttemptLog
    ) -> Secret:
        device = device_secret(doc)
        try:
            inner = user_slots.open_outer(
                entry, device, vault_id=doc.vault_id, binding=doc.device_binding
            )
        finally:
            device.wipe()
        master = kdf.argon2id(passphrase, entry.kdf)
        kek = user_slots.user_kek(master)
        master.wipe()
        try:
            return user_slots.open_inner(
                inner, kek, name=entry.name, vault_id=doc.vault_id, kdf=entry.kdf
            )
        except WrongPassphrase:
            attempts.record_failure("passphrase")
            raise
        finally:
            kek.wipe()

    def _open(
        self,
        raw: bytes,
        doc: KeysDocument,
        entry: UserEntry,
        private: Secret,
        lock: InstanceLock,
    ) -> VaultSession:
        grant = user_slots.open_grant(entry, private, doc.vault_id)
        try:
            keyslots.verify_mac_shared(raw, grant.keys)
            conn = open_db(self.paths.db, grant.keys)
        except BaseException:
            grant.keys.wipe()
            raise
        session = VaultSession(
            self.paths,
            doc,
            Secret(b""),
            Secret(b""),
            lock,
            conn,
            login=Login(entry.name, entry.role),
            user_keys=grant.keys,
        )
        if migrations.current_version(conn) != migrations.latest_version():
            raise OwnerMustUpdate
        return session

    def _check_code(
        self,
        session: VaultSession,
        entry: UserEntry,
        private: Secret,
        code: str,
        attempts: AttemptLog,
    ) -> None:
        key = name_key(entry.name)
        row = users_store.get(session.conn, key)
        if row is None:  # removed (or an add a kill cut short): not a login any more
            attempts.record_failure("passphrase")
            raise WrongPassphrase
        if row.public_key != entry.public_key or row.role is not entry.role:
            raise KeysFileCorrupt("a login's entry does not match the vault's list of users")
        secret = user_slots.open_user_totp(
            row.totp_sealed, private, name=row.name, vault_id=session.vault_id
        )
        bounded = totp.bounded_step(row.totp_last_step, self.clock())
        try:
            step = totp.TotpCheck(secret, self.clock).verify(code, last_step=bounded)
        except (TotpRejected, TotpReplayed):
            attempts.record_failure("code")
            raise
        with transaction(session.conn):
            users_store.set_last_step(session.conn, key, totp.bounded_step(step, self.clock()))
