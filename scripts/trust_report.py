"""Write docs/trust-report.md from the figures the trust tests record (issue 8).

Usage: python scripts/trust_report.py OUT.md --run FIGURES.jsonl "COMMAND" SECONDS [...]

Each --run names a JSON-lines file written through TN_TRUST_FIGURES (one line per
figure, see tests/support/trust.py), the exact command that produced it and how long it
took. Nothing here measures anything: every number comes from a test that could fail.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections import OrderedDict
from pathlib import Path

SECTIONS = OrderedDict(
    [
        ("kill.", "Crash consistency (SIGKILL at random points)"),
        ("disk.", "Disk faults"),
        ("canary.", "Plaintext canary scan"),
        ("two_instances.", "Two instances"),
        ("endurance.", "Endurance"),
        ("fuzz.", "Bad input (Hypothesis)"),
        ("memory.", "Memory hygiene (copies of secrets in the process's memory)"),
        ("permissions.", "Permissions"),
    ]
)

REFERENCES = """\
Also part of the trust suite's command (figures printed by the tests, not repeated here):
- Backup drive full, read-only, removed mid-write, cancelled at each phase:
  `tests/unit/backup/test_drive.py` (run by `make trust`; pass/fail, each asserts the clear
  error, that no partial file is left and that earlier backups still verify).
- Backup tamper, truncation, chunk reorder/splice and the parser fuzz:
  `tests/unit/backup/test_tamper.py`, `test_format.py` (run by `make test`).
"""

NOT_SHOWN = """\
## What these figures do NOT show

- **Power loss is not SIGKILL.** A killed process leaves the kernel's page cache intact;
  a power cut may lose writes the disk acknowledged. The code fsyncs (SQLite
  `synchronous = FULL`, atomic writes with fsync of file and folder), but no test here
  cuts power or uses a lying disk.
- **Kill points are random, not exhaustive.** Hundreds of kills sample the write paths;
  a window of a few instructions may never be hit. The key-change paths are ordered so
  that every step is safe by construction (docs/security.md); the kills check that.
- **Disk faults are simulated on tmpfs** (or injected where mounting is not allowed):
  a real USB stick or network share can fail in ways tmpfs does not (partial sector
  writes, stale handles, I/O errors after a delay).
- **The canary scan covers the folders named above**, on this machine, for the features
  that exist today. It does not see swap, hibernation files, the clipboard history of a
  desktop, crash dumps (core files/apport), file-system journals or SSD remapped blocks.
  Plaintext the user exports or prints is out of scope by design.
- **Memory hygiene is measured, not promised.** Python cannot wipe immutable `str` and
  `bytes`; the figures count copies of the data key and the passphrase in the process
  after lock. A memory dump of an *unlocked* process holds the key by necessity.
- **Endurance is compressed time.** The injected clock makes 1,000 cycles stand for
  hours, but the process runs for minutes: slow leaks in Qt or the OS over days of use,
  and memory fragmentation, are not measured. Resident memory is one sample at start and
  end, not a profile.
- **The CLI fuzz never guesses a secret**, so commands that would succeed after unlock
  are exercised mostly on their failure paths; their success paths are in tests/unit/cli.
  The import-file fuzz arrives with issue 4.
- **One machine, one run.** Timings and memory are for the machine below; other
  machines, file systems and Qt platforms (Wayland, macOS, Windows) were not measured.
"""


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.system()} {platform.release()} ({platform.machine()}), {cpu}, "
        f"{os.cpu_count()} CPUs{mem}; Python {platform.python_version()}"
    )


def _load(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _value(row: dict[str, object]) -> str:
    unit = f" {row['unit']}" if row.get("unit") else ""
    return f"{row['value']}{unit}"


def render(runs: list[tuple[list[dict[str, object]], str, float]]) -> str:
    lines = ["# Trust report", ""]
    lines.append(
        "Figures measured by the trust suite (issue 8). Regenerate with `make trust`; every "
        "figure below was printed by a test that fails if the figure is wrong (for example "
        "a kill that loses a returned save, a canary found, a crash in the fuzz)."
    )
    lines += ["", f"- Machine: {_machine()}"]
    for rows, command, seconds in runs:
        dates = sorted(str(r["at"]) for r in rows)
        span = f"{dates[0]} to {dates[-1]}" if dates else "no figures"
        lines.append(f"- Run: `{command}`, {span} (UTC), {seconds / 60:.1f} min in total")
    lines.append("")
    for prefix, title in SECTIONS.items():
        lines += [f"## {title}", ""]
        lines += ["| Figure | Value | Scale | Note | Test | Command | Date (UTC) |"]
        lines += ["|---|---|---|---|---|---|---|"]
        found = False
        for rows, command, _ in runs:
            for row in rows:
                if not str(row["name"]).startswith(prefix):
                    continue
                found = True
                note = str(row.get("note", "")).replace("|", "/")
                lines.append(
                    f"| {row['name']} | {_value(row)} | {row['scale']} | {note} | "
                    f"`{row['test']}` | `{command}` | {row['at']} |"
                )
        if not found:
            lines.append("| (no figures in this run) | | | | | | |")
        lines.append("")
    lines += [REFERENCES, NOT_SHOWN]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    runs = []
    rest = argv[1:]
    while rest:
        if rest[0] != "--run" or len(rest) < 4:
            print(__doc__, file=sys.stderr)
            return 2
        runs.append((_load(Path(rest[1])), rest[2], float(rest[3])))
        rest = rest[4:]
    out.write_text(render(runs), "utf-8")
    print(f"wrote {out} ({sum(len(r) for r, _, _ in runs)} figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
