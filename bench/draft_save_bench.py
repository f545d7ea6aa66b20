"""Draft-save latency before and after moving WAL checkpoints off the commit path
(issue 18), side by side in one run.

    python -m bench.draft_save_bench [--size reference|stress] [--rounds 80] [--burst 25]
                                     [--dir /var/tmp]

The practice of bench/common.py is built once, checkpointed and copied, so both sides
start from the same bytes: "before" is a connection with SQLite's default
auto-checkpoint (1,000 pages: a commit that crosses it checkpoints, with synchronous =
FULL; no WAL size limit); "after" has the app's pragmas (store/connection.py: the mark
raised to a bound only, the WAL cut back to 4 MiB when it starts over) and one idle
checkpoint after each burst of typing, as ui/idle_checkpoint.py does
(timed apart: it is off the save path). Rounds interleave: a burst of autosaves on
"before", then one on "after", and so on. Each autosave appends a word to a long
progress note, as the note editor does (RecordsService.save_draft). Not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import SIZES, TODAY, machine
from therapynotes.domain.enums import Modality
from therapynotes.domain.ids import ClientId, NoteId
from therapynotes.security.secret import Secret
from therapynotes.services import demo
from therapynotes.services.records import RecordsService
from therapynotes.store import connection, migrations

SQLITE_DEFAULT_MARK = 1000


class _Session:
    """What RecordsService needs from a VaultSession: `conn` (and a lock for checkpoint)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn


def build(path: Path, key: Secret, size: str) -> None:
    conn = connection.open_db(path, key, create=True)
    migrations.migrate(conn)
    demo.build(conn, SIZES[size], today=TODAY)
    connection.close_db(conn)


def open_side(path: Path, key: Secret, *, before: bool) -> tuple[Any, RecordsService, NoteId]:
    """A connection with the app's pragmas; `before` puts back SQLite's defaults for the
    two that issue 18 changed (auto-checkpoint mark, no WAL size limit)."""
    conn = connection.open_db(path, key)
    if before:
        conn.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_DEFAULT_MARK}").fetchall()
        conn.execute("PRAGMA journal_size_limit = -1").fetchall()
    records = RecordsService(_Session(conn))  # type: ignore[arg-type]
    end = datetime.combine(TODAY, datetime.min.time(), UTC)
    session = records.log_session(
        [ClientId(1)],
        starts_at=end - timedelta(minutes=45),
        ends_at=end,
        service_code="90834",
        modality=Modality.VIDEO,
    )
    return conn, records, records.start_from_last_note(ClientId(1), session)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Typist:
    """Autosaves of one note, each with one more word, timed in milliseconds; after each
    (untimed) it asks the WAL whether that commit ran a checkpoint."""

    def __init__(self, conn: Any, records: RecordsService, note: NoteId) -> None:
        self.conn, self.records, self.note = conn, records, note
        self.text = dict(records.get_note(note).sections)
        self.key = next(iter(self.text))
        self.words = 0
        self.ms: list[float] = []
        self.checkpointing_ms: list[float] = []  # the saves that ran a checkpoint
        self._folded = self._wal()[1]

    def _wal(self) -> tuple[int, int]:
        _busy, log, done = self.conn.execute("PRAGMA wal_checkpoint(NOOP)").fetchone()
        return int(log), int(done)

    def burst(self, saves: int) -> None:
        for _ in range(saves):
            self.words += 1
            self.text[self.key] += f" word{self.words}"
            started = time.perf_counter()
            self.records.save_draft(self.note, self.text)
            ms = (time.perf_counter() - started) * 1000
            self.ms.append(ms)
            log, done = self._wal()
            if done > 0 and done == log and done != self._folded:  # folded in this commit
                self.checkpointing_ms.append(ms)
            self._folded = done

    def idle(self) -> None:
        """The pause: ui/idle_checkpoint.py's checkpoint, off the save path."""
        connection.checkpoint(self.conn)
        self._folded = self._wal()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.draft_save_bench")
    parser.add_argument("--size", choices=sorted(SIZES), default="reference")
    parser.add_argument("--rounds", type=int, default=80)
    parser.add_argument("--burst", type=int, default=25, help="autosaves between pauses")
    parser.add_argument("--dir", type=Path, default=None, help="where to work (a real disk)")
    args = parser.parse_args(argv)
    print(f"draft-save bench, size {args.size}: {machine()}")
    work = Path(tempfile.mkdtemp(prefix="tn-draft-", dir=args.dir))
    key = Secret(os.urandom(64))  # shared ‖ clinical key: vault.db + clinical.db (issue 17)
    try:
        started = time.perf_counter()
        build(work / "before.db", key, args.size)
        shutil.copyfile(work / "before.db", work / "after.db")
        print(f"practice built in {time.perf_counter() - started:.1f} s in {work}")
        before_conn, before_rec, before_note = open_side(work / "before.db", key, before=True)
        after_conn, after_rec, after_note = open_side(work / "after.db", key, before=False)
        before = Typist(before_conn, before_rec, before_note)
        after = Typist(after_conn, after_rec, after_note)
        idle_ms: list[float] = []
        for _ in range(args.rounds):
            before.burst(args.burst)
            after.burst(args.burst)
            started = time.perf_counter()
            after.idle()
            idle_ms.append((time.perf_counter() - started) * 1000)
        report(before, after, idle_ms, args)
        connection.close_db(before_conn)
        connection.close_db(after_conn)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def report(before: Typist, after: Typist, idle: list[float], args: Any) -> None:
    print(
        f"{args.rounds} interleaved rounds of {args.burst} autosaves per side "
        f"({len(before.ms)} saves each); synchronous = FULL on both"
    )
    print(f"{'draft save (ms)':<34}{'before':>10}{'after':>10}{'after/before':>14}")
    for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("p99.9", 0.999), ("max", 1)):
        a, b = pct(before.ms, q), pct(after.ms, q)
        print(f"{name:<34}{a:>10.2f}{b:>10.2f}{b / a:>14.2f}")
    slow_a, slow_b = sum(v > 50 for v in before.ms), sum(v > 50 for v in after.ms)
    print(f"{'saves over 50 ms':<34}{slow_a:>10}{slow_b:>10}")
    ck_a, ck_b = before.checkpointing_ms, after.checkpointing_ms
    print(f"{'saves that ran a checkpoint':<34}{len(ck_a):>10}{len(ck_b):>10}")
    if ck_a:
        print(
            f"  those saves (before): median {statistics.median(ck_a):.1f} ms, "
            f"max {max(ck_a):.1f} ms; the other saves' p99: "
            f"{pct([v for v in before.ms if v not in ck_a], 0.99):.2f} ms"
        )
    print(
        f"before: auto-checkpoint at {SQLITE_DEFAULT_MARK} pages on the commit path; "
        f"after: mark {connection.AUTOCHECKPOINT_PAGES} pages + an idle checkpoint per pause "
        f"(off the save path: median {statistics.median(idle):.1f} ms, "
        f"max {max(idle):.1f} ms, on the database worker)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
