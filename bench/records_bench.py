"""Clinical-record benchmarks: the same synthetic practice in the SQLCipher vault (with
the app's pragmas) and in plain sqlite3 (stdlib, same schema), side by side.

    python -m bench.records_bench [--size reference|stress] [--rounds N] [--dir DIR]

reference: a 10-year practice of about 12,000 signed notes (300 clients, one long-term
client with 300 notes); stress: five times larger. Prints build time, search p50/p95
over a query mix, opening the 300-note chart, listing all clients with their last
session and notes due, and a draft autosave; each as absolute figures and as the ratio
SQLCipher / sqlite3. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import SIZES, TODAY
from therapynotes.domain.enums import Modality
from therapynotes.domain.ids import ClientId, NoteId
from therapynotes.security.secret import Secret
from therapynotes.services import demo
from therapynotes.services.records import RecordsService
from therapynotes.store import connection, migrations
from therapynotes.store.migrations import m0013_clinical_split

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("anxious", {}),
    ("sleep", {}),
    ("insomnia", {}),
    ("exposure hierarchy", {}),
    ('"safety plan"', {}),
    ("panic commute", {}),
    ("grief loss", {}),
    ("caregiving parent", {}),
    ("PHQ-9", {}),
    ("breathing exercise daily", {}),
    ("perfectionism", {"since": "2025-01-01"}),
    ("alcohol weekends", {"client_id": ClientId(1)}),
    ("sibling anger", {"client_id": ClientId(7)}),
    ("depressive", {}),
    ("smith", {}),
    ("motivational interviewing", {"include_psychotherapy": True}),
    ("hypothesis", {"include_psychotherapy": True}),
    ("chain analysis", {"since": "2020-01-01", "until": "2022-12-31"}),
]


class _Session:
    """The one thing RecordsService needs from an unlocked VaultSession: `conn`."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn


def open_sqlcipher(path: Path) -> Any:
    conn = connection.open_db(path, Secret(os.urandom(64)), create=True)  # both files
    migrations.migrate(conn)
    return conn


class _WithoutFtsSecureDelete:
    """Runs the migrations on a stdlib sqlite3 older than 3.44, which lacks FTS5's
    'secure-delete' option (SQLCipher's SQLite has it): that one statement is skipped,
    so the plain side does slightly less work on deletes than the app does."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, *args: Any) -> Any:
        if "'secure-delete'" in sql and sqlite3.sqlite_version_info < (3, 44):
            return self.conn.execute("SELECT 1")
        return self.conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def open_sqlite(path: Path) -> Any:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in connection.PRAGMAS:
        if "cipher" not in pragma:
            conn.execute(pragma).fetchall()
    # Plain SQLite has one file: the schema before the clinical split (issue 17).
    one_file = [m for m in migrations.discover() if m.version < m0013_clinical_split.VERSION]
    migrations.migrate(_WithoutFtsSecureDelete(conn), one_file)
    return conn


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(conn: Any, spec: demo.DemoSpec, rounds: int) -> dict[str, Any]:
    started = time.perf_counter()
    counts = demo.build(conn, spec, today=TODAY)
    build_s = time.perf_counter() - started
    records = RecordsService(_Session(conn))  # type: ignore[arg-type]
    search_ms: list[float] = []
    for query, filters in QUERIES:
        records.search(query, **filters)  # warm the page cache once per query
        search_ms += timed(lambda q=query, f=filters: records.search(q, **f), rounds)
    chart = records.open_chart(ClientId(1))
    chart_ms = timed(lambda: records.open_chart(ClientId(1)), rounds)
    list_ms = timed(lambda: records.list_clients(include_all=True), rounds)
    end = datetime.combine(TODAY, datetime.min.time(), UTC)
    session = records.log_session(
        [ClientId(1)],
        starts_at=end - timedelta(minutes=45),
        ends_at=end,
        service_code="90834",
        modality=Modality.VIDEO,
    )
    note = records.start_from_last_note(ClientId(1), session)
    text = dict(records.get_note(note).sections)
    key = next(iter(text))
    counter = iter(range(1_000_000))

    def save() -> None:
        text[key] = text[key] + f" word{next(counter)}"
        records.save_draft(NoteId(note), text)

    draft_ms = timed(save, rounds * 5)
    return {
        "counts": counts,
        "chart_notes": len(chart.notes),
        "clients": len(records.list_clients(include_all=True)),
        "build_s": build_s,
        "search": search_ms,
        "chart": chart_ms,
        "list": list_ms,
        "draft": draft_ms,
    }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def report(size: str, cipher: dict[str, Any], plain: dict[str, Any], versions: str) -> None:
    c = cipher["counts"]
    print(f"records bench, size {size}: {machine()}")
    print(versions)
    print(
        f"practice: {c.clients} clients, {c.sessions} sessions, {c.notes} notes "
        f"+ {c.psychotherapy_notes} psychotherapy notes, {c.attachments} attachments; "
        f"chart of client 1: {cipher['chart_notes']} notes; client list: {cipher['clients']}"
    )
    print(f"{'measure':<28}{'SQLCipher':>12}{'sqlite3':>12}{'ratio':>8}  target")
    rows = [
        ("build (s, one transaction)", cipher["build_s"], plain["build_s"], "-"),
        ("search p50 (ms)", pct(cipher["search"], 0.5), pct(plain["search"], 0.5), "-"),
        (
            "search p95 (ms)",
            pct(cipher["search"], 0.95),
            pct(plain["search"], 0.95),
            "< 30, ratio < 1.5",
        ),
        (
            "open 300-note chart p50 (ms)",
            pct(cipher["chart"], 0.5),
            pct(plain["chart"], 0.5),
            "< 50",
        ),
        ("list clients p50 (ms)", pct(cipher["list"], 0.5), pct(plain["list"], 0.5), "< 50"),
        ("save draft p50 (ms)", pct(cipher["draft"], 0.5), pct(plain["draft"], 0.5), "< 10"),
        ("save draft p95 (ms)", pct(cipher["draft"], 0.95), pct(plain["draft"], 0.95), "-"),
    ]
    for name, a, b, target in rows:
        print(f"{name:<28}{a:>12.2f}{b:>12.2f}{a / b:>8.2f}  {target}")
    print(
        f"search: {len(QUERIES)} queries x {len(cipher['search']) // len(QUERIES)} rounds, "
        "50 hits each with snippets; chart open includes its audit row (a committed write)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.records_bench")
    parser.add_argument("--size", choices=sorted(SIZES), default="reference")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--dir", type=Path, help="where to build the vaults (default: a temp dir)")
    parser.add_argument(
        "--memory-security",
        choices=("app", "off"),
        default="app",
        help="'off' drops PRAGMA cipher_memory_security = ON to show what it costs (once on, "
        "SQLCipher keeps it on for the whole process, so this needs its own run)",
    )
    args = parser.parse_args(argv)
    if args.memory_security == "off":
        connection.PRAGMAS = tuple(p for p in connection.PRAGMAS if "memory_security" not in p)
    spec = SIZES[args.size]
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        cipher_conn = open_sqlcipher(Path(tmp) / "vault.db")
        plain_conn = open_sqlite(Path(tmp) / "plain.db")
        versions = (
            f"SQLCipher {connection.cipher_version(cipher_conn)} (SQLite "
            f"{cipher_conn.execute('SELECT sqlite_version()').fetchone()[0]}), "
            f"stdlib sqlite3 {sqlite3.sqlite_version}; pragmas: {', '.join(connection.PRAGMAS)}"
        )
        cipher = measure(cipher_conn, spec, args.rounds)
        plain = measure(plain_conn, spec, args.rounds)
        report(args.size, cipher, plain, versions)
        connection.close_db(cipher_conn)
        plain_conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
