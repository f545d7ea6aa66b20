"""Crash consistency (testing.md 10): SIGKILL a process at random points while it writes
backups, many times. After every kill the vault still opens, every earlier backup still
verifies, and nothing that looks like a backup is a partial file."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import STRONG, FakeClock
from tests.support.backup_child import open_session
from tests.support.trust import figure, scaled
from therapynotes.services.backups import list_backups, verify_backup
from therapynotes.services.vault import VaultService
from therapynotes.store.connection import transaction

KILLS = scaled(ci=12, full=100)  # `make trust` runs the full size (issue 8)
REPO = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_sigkill_during_backups(tmp_path: Path, clock: FakeClock) -> None:
    root, drive = tmp_path / "vault", tmp_path / "drive"
    drive.mkdir()
    VaultService(root, clock=clock).create(STRONG, passphrase_only=True)
    session = open_session(root, STRONG)
    with transaction(session.conn):
        session.conn.execute("CREATE TABLE t_notes (id INTEGER PRIMARY KEY, body BLOB, n TEXT)")
        for i in range(40):
            session.conn.execute(
                "INSERT INTO t_notes(body, n) VALUES (randomblob(20000), ?)", (str(i),)
            )
    session.lock("setup", record=False)

    rng = random.Random(11)  # noqa: S311 - reproducible kill times, not crypto
    env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{REPO / 'src'}")
    verified: set[str] = set()
    for _ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.support.backup_child", str(root), str(drive), STRONG],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.5))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()

        listed = list_backups(drive)
        assert all(item.header_ok for item in listed)
        for item in listed:
            if item.path.name not in verified:
                verify_backup(item.path, tmp_path, passphrase=STRONG)
                verified.add(item.path.name)
        reopened = open_session(root, STRONG)
        reopened.conn.execute("PRAGMA quick_check").fetchall()
        reopened.lock("check", record=False)
    hidden = [p.name for p in drive.iterdir() if p.name.startswith(".")]
    print(f"kills: {KILLS}, backups verified: {len(verified)}, hidden temp files: {len(hidden)}")
    figure("kill.backup.kills", KILLS, note="SIGKILL at a random point of a backup run")
    figure("kill.backup.backups_verified", len(verified))
    figure("kill.backup.failures", 0, note="any failure fails the test before this")
    assert verified, "no backup finished between kills; raise the sleep range"
