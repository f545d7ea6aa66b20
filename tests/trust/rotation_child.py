"""Child for test_kill_rotation: adds a client, rotates the data key, and again, until it
is killed. Prints one line after each step *returned* (so the parent knows what must
have survived):

  ready                 the vault is open (the open-time rule has run)
  saved <name>          a client with this legal name was committed
  newkey <text>         a new recovery key, shown before its rotation starts
  rotated <ops>         a rotation returned; <ops> file operations and progress calls
                        it made (the parent learns where it can stop one)

argv: kill-at (0: run until the parent kills us; N: SIGKILL ourselves just before the
N-th file operation or progress call of the first rotation), new-key parity (every other
rotation makes a new recovery key: the odd ones, or with 1 the even ones, so the first
rotation is one of either kind), vault folder, keyring ("secretservice" or a FileKeyring
JSON path), file holding the current recovery key.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keyring
import keyring.core

from tests.support.cheap_kdf import enable
from tests.support.filekeyring import FileKeyring
from tests.support.vaults import STRONG
from therapynotes.domain.models import ClientFields
from therapynotes.security import kdf, keyslots
from therapynotes.services.records import RecordsService
from therapynotes.services.rotation import KeyRotation
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.store.connection import open_db
from therapynotes.store.instance_lock import InstanceLock


class Stops:
    """Counts file operations (fsync, rename, unlink) and progress calls while armed,
    and kills this process just before the `kill_at`-th one."""

    def __init__(self, kill_at: int) -> None:
        self.kill_at = kill_at
        self.count = 0
        self.armed = False

    def hit(self) -> None:
        if not self.armed:
            return
        self.count += 1
        if self.count == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.hit()
            return fn(*args, **kwargs)

        return counted


def use_keyring(spec: str) -> None:
    if spec == "secretservice":
        keyring.set_keyring(keyring.core.load_keyring("keyring.backends.SecretService.Keyring"))
    else:
        keyring.set_keyring(FileKeyring(Path(spec)))


def open_session(svc: VaultService, passphrase: str) -> VaultSession:
    """Unlock up to (not including) the TOTP step, which this test is not about."""
    raw, doc = svc._read_keys()  # noqa: SLF001 - applies the open-time rule first
    master = kdf.argon2id(passphrase, doc.local.kdf)
    dek = keyslots.open_local(doc, kdf.kek_local(master, svc._device_secret(doc).reveal()))  # noqa: SLF001
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
    kill_at, parity, root, keyring_spec, key_file = (
        int(sys.argv[1]),
        int(sys.argv[2]),
        Path(sys.argv[3]),
        sys.argv[4],
        Path(sys.argv[5]),
    )
    use_keyring(keyring_spec)
    stops = Stops(kill_at)
    for name in ("fsync", "replace", "unlink"):
        setattr(os, name, stops.wrap(getattr(os, name)))
    svc = VaultService(root)
    session = open_session(svc, STRONG)
    records = RecordsService(session)
    rotation = KeyRotation(svc)
    recovery_key = key_file.read_text().strip()
    pid = os.getpid()
    print("ready", flush=True)
    for i in itertools.count():
        name = f"Kill {pid}-{i}"
        records.create_client(ClientFields(legal_name=name))
        print(f"saved {name}", flush=True)
        new = (i + parity) % 2 == 1
        plan = rotation.prepare(
            session, STRONG, recovery_text=None if new else recovery_key, new_recovery_key=new
        )
        if plan.new_recovery_key is not None:
            print(f"newkey {plan.new_recovery_key}", flush=True)
        stops.count, stops.armed = 0, True
        rotation.run(plan, progress=lambda *_: stops.hit())
        stops.armed = False
        if plan.new_recovery_key is not None:
            recovery_key = plan.new_recovery_key
        plan.close()
        stops.kill_at = 0  # only the first rotation is stopped on purpose
        print(f"rotated {stops.count}", flush=True)


if __name__ == "__main__":
    main()
