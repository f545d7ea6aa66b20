"""Child process for the SIGKILL test: opens a passphrase-only vault (no TOTP: this is a
test harness, not an unlock path) and writes backups in a loop until killed.

Usage: python -m tests.support.backup_child VAULT_DIR DRIVE_DIR PASSPHRASE
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.cheap_kdf import enable
from therapynotes.security import kdf, keyslots
from therapynotes.services.backups import BackupService
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.store.connection import open_db, transaction
from therapynotes.store.instance_lock import InstanceLock


def open_session(root: Path, passphrase: str) -> VaultSession:
    svc = VaultService(root)
    doc = keyslots.decode(svc.paths.keys.read_bytes())
    master = kdf.argon2id(passphrase, doc.local.kdf)
    dek = keyslots.open_local(doc, kdf.kek_local(master, b""))
    lock = InstanceLock(svc.paths.lock)
    lock.acquire()
    conn = open_db(svc.paths.db, keyslots.data_keys(doc, dek))  # both databases
    return VaultSession(svc.paths, doc, dek, kdf.kek_backup(master), lock, conn)


def main() -> None:
    enable()  # the suite's cheap KDF: a child process must switch it on itself
    root, drive, passphrase = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    session = open_session(root, passphrase)
    service = BackupService(session)
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        with transaction(session.conn):  # the vault keeps changing while backups run
            session.conn.execute(
                "INSERT INTO t_notes(body, n) VALUES (randomblob(30000), ?)", (str(n),)
            )
        service.run(drive)


if __name__ == "__main__":
    main()
