"""What reporting a schema upgrade's steps costs (the first unlock after an update says
what it is doing: store/migrations.py `progress`), against git REF's migrations without
it, side by side in one run, interleaved.

    python -m bench.upgrade_bench [--baseline main] [--rounds N] [--notes N] [--upgrades N]

1. An ordinary unlock's `migrate` on an up-to-date vault (nothing to apply, so nothing is
   reported): this branch's, with the lock screen's callback passed, against REF's.
2. The upgrade from schema 15 (m0016's search-index rebuild, then m0017) of a vault of N
   notes: this branch's with a callback that counts the steps, against REF's, each on a
   fresh copy of the same vault.
Printed: medians, p95 and the ratio (this branch / REF) of each.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from tests.support.search_vault import KEYS, schema_13_vault

from bench.common import machine, summary, timed
from therapynotes.store import migrations
from therapynotes.store.connection import close_db, open_db
from therapynotes.store.migrations import UpgradeStep

BEFORE = 15  # the schema the upgrade starts from (m0016 is the long step)


def baseline_migrations(ref: str, into: Path) -> ModuleType:
    """git `ref`'s store/migrations package, imported as `baseline_migrations`."""
    repo = Path(__file__).resolve().parents[1]
    folder = "src/therapynotes/store/migrations"
    archive = subprocess.run(  # noqa: S603 - fixed git arguments and the user's ref
        ["git", "-C", str(repo), "archive", ref, folder],  # noqa: S607
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)  # noqa: S603,S607
    init = into / folder / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        "baseline_migrations", init, submodule_search_locations=[str(init.parent)]
    )
    if spec is None or spec.loader is None:
        raise RuntimeError(f"no migrations package at {ref}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def ratio(a: list[float], b: list[float]) -> str:
    return f"{statistics.median(a) / statistics.median(b):.2f}x"


def ordinary(old: ModuleType, root: Path, rounds: int) -> None:
    db = schema_13_vault(root / "current", notes=50)
    conn = open_db(db, KEYS)
    migrations.migrate(conn)
    heard: list[UpgradeStep] = []
    ours: list[float] = []
    theirs: list[float] = []
    try:
        for _ in range(rounds):
            ours.append(timed(lambda: migrations.migrate(conn, progress=heard.append)))
            theirs.append(timed(lambda: old.migrate(conn)))
    finally:
        close_db(conn)
    if heard:
        raise RuntimeError("an up-to-date vault reported a step")
    print("1. ordinary unlock's migrate, up-to-date vault (nothing reported):")
    print(f"   this branch, with the callback: {summary(ours)}")
    print(f"   baseline: {summary(theirs)}")
    print(f"   ratio: {ratio(ours, theirs)}")


def _one_upgrade(
    old: ModuleType, template: Path, folder: Path, side: str, heard: list[UpgradeStep]
) -> float:
    shutil.copytree(template, folder)
    conn = open_db(folder / "vault.db", KEYS)
    try:
        if side == "ours":
            return timed(lambda: migrations.migrate(conn, progress=heard.append))
        return timed(lambda: old.migrate(conn))
    finally:
        close_db(conn)
        shutil.rmtree(folder)


def upgrade(old: ModuleType, root: Path, notes: int, runs: int) -> None:
    template = schema_13_vault(root / "template", notes=notes)
    conn = open_db(template, KEYS)
    migrations.migrate(conn, [m for m in migrations.discover() if m.version <= BEFORE])
    close_db(conn)
    times: dict[str, list[float]] = {"ours": [], "theirs": []}
    heard: list[UpgradeStep] = []
    for i in range(runs):
        # Alternate which side goes first: the second copy may find the template cached.
        for side in ("ours", "theirs") if i % 2 == 0 else ("theirs", "ours"):
            times[side].append(
                _one_upgrade(old, template.parent, root / f"{side}-{i}", side, heard)
            )
    ours, theirs = times["ours"], times["theirs"]
    reported = len(heard) // runs
    print(f"2. upgrade from schema {BEFORE}, {notes} notes (m0016's rebuild, then m0017):")
    print(f"   this branch, reporting ({reported} reports a run): {summary(ours)}")
    print(f"   baseline: {summary(theirs)}")
    print(f"   ratio: {ratio(ours, theirs)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", metavar="REF")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--notes", type=int, default=3000)
    parser.add_argument("--upgrades", type=int, default=5)
    opts = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "baseline").mkdir()
        old = baseline_migrations(opts.baseline, root / "baseline")
        ordinary(old, root, opts.rounds)
        upgrade(old, root, opts.notes, opts.upgrades)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
