"""The vault as the UI and CLI see it: one object per vault folder.

`VaultService` answers what can be known without unlocking (does a vault exist, its
status, an unfinished first-run setup) and hands each use case to the module that does
it: creating (services/vault_create.py), unlocking (services/unlocking.py), and key
changes: passphrase, recovery and re-binding, recovery key, second step
(services/key_changes.py). The key file itself is read and written in
services/key_file.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from therapynotes.atomic import atomic_write_bytes
from therapynotes.errors import (
    KeyringInsecure,
    KeyringIsLocked,
    KeyringUnavailable,
    StorageError,
    TherapyNotesError,
)
from therapynotes.paths import VaultPaths
from therapynotes.security import totp
from therapynotes.security.attempts import AttemptLog
from therapynotes.security.keyslots import BINDING_NONE, KeysDocument
from therapynotes.services.key_file import device_secret, read_keys
from therapynotes.store.instance_lock import InstanceLock

if TYPE_CHECKING:
    # Imported when first used (issue 18): `therapynotes status` and the lock screen
    # need neither the keyring nor the use cases below until they are used.
    from therapynotes.security.kdf import KdfParams
    from therapynotes.security.secret import Secret
    from therapynotes.services.key_changes import CreatedTotp, KeyChanges
    from therapynotes.services.session import VaultSession
    from therapynotes.services.unlocking import Unlocker
    from therapynotes.services.vault_create import CreatedVault, VaultCreation


@dataclass(frozen=True)
class VaultStatus:
    vault_id: str
    format_version: int
    created_at: str
    app_version: str
    device_binding: str
    keyring_backend: str
    device_bound: str  # "yes", "no", "not used (passphrase-only)" or a keyring problem
    kdf: KdfParams


class VaultService:
    def __init__(self, root: Path, *, clock: totp.Clock = time.time) -> None:
        self.paths = VaultPaths(root)
        self.clock = clock
        self.attempts = AttemptLog(self.paths.attempts, clock)

    @cached_property
    def _creation(self) -> VaultCreation:
        from therapynotes.services.vault_create import VaultCreation  # noqa: PLC0415

        return VaultCreation(self.paths, self.clock, self.attempts)

    @cached_property
    def _unlocker(self) -> Unlocker:
        from therapynotes.services.unlocking import Unlocker  # noqa: PLC0415

        return Unlocker(self.paths, self.clock, self.attempts)

    @cached_property
    def _key_changes(self) -> KeyChanges:
        from therapynotes.services.key_changes import KeyChanges  # noqa: PLC0415

        return KeyChanges(self.paths, self.clock, self._unlocker)

    # --- reading without unlocking ----------------------------------------------

    def exists(self) -> bool:
        return self.paths.exists()

    def _read_keys(self) -> tuple[bytes, KeysDocument]:
        # This and _device_secret are what the crash tests check a vault's key file with.
        return read_keys(self.paths)

    def _device_secret(self, doc: KeysDocument) -> Secret:
        return device_secret(doc)

    def status(self) -> VaultStatus:
        _, doc = self._read_keys()
        if doc.device_binding == BINDING_NONE:
            bound = "not used (passphrase-only vault)"
        else:
            try:
                device_secret(doc).wipe()
                bound = "yes"
            except TherapyNotesError as exc:
                bound = f"no: {type(exc).__name__}"
        return VaultStatus(
            vault_id=doc.vault_id,
            format_version=doc.format,
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

    # --- creating, unlocking, changing keys ---------------------------------------

    def create(self, passphrase: str, *, passphrase_only: bool = False) -> CreatedVault:
        return self._creation.create(passphrase, passphrase_only=passphrase_only)

    def unlock(self, passphrase: str, code: str) -> VaultSession:
        """Unlock; then, if the key derivation ran well under its target, re-wrap the
        passphrase slot with stronger parameters (KeyChanges.strengthen, issue 18)."""
        session = self._unlocker.unlock(passphrase, code)
        elapsed = self._unlocker.last_kdf_seconds
        if elapsed is not None:
            self._key_changes.strengthen(session, passphrase, elapsed)
        return session

    def change_passphrase(self, session: VaultSession, old: str, new: str) -> None:
        self._key_changes.change_passphrase(session, old, new)

    def recover(
        self, recovery_text: str, new_passphrase: str, *, passphrase_only: bool = False
    ) -> VaultSession:
        return self._key_changes.recover(
            recovery_text, new_passphrase, passphrase_only=passphrase_only
        )

    def reset_totp(self, passphrase: str, recovery_text: str) -> CreatedTotp:
        return self._key_changes.reset_totp(passphrase, recovery_text)

    def reset_totp_unlocked(
        self, session: VaultSession, passphrase: str, recovery_text: str
    ) -> CreatedTotp:
        return self._key_changes.reset_totp_unlocked(session, passphrase, recovery_text)

    def new_recovery_key(self, session: VaultSession) -> str:
        return self._key_changes.new_recovery_key(session)

    @staticmethod
    def keyring_problem() -> TherapyNotesError | None:
        """The keyring error a new binding would hit now, or None when it would work."""
        from therapynotes.security import device_key  # noqa: PLC0415 - the keyring is slow to load

        try:
            device_key.backend_name()
        except (KeyringUnavailable, KeyringIsLocked, KeyringInsecure) as exc:
            return exc
        return None
