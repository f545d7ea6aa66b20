"""Key changes: a new passphrase, recovery (re-binding this device), a new recovery key,
a new second-step (TOTP) enrolment, and a stronger key derivation for the passphrase
slot after an unlock that ran well under its time target (issue 18).

Only the key slots change; the database is not re-encrypted (that is services/rotation.py).
The order of every multi-step change is chosen so that a crash at any point leaves the
vault openable: vault.keys is replaced atomically and is always the last write; a new
device secret goes into a *new* keyring entry before vault.keys points at it, and the
old entry is deleted only afterwards.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from therapynotes.errors import KeysFileCorrupt, TherapyNotesError
from therapynotes.paths import VaultPaths
from therapynotes.security import device_key, kdf, keyslots, recovery, totp
from therapynotes.security.keyslots import BINDING_KEYRING, KeysDocument
from therapynotes.security.passphrase import require_acceptable
from therapynotes.security.secret import Secret
from therapynotes.services import owner_totp
from therapynotes.services.key_file import (
    bind_device,
    device_secret,
    now_iso,
    read_keys,
    replace_doc,
    seal_local,
    write_keys,
    write_keys_verified,
)
from therapynotes.services.policy import UseCase, require
from therapynotes.services.session import VaultSession
from therapynotes.services.unlocking import Unlocker
from therapynotes.store import audit, migrations
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import transaction
from therapynotes.store.instance_lock import InstanceLock


@dataclass(frozen=True)
class CreatedTotp:
    """A new authenticator enrolment, shown once."""

    totp_uri: str
    totp_secret: str


class KeyChanges:
    def __init__(self, paths: VaultPaths, clock: totp.Clock, unlocker: Unlocker) -> None:
        self.paths = paths
        self.clock = clock
        self.unlocker = unlocker
        self.attempts = unlocker.attempts

    def change_passphrase(self, session: VaultSession, old: str, new: str) -> None:
        """Rewrite only the local slot (the database is not re-encrypted).

        Old backups still open with the old passphrase.
        """
        require(session, UseCase.KEYS)
        require_acceptable(new)
        doc = session.doc
        device = device_secret(doc)
        try:
            self.unlocker.check_while_open(session, lambda: _check_local(doc, old, device))
            params = kdf.calibrate()
            local = seal_local(
                session.dek,
                passphrase=new,
                device=device,
                params=params,
                vault_id=doc.vault_id,
                binding=doc.device_binding,
            )
        finally:
            device.wipe()
        new_doc = replace_doc(doc, local=local)
        write_keys(self.paths, new_doc, session.dek)
        master = kdf.argon2id(new, params)
        session.kek_backup.wipe()
        session.kek_backup = kdf.kek_backup(master)
        master.wipe()
        session.doc = new_doc
        session.record(AuditKind.PASSPHRASE_CHANGED)

    def strengthen(self, session: VaultSession, passphrase: str, elapsed: float) -> bool:
        """After an unlock whose key derivation took `elapsed` seconds: if that ran well
        under the target (kdf.stronger), re-wrap the passphrase slot with stronger
        parameters, quietly. vault.keys is replaced only once the new file reads back and
        opens (key_file.write_keys_verified), so a kill or a full disk at any point leaves
        a vault that opens with the same passphrase; a failure here never fails the
        unlock. Audited with the old and new parameters. True if the slot was re-wrapped.
        """
        doc = session.doc
        params = kdf.stronger(doc.local.kdf, elapsed)
        if params is None:
            return False
        device = master = kek = None
        try:
            device = device_secret(doc)
            master = kdf.argon2id(passphrase, params)
            kek = kdf.kek_local(master, device.reveal())
            local = keyslots.seal_local(
                dek=session.dek,
                kek=kek,
                kdf=params,
                vault_id=doc.vault_id,
                binding=doc.device_binding,
            )
            new_doc = replace_doc(doc, local=local)
            write_keys_verified(self.paths, new_doc, session.dek, kek)
            kek_backup = kdf.kek_backup(master)
        except TherapyNotesError:
            return False  # the old slot is still in place: the next fast unlock tries again
        finally:
            for secret in (device, master, kek):
                if secret is not None:
                    secret.wipe()
        session.kek_backup.wipe()
        session.kek_backup = kek_backup
        session.doc = new_doc
        old = doc.local.kdf
        with contextlib.suppress(TherapyNotesError):  # a full disk: the unlock still stands
            session.record(
                AuditKind.KDF_STRENGTHENED,
                was=f"m={old.m_kib} KiB t={old.t} p={old.p}",
                now=f"m={params.m_kib} KiB t={params.t} p={params.p}",
                unlock_ms=round(elapsed * 1000),
            )
        return True

    def recover(
        self,
        recovery_text: str,
        new_passphrase: str,
        *,
        passphrase_only: bool = False,
        progress: migrations.Progress | None = None,
    ) -> VaultSession:
        """Unlock with the recovery key, set a new passphrase, re-bind this device."""
        rk = recovery.parse_recovery_key(recovery_text)  # a typo fails here, before any KDF
        require_acceptable(new_passphrase)
        raw, doc = read_keys(self.paths)
        self.attempts.check_allowed()
        lock = InstanceLock(self.paths.lock)
        lock.acquire()
        try:
            dek = self.unlocker.unwrap_recovery(raw, doc, rk)
            session = self.unlocker.open_session(doc, dek, Secret(b""), lock)
            self._rebind(session, new_passphrase, passphrase_only)
            self.unlocker.prepare_schema(session, progress)
        except BaseException:
            lock.release()
            raise
        self.unlocker.record_or_lock(
            session, AuditKind.RECOVERY_USED, binding=session.doc.device_binding
        )
        return session

    def reset_totp(
        self,
        passphrase: str,
        recovery_text: str,
        *,
        progress: migrations.Progress | None = None,
    ) -> CreatedTotp:
        """A lost or replaced phone: with BOTH the passphrase and the recovery key, enrol a
        new authenticator secret. The old phone's codes stop working. The vault is left
        locked; the therapist then unlocks with a code from the new enrolment. Like an
        unlock it may upgrade the schema first: `progress` hears each step."""
        rk = recovery.parse_recovery_key(recovery_text)  # a typo fails here, before any KDF
        raw, doc = read_keys(self.paths)
        self.attempts.check_allowed()
        lock = InstanceLock(self.paths.lock)
        lock.acquire()
        try:
            dek, kek_backup = self.unlocker.unwrap_local(raw, doc, passphrase)
            from_recovery = self.unlocker.unwrap_recovery(raw, doc, rk)
            same = dek == from_recovery
            from_recovery.wipe()
            if not same:
                raise KeysFileCorrupt("the two key slots disagree")
            session = self.unlocker.open_session(doc, dek, kek_backup, lock)
        except BaseException:
            lock.release()
            raise
        try:
            self.unlocker.prepare_schema(session, progress)
            self.unlocker.record_unlock(
                session, AuditKind.RECOVERY_USED, purpose="reset second step"
            )
            return self._enrol_new_totp(session)
        finally:
            session.lock("second step reset")

    def reset_totp_unlocked(
        self, session: VaultSession, passphrase: str, recovery_text: str
    ) -> CreatedTotp:
        """The same from Settings while unlocked: both secrets are still required, so an
        unattended unlocked laptop is not enough to move the second step to another phone."""
        require(session, UseCase.KEYS)
        rk = recovery.parse_recovery_key(recovery_text)
        raw, doc = read_keys(self.paths)
        self.attempts.check_allowed()
        dek, kek_backup = self.unlocker.unwrap_local(raw, doc, passphrase)  # counts failures
        kek_backup.wipe()
        from_recovery = self.unlocker.unwrap_recovery(raw, doc, rk)
        same = dek == from_recovery == session.dek
        dek.wipe()
        from_recovery.wipe()
        if not same:
            raise KeysFileCorrupt("the key slots disagree")
        self.unlocker.audit_failures(session)
        return self._enrol_new_totp(session)

    def _enrol_new_totp(self, session: VaultSession) -> CreatedTotp:
        secret = totp.new_secret()
        with session.db_lock, transaction(session.conn):
            owner_totp.write(
                session.conn, secret, session.dek, session.vault_id, enrolled_at=now_iso(self.clock)
            )
            audit.append(session.conn, AuditKind.TOTP_RESET)
        return CreatedTotp(totp.provisioning_uri(secret), secret)

    def _rebind(self, session: VaultSession, passphrase: str, passphrase_only: bool) -> None:
        old = session.doc
        binding, backend, entry, device = bind_device(old.vault_id, passphrase_only)
        try:
            params = kdf.calibrate()
            local = seal_local(
                session.dek,
                passphrase=passphrase,
                device=device,
                params=params,
                vault_id=old.vault_id,
                binding=binding,
            )
            new_doc = replace_doc(
                old,
                local=local,
                device_binding=binding,
                keyring_backend=backend,
                device_entry=entry,
            )
            new_doc = _users_rebound(session, new_doc, device)
            write_keys(self.paths, new_doc, session.dek)
        except BaseException:
            if entry:
                device_key.delete(entry)
            raise
        finally:
            device.wipe()
        if old.device_binding == BINDING_KEYRING and old.device_entry != entry:
            device_key.delete(old.device_entry)
        master = kdf.argon2id(passphrase, params)
        session.kek_backup = kdf.kek_backup(master)
        master.wipe()
        session.doc = new_doc

    def new_recovery_key(self, session: VaultSession) -> str:
        """Replace the recovery slot; the old recovery key stops working for this vault."""
        require(session, UseCase.KEYS)
        rk = recovery.new_recovery_key()
        salt = kdf.new_salt()
        slot = keyslots.seal_recovery(
            dek=session.dek, kek=kdf.kek_recovery(rk, salt), salt=salt, vault_id=session.vault_id
        )
        text = recovery.format_recovery_key(rk)
        rk.wipe()
        new_doc = replace_doc(session.doc, recovery=slot)
        write_keys(self.paths, new_doc, session.dek)
        session.doc = new_doc
        session.record(AuditKind.RECOVERY_KEY_REPLACED)
        return text


def _check_local(doc: KeysDocument, passphrase: str, device: Secret) -> None:
    """Raise WrongPassphrase unless `passphrase` (with this device) opens the local slot."""
    master = kdf.argon2id(passphrase, doc.local.kdf)
    kek = kdf.kek_local(master, device.reveal())
    master.wipe()
    try:
        keyslots.open_local(doc, kek).wipe()
    finally:
        kek.wipe()


def _users_rebound(session: VaultSession, doc: KeysDocument, device: Secret) -> KeysDocument:
    """The other logins' entries under the new device secret (issue 17 phase B): a
    re-binding changes the device layer every user's entry has (services/users.py)."""
    from therapynotes.services import users  # noqa: PLC0415

    if not doc.users:
        return doc
    bundle = session.data_keys()
    try:
        entries = users.entries_for(
            session.conn, root=session.dek, bundle=bundle, doc=doc, device=device
        )
    finally:
        bundle.wipe()
    return replace_doc(doc, users=entries)
