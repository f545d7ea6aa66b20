"""Cold start, side by side in one interleaved run (issue 18 "Start quickly").

Two pairs, each sample a fresh process, run in turn A, B, A, B... so that the load other
work puts on a shared machine falls on both sides alike:

- a bare PySide6 QApplication + 1120x720 QWidget vs the app to its unlock screen (over an
  existing vault), both timed from spawn to their first paint (the same event filter,
  installed on each QApplication, prints a marker at the first paint and quits). With
  --xvfb the same pair runs under an Xvfb server started here (platform xcb) as well as
  offscreen.
- `python -c pass` vs `python -m therapynotes --vault V status` (a passphrase-only vault:
  a keyring-bound one also asks the keyring whether this device is bound), spawn to exit.

Children run with bytecode caching on (PYTHONDONTWRITEBYTECODE removed), as an installed
app and PySide6 itself do; the warm-up runs write it. Each GUI sample also reports when
its imports were done (the child prints a wall-clock
stamp), so the cost splits into imports and window + first paint.

Targets: app <= 2x the bare window; status <= 150 ms more than `python -c pass`.

--marker window puts the first-paint filter on each side's shown window instead of its
QApplication. The paint is the same one (a window paints before its children), but a
Python filter on the application is called for every event of every object: about 500
before the app's first paint (some 30 for the bare window), and converting one of them,
Qt's internal QAnimationTimer (the main window animates its central widget's geometry),
makes PySide6 create every class it had left lazy. Measured on 5 Dec 2026 (min of 7,
in-process): the app's window build + first paint 26 ms with the filter on the
application, 12 ms with it on the window; the bare window's alike either way. The
running app has no such filter. The default stays "app", as the targets were set with it.

With --baseline REF (e.g. main), git REF's `src/` (extracted with git archive) runs as a
third side of both pairs, in the same interleaved loop.

Usage: python -m bench.start_bench [--samples N] [--xvfb] [--baseline main]
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

# argv[1]: where the first-paint filter goes, "app" (the QApplication) or "window".
BARE = f"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
print("imported", time.time(), flush=True)
app = QApplication([])
class FirstPaint(QObject):
    def __init__(self, target):
        super().__init__()
        self.target = target
        target.installEventFilter(self)
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print({MARKER!r}, flush=True)
            QTimer.singleShot(0, app.quit)
            self.target.removeEventFilter(self)
        return False
first = FirstPaint(app) if sys.argv[1] == "app" else None
w = QWidget()
w.resize(1120, 720)
if first is None:
    first = FirstPaint(w)
w.show()
app.exec()
"""

# The app's own `run()`, with the same first-paint filter as the bare script installed on
# its QApplication, or on its window (so an older version without app.FirstPaint is timed
# the same way). argv: the vault, then "app" or "window".
APP = f"""
import sys, time
from pathlib import Path
from PySide6.QtCore import QEvent, QObject, QTimer
from therapynotes import app as appmod
print("imported", time.time(), flush=True)
class FirstPaint(QObject):
    def __init__(self, target):
        super().__init__(target)
        self.target = target
        target.installEventFilter(self)
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print({MARKER!r}, flush=True)
            QTimer.singleShot(0, appmod.QApplication.instance().quit)
            self.target.removeEventFilter(self)
        return False
on_app = sys.argv[2] == "app"
make = appmod.make_application
def make_application(argv=None):
    made = make(argv)
    if on_app:
        FirstPaint(made)
    return made
appmod.make_application = make_application
build = appmod.build_window
def build_window(**kwargs):
    window = build(**kwargs)
    if not on_app:
        FirstPaint(window)
    return window
appmod.build_window = build_window
sys.exit(appmod.run(vault_dir=Path(sys.argv[1])))
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


def baseline_src(ref: str, into: Path) -> Path:
    """`src/` of git `ref` (e.g. main), extracted with git archive into `into`."""
    repo = Path(__file__).resolve().parents[1]
    archive = subprocess.run(  # noqa: S603 - fixed git arguments and the user's ref
        ["git", "-C", str(repo), "archive", ref, "src"],  # noqa: S607
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)  # noqa: S603,S607
    return into / "src"


def main() -> int:  # noqa: PLR0912, PLR0915 - one interleaved loop over every side
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=9)
    parser.add_argument("--xvfb", action="store_true", help="also under Xvfb (platform xcb)")
    parser.add_argument("--baseline", metavar="REF", help="also time git REF's app (e.g. main)")
    parser.add_argument(
        "--marker",
        choices=("app", "window"),
        default="app",
        help="first-paint filter on the QApplication (default) or on the shown window",
    )
    opts = parser.parse_args(sys.argv[1:])
    xvfb, display = start_xvfb() if opts.xvfb else (None, None)
    platforms = ["offscreen"] + (["xcb"] if display else [])
    py = sys.executable
    gui: dict[tuple[str, str], list[tuple[float, float]]] = {}
    cli: dict[str, list[float]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            vault = home / "vault"
            base = _env(home, "offscreen", None)
            subprocess.run([py, "-c", MAKE_VAULT, str(vault)], env=base, check=True)  # noqa: S603
            # side name -> (env per platform, PYTHONPATH override or None)
            sources: dict[str, str | None] = {"app": None}
            if opts.baseline:
                sources[opts.baseline] = str(baseline_src(opts.baseline, home))
            gui_sides = ["bare", *sources]

            def env_for(platform: str, source: str | None) -> dict[str, str]:
                env = _env(home, platform, display if platform == "xcb" else None)
                if source is not None:
                    env["PYTHONPATH"] = source
                return env

            def gui_run(side: str, platform: str) -> tuple[float, float]:
                if side == "bare":
                    return to_first_paint([py, "-c", BARE, opts.marker], env_for(platform, None))
                args = [py, "-c", APP, str(vault), opts.marker]
                return to_first_paint(args, env_for(platform, sources[side]))

            status = [py, "-m", "therapynotes", "--vault", str(vault), "status"]
            cli_sides = {"pass": ([py, "-c", "pass"], None)}
            cli_sides.update({f"status ({k})": (status, v) for k, v in sources.items()})
            for _ in range(2):  # warm the disk cache and write bytecode, every side
                for platform in platforms:
                    for side in gui_sides:
                        gui_run(side, platform)
                for args, source in cli_sides.values():
                    to_exit(args, env_for("offscreen", source))
            for _ in range(opts.samples):
                for platform in platforms:
                    for side in gui_sides:
                        gui.setdefault((platform, side), []).append(gui_run(side, platform))
                for name, (args, source) in cli_sides.items():
                    cli.setdefault(name, []).append(to_exit(args, env_for("offscreen", source)))
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()
    print(
        f"machine: {machine()}; samples: {opts.samples}, interleaved; "
        f"first-paint filter on the {'QApplication' if opts.marker == 'app' else 'window'}"
    )
    for platform in platforms:
        b = ms([s for s, _ in gui[(platform, "bare")]])
        print(f"[{platform}] bare PySide6 window to first paint: median {b:.0f} ms")
        for side in gui_sides[1:]:
            samples = gui[(platform, side)]
            a = ms([s for s, _ in samples])
            imports = ms([i for _, i in samples])
            verdict = "met" if a <= 2 * b else "NOT met"
            print(
                f"[{platform}] {side} to its unlock screen: median {a:.0f} ms (imports done at "
                f"{imports:.0f} ms); {a / b:.2f}x bare; target <= 2x: {verdict}"
            )
    p_ms = ms(cli["pass"])
    print(f"python -c pass: median {p_ms:.0f} ms")
    for name in list(cli)[1:]:
        s_ms = ms(cli[name])
        verdict = "met" if s_ms - p_ms <= 150 else "NOT met"
        print(
            f"therapynotes {name}: median {s_ms:.0f} ms, {s_ms - p_ms:.0f} ms more than pass; "
            f"target <= 150 ms: {verdict}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
