"""Endurance of the real app under the Qt binding (issue 20): thousands of database
operations through the worker (chart openings, draft saves, Home and client-list
refreshes) and lock/unlock cycles, in one process (tests/ui/signal_endurance_child.py),
offscreen over a real vault.

With PySide6 6.12.0 each signal emitted from Python dropped a reference to True; after a
few thousand operations Python aborted ("bool_dealloc", exit -6), at the latest while
exiting. Here the process must exit 0 and the counts of True and False must be where
they were after the warm-up. None may only grow: PySide 6.11 keeps about two references
to None per QObject with a Python signal that it deletes (each operation's bridge), a
slow growth, reported as a figure; a count that drops is the crash coming.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.trust import figure, scaled

REPO = Path(__file__).resolve().parents[2]
ITERATIONS = scaled(ci=500, full=5000)  # five worker operations each
PER_CYCLE = 25  # iterations between lock/unlock cycles
TOLERANCE = 50  # references: caches that fill once, a frame or two


@pytest.mark.slow
def test_thousands_of_operations_and_locks_leave_the_counts_alone(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    env["QT_QPA_PLATFORM"] = "offscreen"
    child = subprocess.run(
        [sys.executable, "-m", "tests.ui.signal_endurance_child", str(tmp_path),
         str(ITERATIONS), str(PER_CYCLE)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=1800, check=False,
    )  # fmt: skip
    lines = [line for line in child.stdout.splitlines() if line.startswith("RESULT ")]
    assert child.returncode == 0, f"exit {child.returncode}\n{child.stderr[-3000:]}"
    assert len(lines) == 1, child.stdout[-2000:]
    result = json.loads(lines[0].removeprefix("RESULT "))
    (true0, false0, none0), (true1, false1, none1) = result["start"], result["end"]
    figure("endurance.signals.binding", result["binding"], note="the Qt binding measured")
    figure("endurance.signals.operations", result["ops"], note="on the database worker")
    figure("endurance.signals.cycles", result["cycles"], note="lock/unlock")
    figure("endurance.signals.seconds", result["seconds"], unit="s")
    figure("endurance.signals.true_drift", true1 - true0, note="references; must stay near 0")
    figure("endurance.signals.false_drift", false1 - false0, note="references; near 0")
    figure("endurance.signals.none_growth", none1 - none0, note="references; must not drop")
    figure("endurance.signals.exit_status", child.returncode, note="-6 is an abort")
    assert result["ops"] == ITERATIONS * 5 and result["ops"] >= 2000
    assert result["cycles"] == (ITERATIONS - 1) // PER_CYCLE
    assert abs(true1 - true0) <= TOLERANCE and abs(false1 - false0) <= TOLERANCE
    assert none1 - none0 >= -TOLERANCE
