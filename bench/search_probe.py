"""The stable search probe (issue 18): times exactly what the app's search view asks of
the records service, on a real vault.

    python -m bench.search_probe VAULT_DIR --queries FILE [--order best|newest]

Reads the passphrase and the 6-digit code from stdin (one a line), unlocks once, then
runs each query of FILE (one a line, blank lines skipped) and prints, per query,
`MILLISECONDS<TAB>TOTAL_MATCHES<TAB>SHOWN`. TOTAL_MATCHES is what the view shows: past
store.search.COUNT_CAP notes the count stops, and it is printed with a `+` ("10000+":
more than that). Prints no record text. Errors: one line on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from therapynotes.errors import TherapyNotesError
from therapynotes.services.records import RecordsService
from therapynotes.services.vault import VaultService
from therapynotes.store.search import PAGE, Order


def view_search(
    records: RecordsService, text: str, order: Order = Order.BEST
) -> tuple[int, int, bool]:
    """The search view's call (ui/search_view.py run_search, no filters): the first page
    and the total. Returns (total matches, hits shown, whether there are more than
    the total: the count stopped at its cap)."""
    found = records.search_page(text, limit=PAGE, order=order)
    return found.total, len(found.hits), found.more


def probe(
    records: RecordsService, queries: Iterable[str], order: Order = Order.BEST
) -> Iterator[tuple[float, int, int, bool]]:
    """(milliseconds, total, shown, more) per query, timed around the service call."""
    for query in queries:
        started = time.perf_counter()
        total, shown, more = view_search(records, query, order)
        yield (time.perf_counter() - started) * 1000, total, shown, more


def line(ms: float, total: int, shown: int, more: bool) -> str:
    return f"{ms:.2f}\t{total}{'+' if more else ''}\t{shown}"


def read_queries(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_probe")
    parser.add_argument("vault", type=Path, metavar="VAULT_DIR")
    parser.add_argument("--queries", type=Path, required=True, metavar="FILE")
    parser.add_argument("--order", choices=[o.value for o in Order], default=Order.BEST.value)
    args = parser.parse_args(argv)
    try:
        queries = read_queries(args.queries)
    except (OSError, UnicodeDecodeError) as exc:
        print(
            f"search_probe: cannot read the queries file ({exc.strerror or exc})", file=sys.stderr
        )
        return 1
    passphrase = sys.stdin.readline().rstrip("\n")
    code = sys.stdin.readline().strip()
    vault = VaultService(args.vault)
    if not vault.exists():
        print("search_probe: no vault in that folder", file=sys.stderr)
        return 1
    try:
        session = vault.unlock(passphrase, code)
    except TherapyNotesError as exc:
        print(f"search_probe: {exc}", file=sys.stderr)
        return 1
    try:
        records = RecordsService(session)
        for found in probe(records, queries, Order(args.order)):
            print(line(*found), flush=True)
    finally:
        session.lock("search probe finished")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
