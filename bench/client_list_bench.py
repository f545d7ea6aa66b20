"""The client list at scale, old query vs new, side by side in one run (issue 18).

    python -m bench.client_list_bench [--sizes stress,double] [--rounds N] [--keep DIR]

For the stress practice (1,500 clients, 10 years) and twice it (3,000 clients), built
with services/demo.py in a real SQLCipher vault (`--keep DIR` builds them once there and
reuses them), times `store.clients.summaries` (what the Clients page shows: every
client with the last session's date and the notes due) against the query it replaced
(`scan_summaries` below: the whole session log with a NOT EXISTS per participant, at
every refresh), interleaved old, new, old, new... The old query runs twice: with
SQLCipher's default page cache (8 MB, as before) and with the app's cache size now
(store/connection.py), to show what the cache alone does. Both answers are compared:
they must be identical. Not a test: nothing here asserts but the equality.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import SIZES, TODAY, machine
from therapynotes.domain.enums import ClientStatus
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import ClientSummary, display_name, name_sort_key
from therapynotes.security.secret import Secret
from therapynotes.services import demo
from therapynotes.store import clients, connection, migrations

KEY = Secret(b"k" * 32 + b"c" * 32)  # shared ‖ clinical key: vault.db + clinical.db (issue 17)
CUTOFF = "2027-01-10T09:00:00Z"
OLD_DEFAULT_CACHE = "PRAGMA cache_size = -8000"  # SQLCipher's default: 8,000 KiB


def scan_summaries(conn: Any, *, include_all: bool, due_cutoff: str) -> list[ClientSummary]:
    """The list before schema 12: two grouped passes over the whole session log, with a
    NOT EXISTS per participant (kept here as the baseline, and as the reference the
    tests compare the new query with)."""
    status_filter = "" if include_all else "WHERE status = 'active'"
    people = conn.execute(
        f"SELECT id, legal_name, preferred_name, status FROM clients {status_filter}"  # noqa: S608
    ).fetchall()
    last = dict(
        conn.execute(
            "SELECT p.client_id, max(s.service_date) FROM session_participants p"
            " JOIN sessions s ON s.id = p.session_id GROUP BY p.client_id"
        ).fetchall()
    )
    due = dict(
        conn.execute(
            "SELECT p.client_id, count(*) FROM session_participants p"
            " JOIN sessions s ON s.id = p.session_id"
            " WHERE p.attendance = 'attended' AND s.ends_at <= ?"
            " AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.session_id = p.session_id"
            "   AND n.client_id = p.client_id AND n.state = 'signed'"
            "   AND n.kind <> 'psychotherapy')"
            " GROUP BY p.client_id",
            (due_cutoff,),
        ).fetchall()
    )
    rows = [
        ClientSummary(
            ClientId(int(cid)),
            display_name(str(legal), str(preferred)),
            ClientStatus(status),
            last.get(cid),
            int(due.get(cid, 0)),
        )
        for cid, legal, preferred, status in people
    ]
    return sorted(rows, key=lambda r: (*name_sort_key(r.display_name), r.id))


def spec_for(size: str) -> demo.DemoSpec:
    stress = SIZES["stress"]
    return stress if size == "stress" else dataclasses.replace(stress, clients=2 * stress.clients)


def vault_for(size: str, folder: Path) -> Path:
    path = folder / f"client-list-{size}.db"
    if path.exists():
        return path
    print(f"building the {size} practice in {path} (once)...", flush=True)
    started = time.perf_counter()
    conn = connection.open_db(path, KEY, create=True)
    migrations.migrate(conn)
    counts = demo.build(conn, spec_for(size), today=TODAY)
    connection.close_db(conn)
    print(f"  {counts} in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def measure(path: Path, rounds: int) -> dict[str, list[float]]:
    app = connection.open_db(path, KEY)  # the app's pragmas, page cache included
    old_cache = connection.open_db(path, KEY, pragmas=(*connection.PRAGMAS, OLD_DEFAULT_CACHE))
    migrations.migrate(app)
    sides: dict[str, Callable[[], list[ClientSummary]]] = {
        "old query, 8 MB cache": lambda: scan_summaries(
            old_cache, include_all=True, due_cutoff=CUTOFF
        ),
        "new query, app cache": lambda: clients.summaries(app, include_all=True, due_cutoff=CUTOFF),
        "old query, app cache": lambda: scan_summaries(app, include_all=True, due_cutoff=CUTOFF),
    }
    answers = {name: run() for name, run in sides.items()}  # also warms every cache
    if len({repr(a) for a in answers.values()}) != 1:
        raise SystemExit(f"{path.name}: the new query's answer differs from the old one")
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, run in sides.items():
            started = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - started) * 1000)
    cache = app.execute("PRAGMA cache_size").fetchone()[0]
    print(f"  {len(answers['new query, app cache'])} clients; app cache_size = {cache}")
    connection.close_db(app)
    connection.close_db(old_cache)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.client_list_bench")
    parser.add_argument("--sizes", default="stress,double")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="build the practices here once, reuse them")
    opts = parser.parse_args(sys.argv[1:])
    print(f"machine: {machine()}; rounds: {opts.rounds}, interleaved")
    with tempfile.TemporaryDirectory() as tmp:
        folder = opts.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for size in opts.sizes.split(","):
            print(f"[{size}]")
            times = measure(vault_for(size, folder), opts.rounds)
            new = statistics.median(times["new query, app cache"])
            for name, samples in times.items():
                med = statistics.median(samples)
                worst = max(samples)
                print(f"  {name}: median {med:.1f} ms, max {worst:.1f} ms ({med / new:.1f}x new)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
