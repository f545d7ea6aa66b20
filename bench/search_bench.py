"""Search benchmark (issue 18): the app's search, exactly as the search view calls it
(bench.search_probe), against a plain sqlite3 FTS5 table holding the same notes, built
from the vault's JSON export in the same run; interleaved query by query (A, B, A, B...).

    python -m bench.search_bench [--size stress|stress2x|all] [--rounds 10] [--dir DIR]
                                 [--keep DIR]

The vault is the demo practice of bench/common.py in a real SQLCipher vault
(passphrase-only, the app's pragmas; `--keep DIR` builds it once there and reuses it).
The plain table is stdlib sqlite3 with the same tokenizer, the same FTS5 expression
(store.search.parse) and the same bounded work per query, statement for statement: a
count, the newest-matches window, bm25 within it, 50 snippets in one pass. It has no
prefix index (as built before schema 16); a second plain table ("like") has the vault's
prefix index, for a like-for-like ratio. A third baseline ranks every match (ORDER BY
rank LIMIT 50, a snippet per hit), which is what the app did before issue 18; it is
printed for comparison only. Then, per query, where the time goes step by step (count,
window, bm25, snippets, client names, diagnoses), app beside plain. Not a test.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import pyotp

from bench.common import SIZES, TODAY, machine
from bench.records_bench import pct
from bench.search_probe import probe
from therapynotes.errors import TotpReplayed
from therapynotes.portable import format as fmt
from therapynotes.services import demo
from therapynotes.services.portable import PortableService
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.store import connection, search
from therapynotes.store.migrations.m0016_search_prefixes import PREFIXES
from therapynotes.store.search import COUNT_CAP, PAGE, RANK_WINDOW, parse

PASSPHRASE = "orange piano little sunset"
EXTRA_PRAGMAS: list[str] = []  # --cache-mib: applied to both sides after the app's own
# Words of the demo notes, common and rare; prefixes as typed; diagnoses; names; syntax.
QUERIES = [
    "anxious",
    "sleep",
    "insom",
    "anx*",
    "client",
    "exposure hierarchy",
    '"safety plan"',
    "panic commute",
    "grief loss",
    "caregiving parent",
    "PHQ-9",
    "breathing exercise daily",
    "perfectionism",
    "depress",
    "F41.1",
    "smith",
    "chain analysis",
    'avoid* AND "work',
]


def build_vault(root: Path, size: str) -> VaultSession:
    """The demo practice of `size` in a vault at `root`; reused when `root` holds one
    built by an earlier run with --keep (its TOTP secret beside it, in SIZE.json: a
    throwaway vault of invented records). Unlocking a kept vault runs the migrations it
    lacks, as the app would."""
    svc = VaultService(root)
    secret_file = root.with_suffix(".json")
    if svc.exists() and secret_file.exists():
        secret = json.loads(secret_file.read_text(encoding="utf-8"))["secret"]
        session = _unlock(svc, secret)
    else:
        created = svc.create(PASSPHRASE, passphrase_only=True)
        session = _unlock(svc, created.totp_secret)
        demo.build(session.conn, SIZES[size], today=TODAY)
        secret_file.write_text(json.dumps({"secret": created.totp_secret}), encoding="utf-8")
    session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    for pragma in EXTRA_PRAGMAS:
        session.conn.execute(pragma).fetchall()
    return session


def _unlock(svc: VaultService, secret: str) -> VaultSession:
    try:
        return svc.unlock(PASSPHRASE, pyotp.TOTP(secret).now())
    except TotpReplayed:  # a kept vault unlocked within the same 30 s: the next code
        time.sleep(30 - time.time() % 30 + 1)
        return svc.unlock(PASSPHRASE, pyotp.TOTP(secret).now())


def plain_from_export(
    export_dir: Path, db: Path, prefix: str = ""
) -> tuple[sqlite3.Connection, int]:
    """A plain FTS5 table of the record's notes (not voided, not psychotherapy notes: what
    notes_fts holds), text as the app indexes it: sections, then addenda. `prefix`: the
    FTS5 prefix option ("" for none, as the baseline was before schema 16)."""
    document = json.loads((export_dir / fmt.JSON_NAME).read_text(encoding="utf-8"))
    addenda: dict[int, list[str]] = {}
    for row in document["addenda"]:
        addenda.setdefault(row["note_id"], []).append(row["body"])
    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in (*connection.PRAGMAS, *EXTRA_PRAGMAS):
        if "cipher" not in pragma:
            conn.execute(pragma).fetchall()
    option = f" prefix = '{prefix}'," if prefix else ""
    conn.execute(
        f"CREATE VIRTUAL TABLE notes USING fts5(body, addenda,{option}"
        " tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    rows = [
        (n["id"], "\n".join(n["body"].values()), "\n".join(addenda.get(n["id"], [])))
        for n in document["notes"]
        if n["state"] != "voided" and n["kind"] != "psychotherapy"
    ]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO notes(rowid, body, addenda) VALUES (?, ?, ?)", rows)
    conn.execute("COMMIT")
    return conn, len(rows)


def plain_bounded(
    conn: sqlite3.Connection, text: str, phases: dict[str, float] | None = None
) -> tuple[int, int]:
    """The app's work per query on the plain table, statement for statement: the count
    up to COUNT_CAP (then, when the words as typed find nothing, the count with the last
    word as a prefix), the newest-matches window, bm25 within it (bm25() sorted by SQLite, as
    store.search does), 50 snippets in one pass. `phases`: filled with each step's ms."""
    times = phases if phases is not None else {}
    parsed = parse(text)
    if not parsed.fts:
        return 0, 0
    started = time.perf_counter()
    query = parsed.fts
    total = _capped_count(conn, query)
    if total == 0 and parsed.prefixed:
        query = parsed.prefixed
        total = _capped_count(conn, query)
    started = _lap(times, "count", started)
    start = conn.execute(
        "SELECT rowid FROM notes WHERE notes MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        (query, max(RANK_WINDOW, 10 * PAGE) - 1),  # the window store.search.page uses
    ).fetchone()
    started = _lap(times, "window", started)
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT rowid, bm25(notes) AS score FROM notes WHERE notes MATCH ? AND rowid >= ?"
            " ORDER BY score, rowid DESC LIMIT ?",
            (query, start[0] if start else 0, PAGE),
        )
    ]
    started = _lap(times, "bm25", started)
    if ids:
        conn.execute(
            "SELECT rowid, snippet(notes, -1, '[', ']', '…', 16) FROM notes WHERE notes MATCH ?"  # noqa: S608
            f" AND rowid BETWEEN ? AND ? AND +rowid IN ({','.join('?' for _ in ids)})",  # noqa: S608
            (query, min(ids), max(ids), *ids),
        ).fetchall()
    _lap(times, "snippets", started)
    return total, len(ids)


def _capped_count(conn: sqlite3.Connection, query: str) -> int:
    """store.search's count: the newest COUNT_CAP + 1 matches at most."""
    return int(
        conn.execute(
            "SELECT count(*) FROM (SELECT rowid FROM notes WHERE notes MATCH ?"
            " ORDER BY rowid DESC LIMIT ?)",
            (query, COUNT_CAP + 1),
        ).fetchone()[0]
    )


def _lap(times: dict[str, float], phase: str, started: float) -> float:
    now = time.perf_counter()
    times[phase] = (now - started) * 1000
    return now


def plain_rank_all(conn: sqlite3.Connection, text: str) -> int:
    """Before issue 18: bm25 over every match, then a snippet per hit shown."""
    query = parse(text).fts
    if not query:
        return 0
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT rowid FROM notes WHERE notes MATCH ? ORDER BY rank LIMIT ?", (query, PAGE)
        )
    ]
    for rowid in ids:
        conn.execute(
            "SELECT snippet(notes, -1, '[', ']', '…', 16) FROM notes"
            " WHERE notes MATCH ? AND rowid = ?",
            (query, rowid),
        ).fetchone()
    return len(ids)


PHASE_ROUNDS = 5
APP_PHASES = ("count", "window", "bm25", "snippets", "clients", "diagnoses")
PLAIN_PHASES = ("count", "window", "bm25", "snippets")


def app_phases(conn: Any, text: str) -> dict[str, float]:
    """Where one BEST page's time goes in the vault, phase by phase (store.search.page's
    steps, called one by one; for the report, not a second implementation)."""
    filters = search.Filters()
    parsed = parse(text)
    out: dict[str, float] = {}
    if not parsed.fts:
        return out
    resolved: list[str] = []
    out["count"] = _ms(
        lambda: resolved.append(search._resolve(conn, parsed, filters, search.COUNT_CAP)[0])
    )
    query = resolved[0]
    window = max(RANK_WINDOW, 10 * PAGE)
    starts: list[int | None] = []
    out["window"] = _ms(
        lambda: starts.append(search._window_start(conn, "notes_fts", query, filters, window))
    )
    rows: list[Any] = []
    out["bm25"] = _ms(
        lambda: rows.extend(
            search._rank(conn, "notes_fts", query, filters, start=starts[0], limit=PAGE)
        )
    )
    ids = [r[1] for r in rows]
    out["snippets"] = _ms(lambda: search._snippets(conn, "notes_fts", query, ids, ("[", "]")))
    out["clients"] = _ms(lambda: search._client_hits(conn, query, filters, PAGE))
    out["diagnoses"] = _ms(lambda: search._diagnosis_hits(conn, query, filters, PAGE))
    return out


def _ms(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


PhaseRuns = dict[str, dict[str, list[float]]]  # query -> phase -> ms


def run_size(size: str, rounds: int, where: Path | None, keep: Path | None = None) -> None:
    with tempfile.TemporaryDirectory(dir=where) as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        session = build_vault((keep or root) / (size if keep else "vault"), size)
        built = time.perf_counter() - started
        try:
            records = RecordsService(session)
            started = time.perf_counter()
            PortableService(session).export_json(root / "export")
            plain, indexed = plain_from_export(root / "export", root / "plain.db")
            like, _ = plain_from_export(root / "export", root / "like.db", PREFIXES)
            exported = time.perf_counter() - started
            app: Runs = {q: [] for q in QUERIES}
            base: Runs = {q: [] for q in QUERIES}
            alike: Runs = {q: [] for q in QUERIES}
            naive: Runs = {q: [] for q in QUERIES}
            totals: dict[str, tuple[str, int, str]] = {}
            for query in QUERIES:  # warm the page caches once per query
                _, total, shown, more = next(probe(records, [query]))
                plain_total, _ = plain_bounded(plain, query)
                plain_bounded(like, query)
                plain_rank_all(plain, query)
                counted = f"{total}+" if more else str(total)
                plain_counted = f"{COUNT_CAP}+" if plain_total > COUNT_CAP else str(plain_total)
                totals[query] = (counted, shown, plain_counted)
            for _ in range(rounds):
                for query in QUERIES:  # interleaved: A, B, C, A, B, C...
                    app[query].append(next(probe(records, [query]))[0])
                    base[query].append(_ms(lambda q=query: plain_bounded(plain, q)))
                    alike[query].append(_ms(lambda q=query: plain_bounded(like, q)))
                    naive[query].append(_ms(lambda q=query: plain_rank_all(plain, q)))
            app_steps: PhaseRuns = {q: {} for q in QUERIES}
            plain_steps: PhaseRuns = {q: {} for q in QUERIES}
            for _ in range(PHASE_ROUNDS):
                for query in QUERIES:  # interleaved as well
                    for phase, ms in app_phases(session.conn, query).items():
                        app_steps[query].setdefault(phase, []).append(ms)
                    laps: dict[str, float] = {}
                    plain_bounded(plain, query, laps)
                    for phase, ms in laps.items():
                        plain_steps[query].setdefault(phase, []).append(ms)
            version = session.conn.execute("SELECT sqlite_version()").fetchone()[0]
            cipher = connection.cipher_version(session.conn)
        finally:
            session.lock("bench finished")
        plain.close()
        like.close()
    report(
        size,
        (rounds, built, exported, indexed),
        totals,
        (app, base, alike, naive),
        (cipher, version),
    )
    report_phases(app_steps, plain_steps)


Runs = dict[str, list[float]]


def report(
    size: str,
    setup: tuple[int, float, float, int],
    totals: dict[str, tuple[str, int, str]],
    runs: tuple[Runs, Runs, Runs, Runs],
    versions: tuple[str, str],
) -> None:
    app, base, alike, naive = runs
    rounds, built, exported, indexed = setup
    print(f"\nsearch bench, size {size}: {machine()}")
    pragmas = ", ".join((*connection.PRAGMAS, *EXTRA_PRAGMAS))
    print(f"pragmas (all sides, cipher ones apart): {pragmas}")
    print(
        f"SQLCipher {versions[0]} (SQLite {versions[1]}), stdlib sqlite3 {sqlite3.sqlite_version}"
        f"; vault ready in {built:.0f} s; export + plain tables of {indexed} notes in "
        f"{exported:.0f} s; {len(QUERIES)} queries x {rounds} rounds, interleaved"
    )
    print(
        f"app: the vault's notes_fts (prefix = '{PREFIXES}'); plain: a plain FTS5 table "
        f"without a prefix index (the baseline); like: the same with prefix = '{PREFIXES}'"
    )
    print(
        f"{'query':<28}{'matches':>8}{'shown':>6}{'app p50':>9}{'plain p50':>10}{'ratio':>7}"
        f"{'like p50':>9}{'ratio':>7}"
    )
    for query in QUERIES:
        total, shown, plain_total = totals[query]
        a, b, c = pct(app[query], 0.5), pct(base[query], 0.5), pct(alike[query], 0.5)
        same = "" if plain_total == total else f"  (plain table: {plain_total} matches)"
        print(
            f"{query:<28}{total:>8}{shown:>6}{a:>9.2f}{b:>10.2f}{a / b:>7.2f}"
            f"{c:>9.2f}{a / c:>7.2f}{same}"
        )
    every_app = [ms for q in QUERIES for ms in app[q]]
    every_base = [ms for q in QUERIES for ms in base[q]]
    every_like = [ms for q in QUERIES for ms in alike[q]]
    every_naive = [ms for q in QUERIES for ms in naive[q]]
    cols = f"{'app':>10}{'plain':>10}{'ratio':>7}{'like':>10}{'ratio':>7}"
    print(f"{'all queries':<28}{cols}  target")
    for name, q in (("p50 (ms)", 0.5), ("p95 (ms)", 0.95)):
        a, b, c = pct(every_app, q), pct(every_base, q), pct(every_like, q)
        target = "< 30 ms, ratio <= 1.5" if q == 0.95 else "-"
        print(f"{name:<28}{a:>10.2f}{b:>10.2f}{a / b:>7.2f}{c:>10.2f}{a / c:>7.2f}  {target}")
    print(
        f"for comparison, plain table ranking every match (the app before issue 18): "
        f"p50 {pct(every_naive, 0.5):.2f} ms, p95 {pct(every_naive, 0.95):.2f} ms"
    )


def report_phases(app_steps: PhaseRuns, plain_steps: PhaseRuns) -> None:
    """Per query, the median of 3 of each step, app (the vault) beside plain."""
    print(f"where the time goes, per query, median of {PHASE_ROUNDS} (ms): app | plain")
    head = (
        "".join(f"{p[:6]:>7}" for p in APP_PHASES)
        + " |"
        + "".join(f"{p[:6]:>7}" for p in PLAIN_PHASES)
    )
    print(f"{'query':<28}{head}")
    for query, steps in app_steps.items():
        if not steps:
            continue
        left = "".join(f"{statistics.median(steps[p]):>7.2f}" for p in APP_PHASES)
        right = "".join(
            f"{statistics.median(plain_steps[query].get(p, [0.0])):>7.2f}" for p in PLAIN_PHASES
        )
        print(f"{query:<28}{left} |{right}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_bench")
    parser.add_argument("--size", choices=[*sorted(SIZES), "all"], default="all")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--dir", type=Path, help="where to build the vaults (default: a temp dir)")
    parser.add_argument(
        "--cache-mib",
        type=int,
        default=0,
        help="adds PRAGMA cache_size of this many MiB to the app's pragmas, for both sides "
        "(default: the app's pragmas as they are); shows what the page cache is worth",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="build each practice's vault here once (DIR/SIZE) and reuse it in later runs",
    )
    args = parser.parse_args(argv)
    for folder in (args.keep, args.dir):
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
    if args.cache_mib:
        EXTRA_PRAGMAS.append(f"PRAGMA cache_size = -{args.cache_mib * 1024}")
    for size in ("stress", "stress2x") if args.size == "all" else (args.size,):
        run_size(size, args.rounds, args.dir, args.keep)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
