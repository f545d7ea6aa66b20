"""The lock screen imports only what it needs (issue 18: cold start <= 2x a bare PySide6
window, bench/start_bench.py): the app's window over an existing vault, shown, has not
loaded a page, the wizard, the restore engine, the keyring, zxcvbn or pyotp. Unlocking
then loads them (so the check would see a page imported early)."""

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
import json, sys
from pathlib import Path
from therapynotes.app import build_window, make_application
app = make_application()
window = build_window(vault_dir=Path(sys.argv[1]), listen_to_os=False)
window.show()
app.processEvents()
print(type(window.gate).__name__)
print(json.dumps(sorted(sys.modules)))
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
    gate, modules = proc.stdout.splitlines()[-2:]
    assert gate == "UnlockView"
    loaded = set(json.loads(modules))
    assert "therapynotes.ui.unlock_view" in loaded
    assert [m for m in LATER if m in loaded] == []
