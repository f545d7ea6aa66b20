"""SIGKILL while the passphrase slot is re-wrapped with stronger parameters (issue 18):
the vault always opens with the passphrase (with the old parameters or the new ones),
and always with the recovery key; no half-written vault.keys is ever in place.

TN_TRUST_KILLS sets the number of kills; otherwise 10 at CI scale and 100 under
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

from tests.support.filekeyring import FileKeyring
from tests.support.trust import figure, scaled
from tests.support.vaults import STRONG
from tests.trust.test_kill_key_changes import opens_with
from therapynotes.security import kdf, keyslots, recovery
from therapynotes.services.vault import VaultService

KILLS = int(os.environ.get("TN_TRUST_KILLS", str(scaled(ci=10, full=100))))
REPO = Path(__file__).resolve().parents[2]


def test_kill_during_strengthening(tmp_path: Path, monkeypatch, clock) -> None:
    keyfile = tmp_path / "keyring.json"
    monkeypatch.setenv("TN_TEST_KEYRING_FILE", str(keyfile))
    keyring.set_keyring(FileKeyring(keyfile))
    root = tmp_path / "vault"
    svc = VaultService(root, clock=clock)
    created = svc.create(STRONG)
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'src'}"}
    rng = random.Random("kill-strengthen")
    completed = 0
    seen_t: set[int] = set()
    for _ in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.trust.strengthen_child", str(root)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO,
        )  # fmt: skip
        time.sleep(rng.uniform(0.4, 1.0))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        assert b"Traceback" not in err, err.decode()
        completed += len(out.splitlines())

        assert opens_with(svc, STRONG), "the passphrase no longer opens the vault"
        _, doc = svc._read_keys()
        seen_t.add(doc.local.kdf.t)
        rk = recovery.parse_recovery_key(created.recovery_key)
        keyslots.open_recovery(doc, kdf.kek_recovery(rk, doc.recovery.salt)).wipe()
    print(f"strengthen: {KILLS} kills, {completed} re-wraps between them, 0 failures")
    figure("kill.strengthen.kills", KILLS, note="SIGKILL at a random point")
    figure("kill.strengthen.completed", completed)
    figure("kill.strengthen.failures", 0, note="any failure fails the test before this")
    assert completed > 0
    assert seen_t <= {1, 8}
