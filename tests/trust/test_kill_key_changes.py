"""SIGKILL during passphrase changes and recoveries: the vault always opens with exactly
one of the passphrases, and always with the recovery key (testing.md 11; issue 8).

TN_TRUST_KILLS sets the number of kills per mode; otherwise 10 at CI scale and 100 under
`make trust` (TN_TRUST_SCALE=full).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import keyring
import pytest

from tests.support.filekeyring import FileKeyring
from tests.support.trust import figure, scaled
from tests.support.vaults import STRONG, STRONG2
from therapynotes.errors import TherapyNotesError, WrongPassphrase
from therapynotes.security import kdf, keyslots, recovery
from therapynotes.services.vault import VaultService

KILLS = int(os.environ.get("TN_TRUST_KILLS", str(scaled(ci=10, full=100))))
REPO = Path(__file__).resolve().parents[2]


def opens_with(svc: VaultService, passphrase: str) -> bool:
    try:
        raw, doc = svc._read_keys()
        master = kdf.argon2id(passphrase, doc.local.kdf)
        dek = keyslots.open_local(doc, kdf.kek_local(master, svc._device_secret(doc).reveal()))
        keyslots.verify_mac(raw, dek)
    except WrongPassphrase:
        return False
    except TherapyNotesError as exc:
        pytest.fail(f"vault left unopenable: {exc.message}")
    return True


@pytest.mark.parametrize("mode", ["passwd", "recover"])
def test_kill_during_key_changes(tmp_path: Path, monkeypatch, clock, mode: str) -> None:
    keyfile = tmp_path / "keyring.json"
    monkeypatch.setenv("TN_TEST_KEYRING_FILE", str(keyfile))
    keyring.set_keyring(FileKeyring(keyfile))
    root = tmp_path / "vault"
    svc = VaultService(root, clock=clock)
    created = svc.create(STRONG)
    (root / "current").write_text(STRONG)
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'src'}"}
    rng = random.Random(f"kill-{mode}")
    completed = 0
    for _ in range(KILLS):
        argv = [sys.executable, "-m", "tests.trust.key_change_child", mode, str(root)]
        proc = subprocess.Popen(
            [*argv, created.recovery_key],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO,
        )  # fmt: skip
        time.sleep(rng.uniform(0.4, 1.0))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        assert b"Traceback" not in err, err.decode()
        completed += len(out.splitlines())

        opens = [p for p in (STRONG, STRONG2) if opens_with(svc, p)]
        assert len(opens) == 1, f"opens with {len(opens)} passphrases"
        _, doc = svc._read_keys()
        rk = recovery.parse_recovery_key(created.recovery_key)
        keyslots.open_recovery(doc, kdf.kek_recovery(rk, doc.recovery.salt)).wipe()
        (root / "current").write_text(opens[0])
    print(f"{mode}: {KILLS} kills, {completed} completed changes between them, 0 failures")
    figure(f"kill.{mode}.kills", KILLS, note="SIGKILL at a random point")
    figure(f"kill.{mode}.completed_changes", completed)
    figure(f"kill.{mode}.failures", 0, note="any failure fails the test before this")
    assert completed > 0
