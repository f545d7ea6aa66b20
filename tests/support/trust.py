"""The trust suite's harness: scale, figures, and the list of features the canary and
permission walks exercise (issue 8).

- `scaled(ci, full)`: the size of a test. `make test` runs the CI size; `make trust`
  sets TN_TRUST_SCALE=full.
- `figure(name, value, ...)`: prints one measured figure and, when TN_TRUST_FIGURES names
  a file, appends it there as a JSON line; scripts/trust_report.py turns that file into
  docs/trust-report.md.
- `FEATURES`: named functions that use one app feature on an unlocked vault. The canary
  scan and the permission walk run every entry, so a feature added later (retention and
  purge, export/import, chart PDF) is covered by adding one `@feature` function here.

Must not import PySide6 (UI passes live in tests/ui/).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCALE_ENV = "TN_TRUST_SCALE"
FIGURES_ENV = "TN_TRUST_FIGURES"


def full_scale() -> bool:
    return os.environ.get(SCALE_ENV, "ci") == "full"


def scaled(ci: int, full: int) -> int:
    """`full` under `make trust` (TN_TRUST_SCALE=full), else `ci`."""
    return full if full_scale() else ci


def figure(name: str, value: object, *, unit: str = "", test: str = "", note: str = "") -> None:
    """Print a measured figure, and record it for docs/trust-report.md."""
    scale = "full" if full_scale() else "ci"
    print(f"FIGURE {name} = {value}{' ' + unit if unit else ''} ({scale} scale)", flush=True)
    target = os.environ.get(FIGURES_ENV)
    if not target:
        return
    row = {
        "name": name,
        "value": value,
        "unit": unit,
        "scale": scale,
        "test": test or os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0],
        "note": note,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, sort_keys=True) + "\n")


def rss_mib() -> float:
    """This process's resident memory now, in MiB (Linux /proc; else the peak)."""
    try:
        for line in Path("/proc/self/status").read_text("ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def machine() -> str:
    cpus = os.cpu_count() or 0
    return f"{platform.system()} {platform.release()}, {platform.machine()}, {cpus} CPUs"


# --- features, for the canary scan and the permission walk --------------------------


@dataclass
class FeatureRun:
    """What a feature function gets: the unlocked records service, a clock to move, the
    canaries to plant (one per field kind), and folders the user chose (backup drive,
    export folder) so the scan can tell requested files from leaks."""

    records: Any  # therapynotes.services.records.RecordsService
    clock: Any  # tests.conftest.FakeClock
    canaries: dict[str, str]
    user_folders: dict[str, Path]
    state: dict[str, Any] = field(default_factory=dict)

    def canary(self, kind: str) -> str:
        """A unique canary for one field kind (made on first use)."""
        if kind not in self.canaries:
            self.canaries[kind] = f"Qz{kind.replace('_', '').title()}Canary{len(self.canaries):03d}"
        return self.canaries[kind]


Feature = Callable[[FeatureRun], None]
FEATURES: list[tuple[str, Feature]] = []


def feature(name: str) -> Callable[[Feature], Feature]:
    def register(fn: Feature) -> Feature:
        FEATURES.append((name, fn))
        return fn

    return register
