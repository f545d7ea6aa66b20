"""Restoring a vault from a `.tnbackup` file, on this machine or a brand-new one.

Order (each step leaves the existing vault, if any, untouched until the swap):
open the file (passphrase or recovery key) → preview (date, counts) and ask → decrypt
into a private staging folder beside the vault folder and verify fully (hashes and
SQLCipher page checks) → new device secret in this machine's keyring, fresh vault.keys
(new local slot, freshly calibrated KDF, the backup's copy of the recovery slot) →
move any existing vault aside, move the staging folder in → prove the restored vault
opens; if it does not, put the old one back.

Must not import PySide6.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from therapynotes import __version__
from therapynotes.atomic import atomic_write_bytes, fsync_dir
from therapynotes.backup import reader, snapshot
from therapynotes.backup.errors import BackupError, RestoreTargetBusy
from therapynotes.backup.format import Header
from therapynotes.backup.manifest import Manifest
from therapynotes.backup.snapshot import Progress
from therapynotes.errors import StorageError, VaultInUse
from therapynotes.paths import PRIVATE_DIR_MODE, VaultPaths
from therapynotes.security import device_key, kdf, keyslots, recovery
from therapynotes.security.keyslots import BINDING_KEYRING, BINDING_NONE, KeysDocument
from therapynotes.security.passphrase import require_acceptable
from therapynotes.security.secret import Secret
from therapynotes.services.setup_flow import RestoreRequest
from therapynotes.store import audit
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import close_db, open_db, transaction
from therapynotes.store.instance_lock import InstanceLock


@dataclass(frozen=True)
class Preview:
    """What the user sees before anything is written."""

    created_at: datetime
    seq: int
    vault_id: str
    schema_version: int
    counts: dict[str, int]


@dataclass(frozen=True)
class RestoreResult:
    vault_root: Path
    preview: Preview
    set_aside: Path | None  # the vault that was here before, kept until the user removes it


def _always(_preview: Preview) -> bool:
    return True


def _preview(header: Header, manifest: Manifest) -> Preview:
    return Preview(
        created_at=datetime.fromtimestamp(header.created_at, UTC),
        seq=header.seq,
        vault_id=header.vault_id,
        schema_version=manifest.schema_version,
        counts=dict(manifest.counts),
    )


def _no_progress(_phase: str, _done: int, _total: int) -> None:
    return None


class PreparedRestore:
    """An opened backup whose preview the therapist is looking at; nothing written yet."""

    def __init__(
        self,
        service: RestoreService,
        opened: reader.OpenedBackup,
        preview: Preview,
        passphrase: str,
        passphrase_only: bool,
    ) -> None:
        self._service = service
        self._opened = opened
        self.preview = preview
        self._passphrase = passphrase
        self._passphrase_only = passphrase_only

    def restore(self, progress: Progress = _no_progress) -> RestoreResult:
        """*Slow*: verify fully, then put the restored vault in place (see the module)."""
        return self._service._restore_opened(  # noqa: SLF001 - its own service
            self._opened, self.preview, self._passphrase, self._passphrase_only, progress
        )

    def close(self) -> None:
        self._opened.close()
        self._passphrase = ""

    def __repr__(self) -> str:
        return f"<PreparedRestore seq={self.preview.seq}>"


class RestoreService:
    def __init__(self, vault_root: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.paths = VaultPaths(vault_root)
        self.clock = clock

    def open(
        self,
        backup: Path,
        *,
        passphrase: str | None = None,
        recovery_text: str | None = None,
        new_passphrase: str | None = None,
        passphrase_only: bool = False,
    ) -> PreparedRestore:
        """*Slow* (Argon2id): open the file and read its preview; nothing is written yet.
        With a passphrase the restored vault keeps it; with the recovery key it gets
        `new_passphrase`. The caller shows `preview`, then calls `restore()` or `close()`.

        Unless `passphrase_only`, the keyring is checked first (missing, plaintext or
        locked), so that problem is reported before any key derivation or file check."""
        if not passphrase_only:
            device_key.check_usable()
        if recovery_text is not None:
            if new_passphrase is None:
                raise ValueError("a new passphrase is needed with the recovery key")
            rk = recovery.parse_recovery_key(recovery_text)  # typo caught before any KDF
            require_acceptable(new_passphrase)
            try:
                opened = reader.open_backup(backup, recovery_key=rk)
            finally:
                rk.wipe()
            keep_passphrase = new_passphrase
        elif passphrase is not None:
            opened = reader.open_backup(backup, passphrase=passphrase)
            keep_passphrase = passphrase
        else:
            raise ValueError("a passphrase or a recovery key is needed")
        try:
            preview = _preview(opened.header, reader.read_manifest(opened))
        except BaseException:
            opened.close()
            raise
        return PreparedRestore(self, opened, preview, keep_passphrase, passphrase_only)

    def restore(
        self,
        backup: Path,
        *,
        passphrase: str | None = None,
        recovery_text: str | None = None,
        new_passphrase: str | None = None,
        passphrase_only: bool = False,
        confirm: Callable[[Preview], bool] = _always,
    ) -> RestoreResult | None:
        """Restore `backup` here in one call. Returns None when `confirm` declines."""
        prepared = self.open(
            backup,
            passphrase=passphrase,
            recovery_text=recovery_text,
            new_passphrase=new_passphrase,
            passphrase_only=passphrase_only,
        )
        try:
            return prepared.restore() if confirm(prepared.preview) else None
        finally:
            prepared.close()

    def _restore_opened(
        self,
        opened: reader.OpenedBackup,
        preview: Preview,
        passphrase: str,
        passphrase_only: bool,
        progress: Progress = _no_progress,
    ) -> RestoreResult:
        root = self.paths.root
        root.parent.mkdir(parents=True, exist_ok=True)
        old_lock = self._lock_existing()
        staging = root.parent / f".{root.name}.restore-{secrets.token_hex(4)}"
        entry = ""
        try:
            staging.mkdir(mode=PRIVATE_DIR_MODE)
            staged = VaultPaths(staging)
            manifest = reader.decrypt_snapshot(opened, staged.db, progress=progress)
            progress("check", 0, 1)
            dek = Secret(manifest.dek)
            try:
                check_keys = Secret(manifest.open_keys)
                try:
                    snapshot.check(staged.db, check_keys, manifest.counts)
                finally:
                    check_keys.wipe()
                doc, entry = self._new_keys(opened.header, dek, passphrase, passphrase_only)
                if manifest.data_keys is not None:  # issue 17: both data keys, under R
                    bundle = Secret(manifest.data_keys)
                    try:
                        doc = dataclasses.replace(
                            doc,
                            data_keys=keyslots.seal_data_keys(
                                root=dek, bundle=bundle, vault_id=doc.vault_id
                            ),
                        )
                    finally:
                        bundle.wipe()
                doc = _with_users(staged, doc, dek)
                atomic_write_bytes(staged.keys, keyslots.encode(doc, dek))
                aside = self._swap_in(staging)
                self._prove_opens(doc, passphrase, preview, aside)
            finally:
                dek.wipe()
        except BaseException:
            if entry:
                with contextlib.suppress(Exception):
                    device_key.delete(entry)
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            if old_lock is not None:
                old_lock.release()
        return RestoreResult(root, preview, aside)

    def _lock_existing(self) -> InstanceLock | None:
        if not self.paths.root.exists():
            return None
        if not self.paths.lock.exists() and not self.paths.keys.exists():
            return None
        lock = InstanceLock(self.paths.lock)
        try:
            lock.acquire()
        except VaultInUse as exc:
            raise RestoreTargetBusy from exc
        return lock

    def _new_keys(
        self, header: Header, dek: Secret, passphrase: str, passphrase_only: bool
    ) -> tuple[KeysDocument, str]:
        """A fresh vault.keys: new device secret, new calibrated local slot, and the
        recovery slot carried in the backup header (so the same recovery key works)."""
        vault_id = header.vault_id
        if passphrase_only:
            binding, backend, entry, device = BINDING_NONE, "none", "", Secret(b"")
        else:
            binding, backend = BINDING_KEYRING, device_key.backend_name()
            entry = f"{vault_id}/{secrets.token_hex(8)}"
            device = device_key.store_new(entry)
        try:
            params = kdf.calibrate()
            master = kdf.argon2id(passphrase, params)
            kek = kdf.kek_local(master, device.reveal())
            master.wipe()
            local = keyslots.seal_local(
                dek=dek, kek=kek, kdf=params, vault_id=vault_id, binding=binding
            )
            kek.wipe()
        except BaseException:
            if entry:
                device_key.delete(entry)
            raise
        finally:
            device.wipe()
        doc = KeysDocument(
            vault_id=vault_id,
            created_at=datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            app_version=__version__,
            device_binding=binding,
            keyring_backend=backend,
            device_entry=entry,
            local=local,
            recovery=header.vault_recovery,
        )
        return doc, entry

    def _swap_in(self, staging: Path) -> Path | None:
        root = self.paths.root
        aside: Path | None = None
        try:
            if root.is_dir() and not any(root.iterdir()):
                root.rmdir()  # an empty folder (a first-run wizard may make one) is not a vault
            if root.exists():
                stamp = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%dT%H%M%S")
                aside = root.with_name(f"{root.name}.before-restore-{stamp}")
                os.rename(root, aside)
            os.rename(staging, root)
            fsync_dir(root.parent)
        except OSError as exc:
            if aside is not None and not root.exists():
                os.rename(aside, root)
            raise StorageError(type(exc).__name__) from exc
        return aside

    def _prove_opens(
        self, doc: KeysDocument, passphrase: str, preview: Preview, aside: Path | None
    ) -> None:
        """Unwrap the DEK through the new vault.keys as an unlock would, open the data
        file, and record the restore; on failure put the previous vault back."""
        try:
            raw = self.paths.keys.read_bytes()
            bound = doc.device_binding != BINDING_NONE
            device = device_key.load(doc.device_entry) if bound else Secret(b"")
            master = kdf.argon2id(passphrase, keyslots.decode(raw).local.kdf)
            kek = kdf.kek_local(master, device.reveal())
            master.wipe()
            device.wipe()
            dek = keyslots.open_local(keyslots.decode(raw), kek)
            kek.wipe()
            keyslots.verify_mac(raw, dek)
            bundle = keyslots.data_keys(keyslots.decode(raw), dek)
            dek.wipe()
            try:
                conn = open_db(self.paths.db, bundle)
            finally:
                bundle.wipe()
            try:
                with transaction(conn):
                    audit.append(
                        conn, AuditKind.RESTORED, detail={"seq": preview.seq, "verified": True}
                    )
            finally:
                close_db(conn)
        except BaseException:
            self._put_back(aside)
            raise

    def _put_back(self, aside: Path | None) -> None:
        root = self.paths.root
        failed = root.with_name(f".{root.name}.failed-restore-{secrets.token_hex(4)}")
        with contextlib.suppress(OSError):
            os.rename(root, failed)
            shutil.rmtree(failed, ignore_errors=True)
            if aside is not None:
                os.rename(aside, root)
            fsync_dir(root.parent)


def open_for_setup(request: RestoreRequest) -> PreparedRestore:
    """The first-run wizard's restore engine (services/setup_flow.RestoreFromFile)."""
    service = RestoreService(request.vault.paths.root, clock=request.vault.clock)
    if request.new_passphrase is not None:
        return service.open(
            request.backup_file,
            recovery_text=request.secret,
            new_passphrase=request.new_passphrase,
            passphrase_only=request.passphrase_only,
        )
    return service.open(
        request.backup_file, passphrase=request.secret, passphrase_only=request.passphrase_only
    )


__all__ = ["BackupError", "PreparedRestore", "Preview", "RestoreResult", "RestoreService"]


def _with_users(staged: VaultPaths, doc: KeysDocument, dek: Secret) -> KeysDocument:
    """Issue 17 phase B: the restored vault.keys brings the other logins back. Each
    user's entry is rebuilt from their row in the restored vault.db (their passphrase
    layer, sealed under R there) with this computer's new device secret and a fresh grant
    of the backup's data keys; the owner's login name comes back from vault_meta. Each
    user then unlocks with their own passphrase and code."""
    from therapynotes.services import users  # noqa: PLC0415
    from therapynotes.store import users as users_store  # noqa: PLC0415

    if doc.data_keys is None:
        return doc  # a vault from before the split had no further logins
    bundle = keyslots.data_keys(doc, dek)
    shared = keyslots.shared_key(bundle)
    device = device_key.load(doc.device_entry) if doc.device_binding != BINDING_NONE else None
    try:
        conn = open_db(staged.db, shared)
        try:
            owner = users_store.owner_name(conn) or doc.owner_name
            entries = users.entries_for(
                conn, root=dek, bundle=bundle, doc=doc, device=device or Secret(b"")
            )
        finally:
            close_db(conn)
    finally:
        bundle.wipe()
        shared.wipe()
        if device is not None:
            device.wipe()
    return dataclasses.replace(doc, users=entries, owner_name=owner)
