"""The lock screen imports only what it needs (issue 18: cold start <= 2x a bare PySide6
window, bench/start_bench.py): the app's window over an existing vault, shown, has not
loaded a page, the wizard, the restore engine, the keyring, zxcvbn, pyotp or the
database by its first paint, nor what MainWindow makes just after that paint (the
sidebar, the clipboard guard, reminders, the OS-lock listener). Unlocking then loads them
(so the check would see a page imported early)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.vaults import STRONG
from therapynotes.services.vault import VaultService

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys, time
from pathlib import Path
from PySide6.QtCore import QEvent, QObject
from therapynotes.app import build_window, make_application
app = make_application()
window = build_window(vault_dir=Path(sys.argv[1]), listen_to_os=False)
painted = []
class AtFirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not painted:
            painted.append(sorted(sys.modules))
        return False
probe = AtFirstPaint()
window.installEventFilter(probe)
window.show()
deadline = time.monotonic() + 60
while not (painted and window._started) and time.monotonic() < deadline:
    app.processEvents()
print(type(window.gate).__name__)
print(json.dumps(painted[0] if painted else []))
print(json.dumps(sorted(sys.modules) if window._started else []))
"""

LATER = (
    "therapynotes.ui.clients_page",
    "therapynotes.ui.home_view",
    "therapynotes.ui.search_view",
    "therapynotes.ui.settings_dialog",
    "therapynotes.ui.setup_wizard",
    "therapynotes.ui.form_drafts",
    "therapynotes.services.records",
    "therapynotes.services.restore",
    "therapynotes.services.setup_flow",
    "keyring",
    "zxcvbn",
    "pyotp",
    "segno",
    # the database (sqlcipher3), the session and the code check load at unlock
    "therapynotes.security.totp",
    "therapynotes.backup.schedule",
    "sqlcipher3",
    "therapynotes.store.connection",
    "therapynotes.services.session",
)
# Made soon after the first paint (MainWindow._finish_start), not before it: the sidebar,
# the OS-lock listener (QtDBus), the clipboard guard, reminders, idle checkpoints.
AFTER_PAINT = (
    "PySide6.QtDBus",
    "therapynotes.ui.os_lock",
    "therapynotes.ui.clipboard",
    "therapynotes.ui.schedule.reminders",
    "therapynotes.ui.idle_checkpoint",
    "therapynotes.ui.splitters",
)


def test_the_lock_screen_loads_no_page(tmp_path: Path) -> None:
    VaultService(tmp_path / "vault").create(STRONG, passphrase_only=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    proc = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT, str(tmp_path / "vault")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    gate, at_paint, after = proc.stdout.splitlines()[-3:]
    assert gate == "UnlockView"
    loaded = set(json.loads(at_paint))
    assert "therapynotes.ui.unlock_view" in loaded
    assert [m for m in (*LATER, *AFTER_PAINT) if m in loaded] == []
    # ... and what waited for the paint was then made, without unlocking
    later = set(json.loads(after))
    assert [m for m in AFTER_PAINT if m not in later] == ["PySide6.QtDBus"]  # no listening
    assert [m for m in LATER if m in later] == []
