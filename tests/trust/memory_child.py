"""Child for test_memory_hygiene: read the passphrase from stdin (as the app reads it
from a text field), unlock, optionally lock, then wait so the parent can search this
process's memory. argv: vault dir, TOTP secret, phase ("unlocked"/"locked"), clock offset."""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

import pyotp

from tests.support.cheap_kdf import enable
from therapynotes.services.vault import VaultService


def main() -> None:
    enable()  # the suite's cheap KDF: a child process must switch it on itself
    root, secret, phase, offset = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    passphrase = sys.stdin.readline().rstrip("\n")
    svc = VaultService(Path(root), clock=lambda: time.time() + offset)
    session = svc.unlock(passphrase, pyotp.TOTP(secret).at(time.time() + offset))
    del passphrase
    if phase == "locked":
        session.lock()
        del session
        gc.collect()
    print("ready", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main()
