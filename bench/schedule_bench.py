"""The schedule: opening the week view and Home's day list on the demo practice, in the
SQLCipher vault, against a plain sqlite3 query of the same rows in the same run.

    python -m bench.schedule_bench [--size reference|stress] [--rounds N]

"Open" is what the app does: the rows from the database (appointments of the week, the
clients' names; for the day list also the notes due) and the widgets built from them
(the week grid's blocks and the agenda; the day list), Qt offscreen. The plain side is
one sqlite3 SELECT of the week's appointments with their clients and the clients'
names, on a plain copy of the same practice. Target: under 50 ms. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import SIZES, TODAY
from bench.records_bench import machine, open_sqlcipher, open_sqlite, pct, timed
from therapynotes.domain.schedule import to_instant, week_start
from therapynotes.services import demo
from therapynotes.services.records import RecordsService

PLAIN_WEEK = (
    "SELECT a.id, a.starts_at, a.minutes, a.status, a.session_id, c.client_id,"
    " k.legal_name, k.preferred_name FROM appointments a"
    " JOIN appointment_clients c ON c.appointment_id = a.id"
    " JOIN clients k ON k.id = c.client_id"
    " WHERE a.starts_at >= ? AND a.starts_at < ? ORDER BY a.starts_at, a.id"
)


class _Session:
    """What RecordsService and the UI's RecordsAccess need from an unlocked session."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.db_lock = threading.RLock()


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0915 - one measured run
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415 - Qt only when run

    from therapynotes.ui.records_access import RecordsAccess  # noqa: PLC0415
    from therapynotes.ui.schedule.today_list import TodaySchedule, load_today  # noqa: PLC0415
    from therapynotes.ui.schedule.week_view import SchedulePage, load_week  # noqa: PLC0415

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=sorted(SIZES), default="stress")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    spec = SIZES[args.size]
    app = QApplication.instance() or QApplication([])
    monday = week_start(TODAY) + timedelta(days=7)  # the first full week booked ahead
    noon = datetime.combine(monday, datetime.min.time(), UTC) + timedelta(hours=12)
    clock = noon.timestamp

    with tempfile.TemporaryDirectory() as tmp:
        cipher = open_sqlcipher(Path(tmp) / "vault.db")
        plain = open_sqlite(Path(tmp) / "plain.db")
        started = time.perf_counter()
        counts = demo.build(cipher, spec, today=TODAY)
        build_s = time.perf_counter() - started
        demo.build(plain, spec, today=TODAY)
        session = _Session(cipher)
        service = RecordsService(session, clock=clock)  # type: ignore[arg-type]
        access = RecordsAccess(session, clock=clock)  # type: ignore[arg-type]
        page = SchedulePage(None, session, access)  # type: ignore[arg-type]
        page.resize(1400, 900)
        page.show()
        day_list = TodaySchedule(access)
        day_list.show()

        def open_week() -> None:
            page._show(load_week(service, monday))  # noqa: SLF001 - what refresh() runs
            app.processEvents()

        def open_day() -> None:
            day_list._show(load_today(service))  # noqa: SLF001 - what refresh() runs
            app.processEvents()

        zone = load_week(service, monday).zone
        start = to_instant(datetime.combine(monday, datetime.min.time()), zone)
        bounds = (
            start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            (start + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )

        def plain_week() -> None:
            plain.execute(PLAIN_WEEK, bounds).fetchall()

        open_week()
        open_day()
        week_ms = timed(open_week, args.rounds)
        rows_ms = timed(lambda: load_week(service, monday), args.rounds)
        day_ms = timed(open_day, args.rounds)
        plain_ms = timed(plain_week, args.rounds)
        blocks = len(page.grid.blocks)
        lines = len(day_list.lines)
        total = cipher.execute("SELECT count(*) FROM appointments").fetchone()[0]
        cipher.close()
        plain.close()

    print(f"schedule bench, size {args.size}: {machine()}")
    print(
        f"practice: {counts.clients} clients, {counts.sessions} sessions, {total} appointments "
        f"(built in {build_s:.1f} s); week of {monday}: {blocks} blocks; day list: {lines}"
    )
    print(f"{'measure':<34}{'p50 ms':>10}{'p95 ms':>10}{'ratio p50':>11}  target")
    base = pct(plain_ms, 0.5)
    for name, values in (
        ("open week view (rows + widgets)", week_ms),
        ("  of which the rows (SQLCipher)", rows_ms),
        ("open Home's day list", day_ms),
        ("plain sqlite3 week query", plain_ms),
    ):
        ratio = pct(values, 0.5) / base if base else float("nan")
        print(f"{name:<34}{pct(values, 0.5):>10.2f}{pct(values, 0.95):>10.2f}{ratio:>11.1f}  < 50")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
