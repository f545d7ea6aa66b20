"""A second process on the same vault gets a clear "already open"; a crashed holder
never leaves the vault locked out (issue 8)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.cheap_kdf import ENABLE_LINE
from tests.support.trust import figure
from tests.support.vaults import STRONG, code_for
from therapynotes.services.vault import VaultService

REPO = Path(__file__).resolve().parents[2]

HOLDER = (
    ENABLE_LINE
    + """
import sys, time, pyotp
from pathlib import Path
from therapynotes.services.vault import VaultService
svc = VaultService(Path(sys.argv[1]))
session = svc.unlock(sys.argv[2], pyotp.TOTP(sys.argv[3]).now())
print("holding", flush=True)
time.sleep(600)
"""
)


def test_second_cli_process_is_told_the_vault_is_open(vault_dir: Path, clock) -> None:
    svc = VaultService(vault_dir, clock=clock)
    created = svc.create(STRONG, passphrase_only=True)
    session = svc.unlock(STRONG, code_for(created, clock()))
    try:
        cli = [sys.executable, "-m", "therapynotes", "--vault", str(vault_dir)]
        result = subprocess.run(
            [*cli, "--passphrase-stdin", "check"],
            input=f"{STRONG}\n000000\n", capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        assert result.returncode == 1
        assert "already open in another TherapyNotes window" in result.stderr
        assert "Traceback" not in result.stderr
        assert session.conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
        figure("two_instances.second_cli_refused", "exit 1, 'already open'", note="no corruption")
    finally:
        session.lock()


def test_a_killed_holder_releases_the_vault(vault_dir: Path, clock) -> None:
    svc = VaultService(vault_dir)
    created = svc.create(STRONG, passphrase_only=True)
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'src'}"}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(vault_dir), STRONG, created.totp_secret],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == b"holding"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    time.sleep(0.1)
    later = VaultService(vault_dir, clock=lambda: time.time() + 30)
    later.unlock(STRONG, code_for(created, time.time() + 30)).lock()
    figure("two_instances.unlock_after_holder_killed", "ok", note="OS released the lock")
