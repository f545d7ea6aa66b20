"""The app quits the normal way on SIGTERM (logout, shutdown, `kill`): it locks first and
exits 0, rather than dying with the vault open."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.cheap_kdf import ENABLE_LINE
from tests.support.vaults import STRONG
from therapynotes.services.vault import VaultService
from therapynotes.store import audit

REPO = Path(__file__).resolve().parents[2]

UNLOCK_AND_WAIT = (
    ENABLE_LINE
    + """
import sys, pyotp, time
from pathlib import Path
from therapynotes.app import close_on_signals, make_application, build_window
app = make_application([])
window = build_window(vault_dir=Path(sys.argv[1]), config_dir=Path(sys.argv[2]))
close_on_signals(window)
window.show()
view = window.gate
view.passphrase.setText(sys.argv[3])
view.code.setText(pyotp.TOTP(sys.argv[4]).now())
view.try_unlock()
def ready():
    if window.session is not None:
        print("unlocked", flush=True)
    else:
        from PySide6.QtCore import QTimer
        QTimer.singleShot(50, ready)
ready()
sys.exit(app.exec())
"""
)


def test_sigterm_locks_and_exits_cleanly(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    created = VaultService(vault).create(STRONG, passphrase_only=True)
    env = {
        **os.environ,
        "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'src'}",
        "QT_QPA_PLATFORM": "offscreen",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", UNLOCK_AND_WAIT, str(vault), str(tmp_path / "config"), STRONG,
         created.totp_secret],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().strip() == b"unlocked"
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err.decode(errors="replace")
    assert b"Traceback" not in err
    time.sleep(0.1)
    later = VaultService(vault, clock=lambda: time.time() + 30)
    import pyotp

    session = later.unlock(STRONG, pyotp.TOTP(created.totp_secret).at(time.time() + 30))
    locks = [e.detail.get("reason") for e in audit.entries(session.conn) if e.kind == "lock"]
    session.lock()
    assert "quit" in locks
