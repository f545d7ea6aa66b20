"""An unlocked vault: the open database and the keys that exist only while unlocked.

Handed to the CLI command or the main window after a successful unlock; `lock()` closes
the database, zeroes the keys we own and releases the instance lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from therapynotes.domain.roles import OWNER_LOGIN, Login
from therapynotes.errors import VaultLocked
from therapynotes.paths import VaultPaths
from therapynotes.security import keyslots
from therapynotes.security.kdf import KdfParams
from therapynotes.security.keyslots import KeysDocument
from therapynotes.security.secret import Secret
from therapynotes.store import audit
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection, checkpoint, close_db, transaction
from therapynotes.store.instance_lock import InstanceLock


@dataclass
class VaultSession:
    paths: VaultPaths
    doc: KeysDocument
    dek: Secret
    kek_backup: Secret
    instance_lock: InstanceLock
    _conn: Connection | None
    # Failed unlock attempts made before this unlock (for the audit log); no secrets.
    failed_attempts: list[dict[str, Any]] = field(default_factory=list)
    on_lock: list[Callable[[str], None]] = field(default_factory=list)
    # One connection, several threads (the UI thread and one background worker): whoever
    # uses `conn` holds this lock, so two threads never use it at the same time.
    db_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # Who unlocked (issue 17): the owner unless another login's slot was used.
    login: Login = OWNER_LOGIN
    # A further login's keys from its grant (shared, or shared ‖ clinical); `dek` is then
    # empty: such a session never holds the root key R (docs/security.md "Users and roles").
    user_keys: Secret | None = field(default=None, repr=False)
    # The second-step time step whose code unlocked this session (the owner's): the same
    # code, still current, also passes the owner's check of a change made at once (a CLI
    # command reads one code for both; services/users.py).
    unlock_step: int | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        # Every audit row names the login that acted (issue 17): the connection carries
        # the login's name (store/audit.set_actor), set here, in one place, whenever the
        # session gets a connection or a login (unlock, dataclasses.replace, a rotation's
        # `adopt`), so no store function needs to be told who acts.
        super().__setattr__(name, value)
        if name in ("login", "_conn"):
            conn = self.__dict__.get("_conn")
            login = self.__dict__.get("login")
            if conn is not None and login is not None:
                audit.set_actor(conn, login.name)

    @property
    def vault_id(self) -> str:
        return self.doc.vault_id

    def data_keys(self) -> Secret:
        """A copy of the keys that open the databases (shared ‖ clinical; issue 17). The
        caller wipes it. `dek` is the root key R the key slots wrap."""
        if self.user_keys is not None:
            return Secret(self.user_keys.reveal())
        return keyslots.data_keys(self.doc, self.dek)

    @property
    def kdf_params(self) -> KdfParams:
        """The local slot's Argon2id parameters (backups reuse them with KEK_backup)."""
        return self.doc.local.kdf

    def record(self, kind: AuditKind, *, subject: str = "", **detail: object) -> None:
        """Append one audit row in its own transaction (for events with no other write)."""
        with self.db_lock, transaction(self.conn):
            audit.append(self.conn, kind, subject=subject, detail=detail)

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise VaultLocked
        return self._conn

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def lock(self, reason: str = "manual", *, record: bool = True) -> None:
        """Close the database and wipe keys. Safe to call twice.

        Waits for a worker that holds `db_lock` (a key rotation switching files) instead
        of closing the connection under it."""
        with self.db_lock:
            if self._conn is None and not self.instance_lock.held:
                return
            for callback in list(self.on_lock):
                callback(reason)
            if record and self._conn is not None:
                with (
                    contextlib.suppress(Exception),
                    transaction(self._conn),
                ):  # a full disk must not stop a lock
                    audit.append(self._conn, AuditKind.LOCK, detail={"reason": reason})
            close_db(self._conn)
            self._conn = None
            self.dek.wipe()
            self.kek_backup.wipe()
            if self.user_keys is not None:
                self.user_keys.wipe()
            self.instance_lock.release()

    def checkpoint(self) -> int:
        """Fold the WAL into the main file while nothing else is being written (the UI
        calls this on its database worker after a quiet spell; store/connection.py says
        why commits no longer do it). Never blocks on another connection; 0 when locked
        or when there was nothing to fold."""
        with self.db_lock:
            if self._conn is None or self._conn.in_transaction:
                return 0
            return checkpoint(self._conn)

    # --- for a data-key rotation (services/rotation.py), with db_lock held -------------

    def close_database(self) -> None:
        """Close the connection but keep the keys and the instance lock: the rotation
        switches files while nothing has the database open. Until `adopt`, the session
        behaves as locked for record calls; `lock()` still ends it properly."""
        close_db(self._conn)
        self._conn = None

    def adopt(self, conn: Connection, dek: Secret, doc: KeysDocument) -> None:
        """Carry on with the rotated database: its connection, its key, its key file."""
        self._conn = conn
        old, self.dek = self.dek, dek
        old.wipe()
        self.doc = doc

    def __repr__(self) -> str:
        state = "open" if self.is_open else "locked"
        return f"<VaultSession {self.doc.vault_id[:8]} {state}>"
