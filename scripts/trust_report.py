"""Write docs/trust-report.md from the figures the trust tests record (issue 8).

Usage: python scripts/trust_report.py OUT.md --run LABEL FIGURES.jsonl "COMMAND" SECONDS [...]

Each --run names a JSON-lines file written through TN_TRUST_FIGURES (one line per
figure, see tests/support/trust.py), a short label for the table, the exact command
that produced it and how long it took. Nothing here measures anything: every number
comes from a test that could fail.
"""

from __future__ import annotations

import json
import os
import platform
import re
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
- **The signal figures are for the installed Qt binding** (named in the table). They
  check that the references to True and False a signal uses come back (PySide6 6.12.0
  lost one per signal and aborted the app); the count of None only has to not drop: the
  binding keeps a few references to it per operation, which grows but cannot crash.
- **The CLI fuzz never guesses a secret**, so commands that would succeed after unlock
  are exercised mostly on their failure paths; their success paths are in tests/unit/cli.
- **The import fuzz mutates a real export**, one field, row, table or the raw bytes per
  example (plus swapped links and a grown attachment file); it does not build whole
  documents from nothing. An accepted import is checked by opening every chart and note
  and exporting again, not by every screen of the app.
- **Import kills sample one import of about 25 MB** that takes about half a second here;
  the kills spread over 1.3 times that, so some land before it starts or after it ends
  (the figures say how many found it all there and how many found nothing).
- **The purge figure is for the vault folder** (every file, and every page of the
  database decrypted, free pages included). Backups made before the purge still hold
  the client, encrypted, by design (docs/retention.md); so does an export the user made.
- **A chart PDF is compressed**, so the byte scan cannot see inside it; it is the
  requested file, checked with pdftotext to hold the typed note, in the folder the user
  chose, which the scan reports apart.
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


def _plain(text: str) -> str:
    """`<ExitCode.FAILED: 1>` (an IntEnum's repr in a recorded note) as `1`."""
    return re.sub(r"<\w+\.\w+: (-?\d+)>", r"\1", text).replace("|", "/")


def _value(row: dict[str, object]) -> str:
    unit = f" {row['unit']}" if row.get("unit") else ""
    return f"{row['value']}{unit}"


Run = tuple[str, list[dict[str, object]], str, float]  # label, rows, command, seconds


def render(runs: list[Run]) -> str:
    lines = ["# Trust report", ""]
    lines.append(
        "Figures measured by the trust suite (issue 8). Regenerate with `make trust`; every "
        "figure below was printed by a test that fails if the figure is wrong (for example "
        "a kill that loses a returned save, a canary found, a crash in the fuzz)."
    )
    lines += ["", f"- Machine: {_machine()}"]
    for label, rows, command, seconds in runs:
        dates = sorted(str(r["at"]) for r in rows)
        span = f"{dates[0]} to {dates[-1]}" if dates else "no figures"
        lines.append(
            f"- Run **{label}**: `{command}`; figures recorded {span} (UTC); "
            f"{seconds / 60:.1f} min wall-clock in total"
        )
    lines += [
        "- The machine was shared: other sessions' test runs were seen on the same 2 CPUs "
        "during these runs, so wall-clock times are upper bounds.",
        "",
    ]
    for prefix, title in SECTIONS.items():
        lines += [f"## {title}", ""]
        lines += ["| Figure | Value | Run | Note | Test | Date (UTC) |"]
        lines += ["|---|---|---|---|---|---|"]
        found = False
        for label, rows, _, _ in runs:
            for row in rows:
                if not str(row["name"]).startswith(prefix):
                    continue
                found = True
                note = _plain(str(row.get("note", "")))
                lines.append(
                    f"| {row['name']} | {_value(row)} | {label} ({row['scale']} scale) | "
                    f"{note} | `{row['test']}` | {row['at']} |"
                )
        if not found:
            lines.append("| (no figures in this run) | | | | | |")
        lines.append("")
    lines += [REFERENCES, NOT_SHOWN]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    runs = []
    rest = argv[1:]
    while rest:
        if rest[0] != "--run" or len(rest) < 5:
            print(__doc__, file=sys.stderr)
            return 2
        runs.append((rest[1], _load(Path(rest[2])), rest[3], float(rest[4])))
        rest = rest[5:]
    out.write_text(render(runs), "utf-8")
    print(f"wrote {out} ({sum(len(r[1]) for r in runs)} figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
