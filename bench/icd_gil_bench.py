"""How long the diagnosis search keeps the UI thread waiting (issue 18): the real Add
diagnosis dialog, a therapist typing a query into it (one search per keystroke, on the
thread pool as in the app), with the pure-Python scan that domain/icd10.py used to do
(the baseline, rebuilt here from the simple-icd-10-cm package) and the SQLite code list
it does now, each under three GIL switch intervals (CPython's 5 ms default, the app's
1 ms, 0.5 ms), interleaved in one run. Prints the worst event-loop lateness of each (a
10-ms timer, as in bench.ui_lag_bench), median and max over the trials, and the ratio of
the old to the new search at each interval; both for the first search of a session (the
code list is built then: the old one in Python, holding the GIL) and for later ones.
Not a test: nothing asserts.

Usage: .venv/bin/python -m bench.icd_gil_bench [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import warnings
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtTest import QTest  # noqa: E402

from bench.common import machine  # noqa: E402
from bench.ui_lag_bench import LagProbe, spin, wait_for  # noqa: E402
from therapynotes.app import SWITCH_INTERVAL_S, make_application  # noqa: E402
from therapynotes.domain import icd10  # noqa: E402
from therapynotes.ui.chart_tabs.diagnoses import DiagnosisDialog  # noqa: E402
from therapynotes.ui.ops import tracker  # noqa: E402

QUERIES = ("F41.1", "anxiety", "depress", "panic disorder")
INTERVALS = (0.005, SWITCH_INTERVAL_S, 0.0005)
MODES = ("first search", "later search")
TYPING_MS = 60  # about 16 characters a second, as in bench.ui_lag_bench


class OldSearch:
    """domain/icd10.py's find before issue 18: two pure-Python scans of every code, over
    a list of codes built on first use (in Python, from the package's parsed XML; the
    1.4-s parse itself is left out, as if paid earlier)."""

    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import simple_icd_10_cm as icd  # noqa: PLC0415
        self.icd = icd
        self.leaves: tuple[icd10.IcdCode, ...] = ()

    def cold(self) -> None:
        self.leaves = ()

    def _leaves(self) -> tuple[icd10.IcdCode, ...]:
        if not self.leaves:
            icd = self.icd
            self.leaves = tuple(
                icd10.IcdCode(c, str(icd.get_description(c)))
                for c in icd.get_all_codes(with_dots=True)
                if icd.is_leaf(c)
            )
        return self.leaves

    def __call__(self, query: str, *, limit: int = 20) -> list[icd10.IcdCode]:
        text = query.strip()
        if not text:
            return []
        leaves = self._leaves()
        exact = icd10.lookup(text)
        prefix = icd10.normalise(text)
        words = text.lower().split()
        by_code = [c for c in leaves if c.code.startswith(prefix)]
        by_name = [c for c in leaves if all(w in c.description.lower() for w in words)]
        seen: set[str] = set()
        ranked: list[icd10.IcdCode] = []
        for c in (
            ([exact] if exact else [])
            + by_code
            + sorted(
                by_name,
                key=lambda c: (
                    not c.code.startswith("F"),
                    not c.description.lower().startswith(text.lower()),
                    len(c.description),
                ),
            )
        ):
            if c.code not in seen:
                seen.add(c.code)
                ranked.append(c)
        return ranked[:limit]


class NewSearch:
    """domain/icd10.py now; cold: the code list is loaded again (as at first use)."""

    def cold(self) -> None:
        icd10._codes.cache_clear()

    def __call__(self, query: str, *, limit: int = 20) -> list[icd10.IcdCode]:
        return icd10.find(query, limit=limit)


def trial(find: object, interval: float, query: str) -> float:
    """The worst lateness while `query` is typed and its last results arrive."""
    sys.setswitchinterval(interval)
    records = SimpleNamespace(service=SimpleNamespace(find_diagnosis=find))
    dialog = DiagnosisDialog(records)  # type: ignore[arg-type]
    dialog.show()
    spin(50)
    probe = LagProbe()
    probe.start()
    for ch in query:
        QTest.keyClicks(dialog.query, ch)
        spin(TYPING_MS)
    wait_for(lambda: dialog.results.count() > 0 and tracker.running() == 0)
    spin(30)
    worst = probe.stop()[0]
    dialog.close()
    dialog.deleteLater()
    spin(20)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(machine())
    app = make_application()
    searches: dict[str, OldSearch | NewSearch] = {
        "old pure-Python scan": OldSearch(),
        "SQLite code list": NewSearch(),
    }
    worst: dict[tuple[str, str, float], list[float]] = {}
    for _round in range(args.rounds):
        for query in QUERIES:
            for mode in MODES:
                for name, find in searches.items():
                    for interval in INTERVALS:
                        if mode == MODES[0]:
                            find.cold()
                        else:
                            find("warm up")
                        late = trial(find, interval, query)
                        worst.setdefault((mode, name, interval), []).append(late)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    trials = args.rounds * len(QUERIES)
    print(f"worst UI lateness while typing a diagnosis query, {trials} queries each")
    for mode in MODES:
        for interval in INTERVALS:
            medians = {}
            for name in searches:
                found = worst[(mode, name, interval)]
                medians[name] = statistics.median(found)
                print(
                    f"  {mode}, switch interval {interval * 1000:3g} ms  {name:<22} median "
                    f"{medians[name]:5.0f} ms  max {max(found):5.0f} ms"
                )
            old, new = medians.values()
            ratio = old / max(new, 1.0)
            print(f"  {mode}, switch interval {interval * 1000:3g} ms  old / new: {ratio:.1f}x")
    app.processEvents()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
