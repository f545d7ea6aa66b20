"""Child for the migration kill walks (test_kill_split.py: m0013 moves the clinical tables
into clinical.db; test_kill_search_prefixes.py: m0016 rebuilds the search indexes): open
a vault with both data keys and run the migrations, to be SIGKILLed. `kill_after` runs
it from the test side."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from therapynotes.security.secret import Secret
from therapynotes.store import migrations
from therapynotes.store.connection import close_db, open_db


def main() -> None:
    db, keys = Path(sys.argv[1]), bytes.fromhex(sys.argv[2])
    conn = open_db(db, Secret(keys))
    print("ready", flush=True)
    migrations.migrate(conn)
    close_db(conn)
    print("done", flush=True)


def kill_after(db: Path, keys: bytes, seconds: float) -> None:
    """Start this child on `db`, wait until it has opened the vault, let the migrations
    run for `seconds`, then SIGKILL it (the test then checks what it left)."""
    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=f"{repo}{os.pathsep}{repo / 'src'}")
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.trust.split_child", str(db), keys.hex()],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == b"ready"
    time.sleep(seconds)
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()


if __name__ == "__main__":
    main()
