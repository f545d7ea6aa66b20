"""Issue 12: a crash of the unlocked app must not write a core file (it would hold the
data key and record text). Both entry points switch core dumps off at start; checked in
a child process, which reads its own limits and dumpable flag after the real entry point
ran."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

REPORT = """
import ctypes, ctypes.util, json, resource, sys
def report():
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    status = open("/proc/self/status").read()
    dumping = [l.split(":")[1].strip() for l in status.splitlines() if l.startswith("CoreDumping")]
    print(json.dumps({"rlimit": list(resource.getrlimit(resource.RLIMIT_CORE)),
                      "dumpable": libc.prctl(3, 0, 0, 0, 0), "core_dumping": dumping}))
"""

CLI = (
    REPORT
    + """
from therapynotes.cli import main
try:
    main(["--version"])
except SystemExit:
    pass
report()
"""
)

APP = (
    REPORT
    + """
import os
from pathlib import Path
from therapynotes import app
os.environ["THERAPYNOTES_EXIT_WHEN_SHOWN"] = "1"
app.run(vault_dir=Path(sys.argv[1]))
report()
"""
)

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux prctl")


def _child(code: str, *args: str) -> dict[str, object]:
    env = {
        **os.environ,
        "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}",
        "QT_QPA_PLATFORM": "offscreen",
    }
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=False, env=env, capture_output=True, timeout=120
    )
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    report: dict[str, object] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return report


@linux_only
def test_a_plain_python_child_can_dump_core_so_the_check_means_something() -> None:
    report = _child(REPORT + "report()")
    assert report["dumpable"] == 1


@linux_only
def test_the_cli_entry_point_switches_core_dumps_off() -> None:
    report = _child(CLI)
    assert report["rlimit"] == [0, 0]
    assert report["dumpable"] == 0
    assert report["core_dumping"] == ["0"]


@linux_only
def test_the_app_entry_point_switches_core_dumps_off(tmp_path: Path) -> None:
    report = _child(APP, str(tmp_path / "vault"))
    assert report["rlimit"] == [0, 0]
    assert report["dumpable"] == 0
