"""Cold start, side by side in one interleaved run (issue 18 "Start quickly").

Two pairs, each sample a fresh process, run in turn A, B, A, B... so that the load other
work puts on a shared machine falls on both sides alike:

- a bare PySide6 QApplication + 1120x720 QWidget vs the app to its unlock screen (over an
  existing vault), both timed from spawn to their first paint (the app prints
  `therapynotes: first paint` under THERAPYNOTES_EXIT_WHEN_SHOWN=1, see app.FirstPaint;
  the bare script prints the same at its first paint). With --xvfb the same pair runs
  under an Xvfb server started here (platform xcb) as well as offscreen.
- `python -c pass` vs `python -m therapynotes --vault V status` (a passphrase-only vault:
  a keyring-bound one also asks the keyring whether this device is bound), spawn to exit.

Children run with bytecode caching on (PYTHONDONTWRITEBYTECODE removed), as an installed
app and PySide6 itself do; the warm-up runs write it. Each GUI sample also reports when
its imports were done (the child prints a wall-clock
stamp), so the cost splits into imports and window + first paint.

Targets: app <= 2x the bare window; status <= 150 ms more than `python -c pass`.

Usage: python -m bench.start_bench [--samples N] [--xvfb]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine

MARKER = "therapynotes: first paint"

BARE = f"""
import time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
print("imported", time.time(), flush=True)
app = QApplication([])
class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print({MARKER!r}, flush=True)
            QTimer.singleShot(0, app.quit)
            app.removeEventFilter(self)
        return False
first = FirstPaint()
app.installEventFilter(first)
w = QWidget()
w.resize(1120, 720)
w.show()
app.exec()
"""

APP = """
import sys, time
from pathlib import Path
from therapynotes.app import run
print("imported", time.time(), flush=True)
sys.exit(run(vault_dir=Path(sys.argv[1])))
"""

MAKE_VAULT = """
import sys
from pathlib import Path
from therapynotes.services.vault import VaultService
VaultService(Path(sys.argv[1])).create("orange piano little sunset", passphrase_only=True)
"""


def _env(home: Path, platform: str, display: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        THERAPYNOTES_EXIT_WHEN_SHOWN="1",
        QT_QPA_PLATFORM=platform,
    )
    if display:
        env["DISPLAY"] = display
    # An installed app runs from compiled bytecode (pip writes it), as the bare script's
    # PySide6 does: let the warm-up run write ours too, so no side compiles from source.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def to_first_paint(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds from spawn to the first-paint line, seconds from spawn to imports done)."""
    wall, start = time.time(), time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and scripts
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None  # noqa: S101
    imported = painted = float("nan")
    for line in proc.stdout:
        if line.startswith("imported "):
            imported = float(line.split()[1]) - wall
        elif line.strip() == MARKER:
            painted = time.perf_counter() - start
            break
    proc.stdout.close()
    if proc.wait(timeout=60) != 0 or math.isnan(painted):
        raise SystemExit(f"no first paint from {args[:3]}")
    return painted, imported


def to_exit(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)  # noqa: S603 - our own argv
    return time.perf_counter() - start


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    read, write = os.pipe()
    proc = subprocess.Popen(  # noqa: S603
        [
            shutil.which("Xvfb") or "Xvfb",
            "-displayfd",
            str(write),
            "-screen",
            "0",
            "1600x1000x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as fh:
        number = fh.readline().strip()
    return proc, f":{number}"


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=9)
    parser.add_argument("--xvfb", action="store_true", help="also under Xvfb (platform xcb)")
    opts = parser.parse_args(sys.argv[1:])
    xvfb, display = start_xvfb() if opts.xvfb else (None, None)
    platforms = ["offscreen"] + (["xcb"] if display else [])
    py = sys.executable
    gui: dict[tuple[str, str], list[tuple[float, float]]] = {}
    cli: dict[str, list[float]] = {"pass": [], "status": []}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            vault = home / "vault"
            base = _env(home, "offscreen", None)
            subprocess.run([py, "-c", MAKE_VAULT, str(vault)], env=base, check=True)  # noqa: S603
            envs = {p: _env(home, p, display if p == "xcb" else None) for p in platforms}
            status = [py, "-m", "therapynotes", "--vault", str(vault), "status"]
            for p in platforms:  # warm the disk cache once for every side
                to_first_paint([py, "-c", BARE], envs[p])
                to_first_paint([py, "-c", APP, str(vault)], envs[p])
            to_exit(status, base)
            for _ in range(opts.samples):
                for p in platforms:
                    gui.setdefault((p, "bare"), []).append(
                        to_first_paint([py, "-c", BARE], envs[p])
                    )
                    gui.setdefault((p, "app"), []).append(
                        to_first_paint([py, "-c", APP, str(vault)], envs[p])
                    )
                cli["pass"].append(to_exit([py, "-c", "pass"], base))
                cli["status"].append(to_exit(status, base))
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()
    print(f"machine: {machine()}; samples: {opts.samples}, interleaved")
    for p in platforms:
        bare, app = gui[(p, "bare")], gui[(p, "app")]
        b, a = ms([s for s, _ in bare]), ms([s for s, _ in app])
        bi, ai = ms([i for _, i in bare]), ms([i for _, i in app])
        print(
            f"[{p}] bare PySide6 window to first paint: median {b:.0f} ms "
            f"(imports done at {bi:.0f} ms)"
        )
        print(
            f"[{p}] therapynotes to its unlock screen:  median {a:.0f} ms "
            f"(imports done at {ai:.0f} ms; max {max(s for s, _ in app) * 1000:.0f} ms)"
        )
        verdict = "met" if a <= 2 * b else "NOT met"
        print(f"[{p}] ratio app/bare: {a / b:.2f}x; target <= 2x: {verdict}")
    p_ms, s_ms = ms(cli["pass"]), ms(cli["status"])
    print(f"python -c pass: median {p_ms:.0f} ms; therapynotes status: median {s_ms:.0f} ms")
    verdict = "met" if s_ms - p_ms <= 150 else "NOT met"
    print(f"status - pass: {s_ms - p_ms:.0f} ms; target <= 150 ms: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
