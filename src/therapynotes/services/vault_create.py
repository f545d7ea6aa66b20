"""Creating a vault: the data key, both key slots, the database and the key file.

vault.keys is written last, so a crash before it leaves no vault (the data file a crash
left behind is moved aside by the next `create`); a new device secret that never got
into a key file is deleted again.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from therapynotes import __version__
from therapynotes.errors import VaultExists
from therapynotes.paths import VaultPaths, ensure_private_dir
from therapynotes.security import device_key, kdf, keyslots, recovery, totp
from therapynotes.security.attempts import AttemptLog
from therapynotes.security.keyslots import KeysDocument
from therapynotes.security.passphrase import require_acceptable
from therapynotes.security.secret import Secret
from therapynotes.services import owner_totp
from therapynotes.services.key_file import bind_device, now_iso, seal_local, write_keys
from therapynotes.store import audit, migrations
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


class VaultCreation:
    def __init__(self, paths: VaultPaths, clock: totp.Clock, attempts: AttemptLog) -> None:
        self.paths = paths
        self.clock = clock
        self.attempts = attempts

    def _move_aside_orphans(self) -> None:
        """A crashed `create` can leave a data file without vault.keys; keep it aside."""
        stamp = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%dT%H%M%S")
        for path in (
            *(
                Path(f"{db}{side}")
                for db in (self.paths.db, self.paths.clinical)
                for side in ("", "-wal", "-shm")
            ),
        ):
            if path.exists():
                path.rename(path.with_name(f"{path.name}.orphaned-{stamp}"))

    def create(self, passphrase: str, *, passphrase_only: bool = False) -> CreatedVault:
        require_acceptable(passphrase)
        ensure_private_dir(self.paths.root)
        if self.paths.exists():
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
        binding, backend, entry, device = bind_device(vault_id, passphrase_only)
        try:
            params = kdf.calibrate()
            local = seal_local(
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
            # Issue 17: R (what the slots wrap), and two independent data keys under it.
            bundle = keyslots.new_bundle()
            data = keyslots.seal_data_keys(root=dek, bundle=bundle, vault_id=vault_id)
            try:
                self._create_db(bundle, vault_id, secret, dek)
            finally:
                bundle.wipe()
            doc = KeysDocument(
                vault_id=vault_id,
                created_at=now_iso(self.clock),
                app_version=__version__,
                device_binding=binding,
                keyring_backend=backend,
                device_entry=entry,
                local=local,
                recovery=rec,
                data_keys=data,
            )
            write_keys(self.paths, doc, dek)
        except BaseException:
            if entry:
                device_key.delete(entry)
            for db in (self.paths.db, self.paths.clinical):
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(OSError):
                        Path(f"{db}{suffix}").unlink()
            raise
        finally:
            dek.wipe()
            device.wipe()
        self.attempts.record_success()
        return CreatedVault(vault_id, totp.provisioning_uri(secret), secret, rk_text)

    def _create_db(self, dek: Secret, vault_id: str, totp_secret: str, root: Secret) -> None:
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
                    (totp_secret, now_iso(self.clock)),
                )
                # Sealed under HKDF(R) at once (issue 17 phase B: services/owner_totp.py).
                owner_totp.seal_if_plain(conn, root, vault_id)
        finally:
            close_db(conn)
