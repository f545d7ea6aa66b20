"""Cold start to the unlock screen, against a bare QApplication + QWidget.

Each sample is a fresh Python process timed from spawn to exit; the app process shows
the real main window over an existing vault (so the unlock view, not the wizard) and
quits on the first event-loop turn (THERAPYNOTES_EXIT_WHEN_SHOWN=1). Runs interleaved,
prints medians and the ratio. Target: under 1 s. Uses QT_QPA_PLATFORM=offscreen unless
a display is set.

Usage: .venv/bin/python bench/ui_bench.py [samples]
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
w = QWidget()
w.resize(1120, 720)
w.show()
QTimer.singleShot(0, app.quit)
app.exec()
"""

APP = """
import sys
from pathlib import Path
from therapynotes.app import run
sys.exit(run(vault_dir=Path(sys.argv[1])))
"""

MAKE_VAULT = """
import sys
from pathlib import Path
from therapynotes.services.vault import VaultService
VaultService(Path(sys.argv[1])).create("orange piano little sunset", passphrase_only=True)
"""


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        THERAPYNOTES_EXIT_WHEN_SHOWN="1",
    )
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _time(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)  # noqa: S603 - our own argv
    return time.perf_counter() - start


def main() -> int:
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        vault = home / "vault"
        env = _env(home)
        subprocess.run([sys.executable, "-c", MAKE_VAULT, str(vault)], env=env, check=True)  # noqa: S603
        bare: list[float] = []
        app: list[float] = []
        _time([sys.executable, "-c", BARE], env)  # warm the disk cache once for both
        for _ in range(samples):
            bare.append(_time([sys.executable, "-c", BARE], env))
            app.append(_time([sys.executable, "-c", APP, str(vault)], env))
    b, a = statistics.median(bare), statistics.median(app)
    print(f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} CPUs")
    print(f"platform plugin: {env.get('QT_QPA_PLATFORM', 'default')}, samples: {samples}")
    print(f"bare QApplication+QWidget show: median {b * 1000:.0f} ms")
    print(f"therapynotes to unlock screen:  median {a * 1000:.0f} ms (max {max(app) * 1000:.0f})")
    print(f"ratio app/bare: {a / b:.2f}x; target < 1000 ms: {'met' if a < 1.0 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
