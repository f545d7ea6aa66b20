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
from therapynotes.security.attempts import AttemptLog
from therapynotes.security.keyslots import BINDING_NONE, KeysDocument
from therapynotes.services.key_file import device_secret, read_keys
from therapynotes.store.instance_lock import InstanceLock

if TYPE_CHECKING:
    # Imported when first used (issue 18): `therapynotes status` and the lock screen
    # need neither the keyring nor the use cases below until they are used.
    from therapynotes.security.kdf import KdfParams
    from therapynotes.security.secret import Secret
    from therapynotes.security.totp import Clock
    from therapynotes.services.key_changes import CreatedTotp, KeyChanges
    from therapynotes.services.session import VaultSession
    from therapynotes.services.unlocking import Unlocker
    from therapynotes.services.user_unlock import UserUnlocker
    from therapynotes.services.users import AddedUser, UserAdmin, UserInfo
    from therapynotes.services.vault_create import CreatedVault, VaultCreation
    from therapynotes.store.migrations import Progress


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
    def __init__(self, root: Path, *, clock: Clock = time.time) -> None:
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

    def unlock(
        self,
        passphrase: str,
        code: str,
        user: str | None = None,
        *,
        progress: Progress | None = None,
    ) -> VaultSession:
        """Unlock as the owner (`user` None, blank or the owner's login name) or as another login
        (issue 17 phase B: services/user_unlock.py). `progress` hears of each step of a
        one-time schema upgrade (the owner's unlock only: another login opens only a vault
        already upgraded). After the owner's unlock: if the key
        derivation ran well under its target, re-wrap the passphrase slot with stronger
        parameters (KeyChanges.strengthen, issue 18); seal a plain second-step secret and
        bring the users' entries in vault.keys up to the users table (services/users.py)."""
        if user is not None and user.strip() and not self._is_owner_name(user):
            return self._user_unlocker.unlock(user, passphrase, code)
        session = self._unlocker.unlock(passphrase, code, progress)
        elapsed = self._unlocker.last_kdf_seconds
        if elapsed is not None:
            self._key_changes.strengthen(session, passphrase, elapsed)
        self._after_owner_unlock(session)
        return session

    # --- logins (issue 17 phase B) ------------------------------------------------

    @cached_property
    def _user_unlocker(self) -> UserUnlocker:
        from therapynotes.services.user_unlock import UserUnlocker  # noqa: PLC0415

        return UserUnlocker(self._unlocker)

    @cached_property
    def _users(self) -> UserAdmin:
        from therapynotes.services.users import UserAdmin  # noqa: PLC0415

        return UserAdmin(self)

    def _is_owner_name(self, user: str) -> bool:
        from therapynotes.security.user_slots import name_key  # noqa: PLC0415

        return name_key(user) == name_key(self._read_keys()[1].owner_name)

    def _after_owner_unlock(self, session: VaultSession) -> None:
        from therapynotes.services import owner_totp, users  # noqa: PLC0415
        from therapynotes.store.connection import transaction  # noqa: PLC0415

        try:
            with session.db_lock, transaction(session.conn):
                owner_totp.seal_if_plain(session.conn, session.dek, session.vault_id)
            users.reconcile(session)
        except TherapyNotesError:
            pass  # tried again at the next unlock; the unlock itself stands

    def login_names(self) -> list[str]:
        """Readable while locked (from vault.keys): the owner's login name first, then the
        other logins'."""
        _, doc = self._read_keys()
        return [doc.owner_name, *(u.name for u in doc.users)]

    def attempt_log(self, user: str | None = None) -> AttemptLog:
        """The attempt log that throttles `user`'s unlocks (the owner's for None or the
        owner's name): what a lock screen reads to show the wait."""
        if user is None or not user.strip() or self._is_owner_name(user):
            return self.attempts
        from therapynotes.services.user_unlock import attempts_for  # noqa: PLC0415

        _, doc = self._read_keys()
        entry = doc.user(user.strip().casefold())
        return attempts_for(self._unlocker, entry.name if entry else user)

    def list_users(self, session: VaultSession) -> list[UserInfo]:
        """Every login with its role, the owner first. Any login may list."""
        return self._users.list_users(session)

    def add_user(
        self,
        session: VaultSession,
        *,
        name: str,
        role: str,
        owner_passphrase: str,
        owner_code: str,
        user_passphrase: str,
        totp_secret: str | None = None,
    ) -> AddedUser:
        """*Slow* (two key derivations; a data-key rotation first on a vault whose shared
        key is still its root key)."""
        return self._users.add_user(
            session,
            name=name,
            role=role,
            owner_passphrase=owner_passphrase,
            owner_code=owner_code,
            user_passphrase=user_passphrase,
            totp_secret=totp_secret,
        )

    def remove_user(
        self, session: VaultSession, *, name: str, owner_passphrase: str, owner_code: str
    ) -> None:
        """Their entry and row are deleted; a data-key rotation is advised after it
        (services/users.ROTATION_ADVICE)."""
        self._users.remove_user(
            session, name=name, owner_passphrase=owner_passphrase, owner_code=owner_code
        )

    def change_role(
        self,
        session: VaultSession,
        *,
        name: str,
        role: str,
        owner_passphrase: str,
        owner_code: str,
    ) -> None:
        self._users.change_role(
            session, name=name, role=role, owner_passphrase=owner_passphrase, owner_code=owner_code
        )

    def rename_owner(
        self, session: VaultSession, *, name: str, owner_passphrase: str, owner_code: str
    ) -> None:
        self._users.rename_owner(
            session, name=name, owner_passphrase=owner_passphrase, owner_code=owner_code
        )

    def change_passphrase(self, session: VaultSession, old: str, new: str) -> None:
        self._key_changes.change_passphrase(session, old, new)

    def recover(
        self,
        recovery_text: str,
        new_passphrase: str,
        *,
        passphrase_only: bool = False,
        progress: Progress | None = None,
    ) -> VaultSession:
        return self._key_changes.recover(
            recovery_text, new_passphrase, passphrase_only=passphrase_only, progress=progress
        )

    def reset_totp(
        self,
        passphrase: str,
        recovery_text: str,
        *,
        progress: Progress | None = None,
    ) -> CreatedTotp:
        return self._key_changes.reset_totp(passphrase, recovery_text, progress=progress)

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
