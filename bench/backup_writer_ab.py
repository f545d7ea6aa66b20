"""Issue 18b: the backup writer A/B/C, interleaved in one run, phase by phase.

    python -m bench.backup_writer_ab reference|stress ROUNDS

Each round, each variant after "a day's work", a plain copy + fsync and a settled disk
(as bench/backup_bench.py): A the writer as committed; B without the early fdatasyncs
(closing fsync only); C with `os.sync()` right after the snapshot (timed, so its cost
counts): does the scratch copy's dirty data slow the encrypt + write phase?
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import backup_bench as bb
from therapynotes.services.backups import BackupService

VARIANTS = "ABC"


def main() -> None:
    size, rounds = sys.argv[1], int(sys.argv[2])
    work = Path(tempfile.mkdtemp(prefix="tn-ab-", dir="/var/tmp"))
    real_fdatasync = os.fdatasync
    try:
        session = bb.build_vault(work / "vault", size)
        drive = work / "drive"
        drive.mkdir()
        svc = BackupService(session)
        svc.run(drive).path.unlink()
        srcs = [session.paths.db, session.paths.clinical]
        res: dict[str, list[float]] = {k: [] for k in VARIANTS}
        enc: dict[str, list[float]] = {k: [] for k in VARIANTS}
        copies: list[float] = []
        day = 0
        for _ in range(rounds):
            for k in VARIANTS:
                bb.a_days_work(session, day)
                day += 1
                copies.append(bb.plain_copy(srcs, drive))
                clock = bb.PhaseClock()
                synced = [False]

                def prog(p: str, a: int, b: int, k: str = k, clock: bb.PhaseClock = clock,  # noqa: PLR0917
                         synced: list[bool] = synced) -> None:  # fmt: skip
                    clock(p, a, b)
                    if k == "C" and p == "check" and not synced[0]:
                        synced[0] = True
                        os.sync()

                if k == "B":
                    os.fdatasync = lambda _fd: None
                bb.settle()
                began = time.perf_counter()
                try:
                    out = svc.run(drive, progress=prog)
                finally:
                    os.fdatasync = real_fdatasync
                res[k].append(time.perf_counter() - began)
                clock.stop()
                enc[k].append(clock.totals.get("encrypt", 0) + clock.totals.get("fsync", 0))
                out.path.unlink()
        c = statistics.median(copies)
        print(f"{size}: plain copy median {c:.3f} s over {len(copies)}")
        for k in VARIANTS:
            print(f"  {k}: total {statistics.median(res[k]) / c:.2f}x  encrypt+fsync "
                  f"{statistics.median(enc[k]) / c:.2f}x  "
                  f"(totals {[round(x / c, 2) for x in res[k]]})")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
