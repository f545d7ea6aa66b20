"""Child process for test_kill_key_changes: changes the passphrase (or recovers) in a loop
until it is killed. argv: mode, vault folder, recovery key."""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import keyring

from tests.support.cheap_kdf import enable
from tests.support.filekeyring import FileKeyring
from tests.support.vaults import STRONG, STRONG2
from therapynotes.security import kdf, keyslots
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.store.connection import open_db
from therapynotes.store.instance_lock import InstanceLock


def open_session(svc: VaultService, passphrase: str) -> VaultSession:
    """Unlock up to (not including) the TOTP step, which this test is not about."""
    raw, doc = svc._read_keys()
    master = kdf.argon2id(passphrase, doc.local.kdf)
    dek = keyslots.open_local(doc, kdf.kek_local(master, svc._device_secret(doc).reveal()))
    keyslots.verify_mac(raw, dek)
    lock = InstanceLock(svc.paths.lock)
    lock.acquire()
    return VaultSession(
        svc.paths,
        doc,
        dek,
        kdf.kek_backup(master),
        lock,
        open_db(svc.paths.db, keyslots.data_keys(doc, dek)),
    )


def main() -> None:
    enable()  # the suite's cheap KDF: a child process must switch it on itself
    mode, root, recovery_key = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    keyring.set_keyring(FileKeyring())
    svc = VaultService(root)
    for i in itertools.count():
        current = (root / "current").read_text()
        new = STRONG2 if current == STRONG else STRONG
        if mode == "passwd":
            session = open_session(svc, current)
            svc.change_passphrase(session, current, new)
        else:
            session = svc.recover(recovery_key, new)
        session.lock()
        (root / "current.tmp").write_text(new)
        os.replace(root / "current.tmp", root / "current")
        print(i, flush=True)


if __name__ == "__main__":
    main()
