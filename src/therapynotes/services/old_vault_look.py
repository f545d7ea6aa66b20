"""A look inside an old vault (one set aside beside this one, services/old_vaults.py),
read-only: its own passphrase (with this computer's device secret, as at unlock) opens
its data key, its own 6-digit code is checked without being recorded, and the database
is opened with `query_only`, so nothing in it changes (no audit row, no code step). What
comes back is a summary for the screen: the clients' names and how many notes and
sessions there are. Keys are wiped and the file closed before returning.
Must not import PySide6.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from therapynotes.domain.models import display_name
from therapynotes.errors import TotpRejected
from therapynotes.security import keyslots, totp
from therapynotes.services import owner_totp
from therapynotes.services.key_file import read_keys
from therapynotes.services.old_vaults import describe
from therapynotes.services.vault import VaultService
from therapynotes.store.connection import open_db
from therapynotes.store.instance_lock import InstanceLock


@dataclass(frozen=True)
class OldVaultLook:
    clients: list[str]
    notes: int
    sessions: int


def look(
    root: Path, name: str, passphrase: str, code: str, *, clock: Callable[[], float]
) -> OldVaultLook:
    """`name` is the folder set aside beside the live vault `root`."""
    old = describe(root, name)
    svc = VaultService(old.path, clock=clock)
    paths = svc.paths
    raw, doc = read_keys(paths)
    svc.attempts.check_allowed()
    lock = InstanceLock(paths.lock)
    lock.acquire()
    try:
        dek, kek_backup = svc._unlocker.unwrap_local(raw, doc, passphrase)
        kek_backup.wipe()
        bundle = keyslots.data_keys(doc, dek)  # both data keys (issue 17)
        try:
            conn = open_db(paths.db, bundle)
        finally:
            bundle.wipe()
        try:
            conn.execute("PRAGMA query_only = ON")
            try:
                secret, last_step = owner_totp.read(conn, dek, doc.vault_id)
            finally:
                dek.wipe()
            try:
                totp.TotpCheck(secret, clock).verify(code, last_step=last_step)
            except TotpRejected:
                svc.attempts.record_failure("code")
                raise
            names = [
                display_name(str(r[0]), str(r[1] or ""))
                for r in conn.execute(
                    "SELECT legal_name, preferred_name FROM clients ORDER BY legal_name"
                )
            ]
            notes = int(conn.execute("SELECT count(*) FROM notes").fetchone()[0])
            sessions = int(conn.execute("SELECT count(*) FROM sessions").fetchone()[0])
        finally:
            conn.close()
    finally:
        lock.release()
    return OldVaultLook(names, notes, sessions)
