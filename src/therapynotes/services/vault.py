"""Vault use cases: create, status, unlock, change passphrase, recover, new recovery key.

The order of every multi-step change is chosen so that a crash at any point leaves the
vault openable: vault.keys is replaced atomically and is always the last write; a new
device secret goes into a *new* keyring entry before vault.keys points at it, and the
old entry is deleted only afterwards.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from therapynotes import __version__
from therapynotes.atomic import atomic_write_bytes
from therapynotes.errors import (
    KeyringInsecure,
    KeyringIsLocked,
    KeyringUnavailable,
    KeysFileCorrupt,
    StorageError,
    TherapyNotesError,
    TotpRejected,
    TotpReplayed,
    VaultExists,
    VaultNotFound,
    WrongPassphrase,
    WrongRecoveryKey,
)
from therapynotes.paths import VaultPaths, ensure_private_dir
from therapynotes.security import device_key, kdf, keyslots, recovery, totp
from therapynotes.security.attempts import AttemptLog
from therapynotes.security.keyslots import BINDING_KEYRING, BINDING_NONE, KeysDocument
from therapynotes.security.passphrase import require_acceptable
from therapynotes.security.secret import Secret
from therapynotes.services.session import VaultSession
from therapynotes.store import audit, migrations, rotation_files
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import close_db, open_db, transaction
from therapynotes.store.instance_lock import InstanceLock


@dataclass(frozen=True)
class CreatedVault:
    """What the therapist must see once at creation (and never again)."""

    vault_id: str
    totp_uri: str
    totp_secret: str
    recovery_key: str


@dataclass(frozen=True)
class CreatedTotp:
    """A new authenticator enrolment, shown once."""

    totp_uri: str
    totp_secret: str


@dataclass(frozen=True)
class VaultStatus:
    vault_id: str
    format_version: int
    created_at: str
    app_version: str
    device_binding: str
    keyring_backend: str
    device_bound: str  # "yes", "no", "not used (passphrase-only)" or a keyring problem
    kdf: kdf.KdfParams


def _now_iso(clock: totp.Clock) -> str:
    return datetime.fromtimestamp(clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class VaultService:
    def __init__(self, root: Path, *, clock: totp.Clock = time.time) -> None:
        self.paths = VaultPaths(root)
        self.clock = clock
        self.attempts = AttemptLog(self.paths.attempts, clock)

    # --- reading without unlocking ----------------------------------------------

    def exists(self) -> bool:
        return self.paths.exists()

    def _read_keys(self) -> tuple[bytes, KeysDocument]:
        rotation_files.finish_interrupted(self.paths)  # a data-key rotation a crash cut short
        try:
            raw = self.paths.keys.read_bytes()
        except FileNotFoundError as exc:
            raise VaultNotFound from exc
        except OSError as exc:
            raise StorageError(type(exc).__name__) from exc
        return raw, keyslots.decode(raw)

    def status(self) -> VaultStatus:
        _, doc = self._read_keys()
        if doc.device_binding == BINDING_NONE:
            bound = "not used (passphrase-only vault)"
        else:
            try:
                device_key.load(doc.device_entry).wipe()
                bound = "yes"
            except TherapyNotesError as exc:
                bound = f"no: {type(exc).__name__}"
        return VaultStatus(
            vault_id=doc.vault_id,
            format_version=keyslots.FORMAT_VERSION,
            created_at=doc.created_at,
            app_version=doc.app_version,
            device_binding=doc.device_binding,
            keyring_backend=doc.keyring_backend,
            device_bound=bound,
            kdf=doc.local.kdf,
        )

    # --- first-run setup that was not finished ----------------------------------

    def mark_setup_incomplete(self) -> None:
        atomic_write_bytes(self.paths.setup_marker, b"1\n")

    def mark_setup_complete(self) -> None:
        self.paths.setup_marker.unlink(missing_ok=True)

    def setup_incomplete(self) -> bool:
        return self.exists() and self.paths.setup_marker.exists()

    def set_aside_unfinished(self) -> Path:
        """A vault whose first-run setup never finished holds no records, and its owner
        may never have seen its recovery key. Move the whole folder aside (nothing is
        deleted) so setup can start again."""
        stamp = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%dT%H%M%S")
        aside = self.paths.root.with_name(f"{self.paths.root.name}.unfinished-{stamp}")
        lock = InstanceLock(self.paths.lock)
        lock.acquire()
        try:
            self.paths.root.rename(aside)
        except OSError as exc:
            raise StorageError(type(exc).__name__) from exc
        finally:
            lock.release()
        return aside

    # --- creating ---------------------------------------------------------------

    def _bind_device(self, vault_id: str, passphrase_only: bool) -> tuple[str, str, str, Secret]:
        """(binding, backend name, keyring entry, D) for a new binding."""
        if passphrase_only:
            return BINDING_NONE, "none", "", Secret(b"")
        entry = f"{vault_id}/{secrets.token_hex(8)}"
        backend = device_key.backend_name()
        return BINDING_KEYRING, backend, entry, device_key.store_new(entry)

    def _move_aside_orphans(self) -> None:
        """A crashed `create` can leave a data file without vault.keys; keep it aside."""
        stamp = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%dT%H%M%S")
        for path in (self.paths.db, Path(f"{self.paths.db}-wal"), Path(f"{self.paths.db}-shm")):
            if path.exists():
                path.rename(path.with_name(f"{path.name}.orphaned-{stamp}"))

    def create(self, passphrase: str, *, passphrase_only: bool = False) -> CreatedVault:
        require_acceptable(passphrase)
        ensure_private_dir(self.paths.root)
        if self.exists():
            raise VaultExists
        lock = InstanceLock(self.paths.lock)
        lock.acquire()
        try:
            self._move_aside_orphans()
            return self._create_locked(passphrase, passphrase_only)
        finally:
            lock.release()

    def _create_locked(self, passphrase: str, passphrase_only: bool) -> CreatedVault:
        vault_id = uuid.uuid4().hex
        dek = Secret(os.urandom(keyslots.DEK_LEN))
        binding, backend, entry, device = self._bind_device(vault_id, passphrase_only)
        try:
            params = kdf.calibrate()
            local = self._seal_local(
                dek,
                passphrase=passphrase,
                device=device,
                params=params,
                vault_id=vault_id,
                binding=binding,
            )
            rk = recovery.new_recovery_key()
            rk_text = recovery.format_recovery_key(rk)
            rk_salt = kdf.new_salt()
            rec = keyslots.seal_recovery(
                dek=dek, kek=kdf.kek_recovery(rk, rk_salt), salt=rk_salt, vault_id=vault_id
            )
            rk.wipe()
            secret = totp.new_secret()
            self._create_db(dek, vault_id, secret)
            doc = KeysDocument(
                vault_id=vault_id,
                created_at=_now_iso(self.clock),
                app_version=__version__,
                device_binding=binding,
                keyring_backend=backend,
                device_entry=entry,
                local=local,
                recovery=rec,
            )
            atomic_write_bytes(self.paths.keys, keyslots.encode(doc, dek))
        except BaseException:
            if entry:
                device_key.delete(entry)
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    Path(f"{self.paths.db}{suffix}").unlink()
            raise
        finally:
            dek.wipe()
            device.wipe()
        self.attempts.record_success()
        return CreatedVault(vault_id, totp.provisioning_uri(secret), secret, rk_text)

    def _create_db(self, dek: Secret, vault_id: str, totp_secret: str) -> None:
        conn = open_db(self.paths.db, dek, create=True)
        try:
            migrations.migrate(conn)
            with transaction(conn):
                conn.execute(
                    "INSERT INTO vault_meta(key, value) VALUES ('vault_id', ?)", (vault_id,)
                )
                audit.append(conn, AuditKind.VAULT_CREATED)
                conn.execute(
                    "INSERT INTO totp(id, secret, last_step, enrolled_at) VALUES (1, ?, -1, ?)",
                    (totp_secret, _now_iso(self.clock)),
                )
        finally:
            close_db(conn)

    @staticmethod
    def _seal_local(
        dek: Secret,
        *,
        passphrase: str,
        device: Secret,
        params: kdf.KdfParams,
        vault_id: str,
        binding: str,
    ) -> keyslots.LocalSlot:
        master = kdf.argon2id(passphrase, params)
        kek = kdf.kek_local(master, device.reveal())
        master.wipe()
        try:
            return keyslots.seal_local(
                dek=dek, kek=kek, kdf=params, vault_id=vault_id, binding=binding
            )
        finally:
            kek.wipe()

    # --- unlocking --------------------------------------------------------------

    def _device_secret(self, doc: KeysDocument) -> Secret:
        if doc.device_binding == BINDING_NONE:
            return Secret(b"")
        return device_key.load(doc.device_entry)

    def unlock(self, passphrase: str, code: str) -> VaultSession:
        """Passphrase (+ device secret) unwraps the DEK; then the TOTP code is checked.

        No record is readable through the returned session until both passed.
        """
        raw, doc = self._read_keys()
        self.attempts.check_allowed()
        lock = InstanceLock(self.paths.lock)
        lock.acquire()
        session: VaultSession | None = None
        try:
            dek, kek_backup = self._unwrap_local(raw, doc, passphrase)
            session = self._open_session(doc, dek, kek_backup, lock)
            try:
                self._check_totp(session, code)
            except (TotpRejected, TotpReplayed):
                self.attempts.record_failure("code")
                raise
            migrations.migrate(session.conn)
        except BaseException:
            if session is not None:
                session.lock("unlock failed", record=False)
            lock.release()
            raise
        self._record_or_lock(session, AuditKind.UNLOCK_OK, method="passphrase+code")
        return session

    def _unwrap_local(
        self, raw: bytes, doc: KeysDocument, passphrase: str
    ) -> tuple[Secret, Secret]:
        """(DEK, KEK_backup) from the passphrase and device secret; wipes what it derives."""
        device = self._device_secret(doc)
        master = kdf.argon2id(passphrase, doc.local.kdf)
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

    def _record_or_lock(self, session: VaultSession, kind: AuditKind, **detail: object) -> None:
        """Audit the unlock; if that cannot be written (a full disk), the vault does not
        stay open unaudited: it is locked again and the error is shown."""
        try:
            self._record_unlock(session, kind, **detail)
        except BaseException:
            session.lock("unlock not recorded", record=False)
            raise

    def _record_unlock(self, session: VaultSession, kind: AuditKind, **detail: object) -> None:
        """Write the failed attempts made while locked, then this unlock, to the audit log."""
        failed = self.attempts.record_success()
        session.failed_attempts = failed
        with transaction(session.conn):
            for event in failed:
                when = datetime.fromtimestamp(float(event.get("at", 0)), UTC)
                audit.append(
                    session.conn,
                    AuditKind.UNLOCK_FAILED,
                    detail={"factor": str(event.get("kind", "unknown"))},
                    at=when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                )
            audit.append(session.conn, kind, detail=detail)

    def _open_session(
        self, doc: KeysDocument, dek: Secret, kek_backup: Secret, lock: InstanceLock
    ) -> VaultSession:
        conn = open_db(self.paths.db, dek)
        return VaultSession(self.paths, doc, dek, kek_backup, lock, conn)

    def _check_totp(self, session: VaultSession, code: str) -> None:
        row = session.conn.execute("SELECT secret, last_step FROM totp WHERE id = 1").fetchone()
        if row is None:
            raise KeysFileCorrupt("second-step secret missing")
        step = totp.TotpCheck(str(row[0]), self.clock).verify(code, last_step=int(row[1]))
        with transaction(session.conn):
            session.conn.execute("UPDATE totp SET last_step = ? WHERE id = 1", (step,))

    # --- changing keys ----------------------------------------------------------

    def _write_doc(self, doc: KeysDocument, dek: Secret) -> None:
        atomic_write_bytes(self.paths.keys, keyslots.encode(doc, dek))

    def change_passphrase(self, session: VaultSession, old: str, new: str) -> None:
        """Rewrite only the local slot (the database is not re-encrypted).

        Old backups still open with the old passphrase.
        """
        require_acceptable(new)
        doc = session.doc
        device = self._device_secret(doc)
        try:
            master = kdf.argon2id(old, doc.local.kdf)
            kek = kdf.kek_local(master, device.reveal())
            master.wipe()
            keyslots.open_local(doc, kek).wipe()
            kek.wipe()
            params = kdf.calibrate()
            local = self._seal_local(
                session.dek,
                passphrase=new,
                device=device,
                params=params,
                vault_id=doc.vault_id,
                binding=doc.device_binding,
            )
        finally:
            device.wipe()
        new_doc = _replace(doc, local=local)
        self._write_doc(new_doc, session.dek)
        master = kdf.argon2id(new, params)
        session.kek_backup.wipe()
        session.kek_backup = kdf.kek_backup(master)
        master.wipe()
        session.doc = new_doc
        session.record(AuditKind.PASSPHRASE_CHANGED)

    def recover(
        self, recovery_text: str, new_passphrase: str, *, passphrase_only: bool = False
    ) -> VaultSession:
        """Unlock with the recovery key, set a new passphrase, re-bind this device."""
        rk = recovery.parse_recovery_key(recovery_text)  # a typo fails here, before any KDF
        require_acceptable(new_passphrase)
        raw, doc = self._read_keys()
        self.attempts.check_allowed()
        lock = InstanceLock(self.paths.lock)
        lock.acquire()
        try:
            dek = self._unwrap_recovery(raw, doc, rk)
            session = self._open_session(doc, dek, Secret(b""), lock)
            self._rebind(session, new_passphrase, passphrase_only)
            migrations.migrate(session.conn)
        except BaseException:
            lock.release()
            raise
        self._record_or_lock(session, AuditKind.RECOVERY_USED, binding=session.doc.device_binding)
        return session

    def _unwrap_recovery(self, raw: bytes, doc: KeysDocument, rk: Secret) -> Secret:
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

    def reset_totp(self, passphrase: str, recovery_text: str) -> CreatedTotp:
        """A lost or replaced phone: with BOTH the passphrase and the recovery key, enrol a
        new authenticator secret. The old phone's codes stop working. The vault is left
        locked; the therapist then unlocks with a code from the new enrolment."""
        rk = recovery.parse_recovery_key(recovery_text)  # a typo fails here, before any KDF
        raw, doc = self._read_keys()
        self.attempts.check_allowed()
        lock = InstanceLock(self.paths.lock)
        lock.acquire()
        try:
            dek, kek_backup = self._unwrap_local(raw, doc, passphrase)
            from_recovery = self._unwrap_recovery(raw, doc, rk)
            same = dek == from_recovery
            from_recovery.wipe()
            if not same:
                raise KeysFileCorrupt("the two key slots disagree")
            session = self._open_session(doc, dek, kek_backup, lock)
        except BaseException:
            lock.release()
            raise
        try:
            migrations.migrate(session.conn)
            self._record_unlock(session, AuditKind.RECOVERY_USED, purpose="reset second step")
            return self._enrol_new_totp(session)
        finally:
            session.lock("second step reset")

    def reset_totp_unlocked(
        self, session: VaultSession, passphrase: str, recovery_text: str
    ) -> CreatedTotp:
        """The same from Settings while unlocked: both secrets are still required, so an
        unattended unlocked laptop is not enough to move the second step to another phone."""
        rk = recovery.parse_recovery_key(recovery_text)
        raw, doc = self._read_keys()
        dek, kek_backup = self._unwrap_local(raw, doc, passphrase)
        kek_backup.wipe()
        from_recovery = self._unwrap_recovery(raw, doc, rk)
        same = dek == from_recovery == session.dek
        dek.wipe()
        from_recovery.wipe()
        if not same:
            raise KeysFileCorrupt("the key slots disagree")
        return self._enrol_new_totp(session)

    def _enrol_new_totp(self, session: VaultSession) -> CreatedTotp:
        secret = totp.new_secret()
        with session.db_lock, transaction(session.conn):
            session.conn.execute(
                "UPDATE totp SET secret = ?, last_step = -1, enrolled_at = ? WHERE id = 1",
                (secret, _now_iso(self.clock)),
            )
            audit.append(session.conn, AuditKind.TOTP_RESET)
        return CreatedTotp(totp.provisioning_uri(secret), secret)

    def _rebind(self, session: VaultSession, passphrase: str, passphrase_only: bool) -> None:
        old = session.doc
        binding, backend, entry, device = self._bind_device(old.vault_id, passphrase_only)
        try:
            params = kdf.calibrate()
            local = self._seal_local(
                session.dek,
                passphrase=passphrase,
                device=device,
                params=params,
                vault_id=old.vault_id,
                binding=binding,
            )
            new_doc = _replace(
                old,
                local=local,
                device_binding=binding,
                keyring_backend=backend,
                device_entry=entry,
            )
            self._write_doc(new_doc, session.dek)
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
        rk = recovery.new_recovery_key()
        salt = kdf.new_salt()
        slot = keyslots.seal_recovery(
            dek=session.dek, kek=kdf.kek_recovery(rk, salt), salt=salt, vault_id=session.vault_id
        )
        text = recovery.format_recovery_key(rk)
        rk.wipe()
        new_doc = _replace(session.doc, recovery=slot)
        self._write_doc(new_doc, session.dek)
        session.doc = new_doc
        session.record(AuditKind.RECOVERY_KEY_REPLACED)
        return text

    @staticmethod
    def keyring_problem() -> TherapyNotesError | None:
        """The keyring error a new binding would hit now, or None when it would work."""
        try:
            device_key.backend_name()
        except (KeyringUnavailable, KeyringIsLocked, KeyringInsecure) as exc:
            return exc
        return None


def _replace(doc: KeysDocument, **changes: object) -> KeysDocument:
    return dataclasses.replace(doc, **changes)  # type: ignore[arg-type]
