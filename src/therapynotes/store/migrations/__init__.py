"""Numbered, forward-only schema migrations, run at unlock, each in a transaction.

A migration is a module `mNNNN_name.py` in this package defining `VERSION = NNNN` and
`upgrade(conn)`. `PRAGMA user_version` records the schema version; it is set inside the
same transaction as the migration, so a crash leaves either the old or the new schema.
A migration may also define `prepare(conn)`, run first in a transaction of its own and
safe to run again (m0013 copies into the attached clinical.db there: a transaction
spanning two WAL files is not atomic across them); a `prepare` taking `tick` reports
its parts (m0013: one per table it copies). Each module declares `DESCRIPTION`, what it
does in the therapist's words ("making search faster"): `migrate(conn, progress=...)`
hands it to the lock screen and the CLI, step by step, while a one-time upgrade runs.
Released migrations never change: fixtures of every released schema live in
tests/fixtures/.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from therapynotes.errors import SchemaTooNew
from therapynotes.store import client_activity
from therapynotes.store.connection import Connection, driver, transaction

# A prepare's finer progress: (parts done, parts in all).
Tick = Callable[[int, int], None]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    upgrade: Callable[[Connection], None]
    prepare: Callable[..., None] | None = None  # (conn) or (conn, tick=...): see `ticks`
    description: str = ""

    @property
    def ticks(self) -> bool:
        """`prepare` takes `tick` (looked at only when a prepare runs: an ordinary unlock
        pays nothing for it)."""
        return self.prepare is not None and "tick" in inspect.signature(self.prepare).parameters


@dataclass(frozen=True)
class UpgradeStep:
    """One step of a schema upgrade, as reported while it runs: step `number` of `total`
    (counting only the steps this upgrade applies), and inside a step that reports its
    parts, `done` of `parts`. None where one statement is the long part (m0016's
    rebuild): no invented percentage."""

    number: int
    total: int
    version: int
    description: str
    done: int | None = None
    parts: int | None = None


Progress = Callable[[UpgradeStep], None]


def discover(package: ModuleType | None = None) -> list[Migration]:
    pkg = package or importlib.import_module(__name__)
    found: list[Migration] = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if not (info.name.startswith("m") and info.name[1:5].isdigit()):
            continue
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        found.append(
            Migration(
                int(module.VERSION),
                info.name,
                module.upgrade,
                getattr(module, "prepare", None),
                str(module.DESCRIPTION),
            )
        )
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps: {versions}")
    return found


def current_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def latest_version() -> int:
    return len(discover())


# Free pages in vault.db worth a VACUUM after a two-file migration (4 MiB of 4 KiB pages).
COMPACT_FREE_PAGES = 1024


def _compact_main(conn: Connection) -> None:
    """VACUUM vault.db when the move left many free pages. Best effort: VACUUM is atomic,
    and a disk too full for it leaves the vault as it was, only larger."""
    free = int(conn.execute("PRAGMA main.freelist_count").fetchone()[0])
    if free < COMPACT_FREE_PAGES:
        return
    try:
        conn.execute("VACUUM main")
    except driver().OperationalError:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def _prepare(
    conn: Connection,
    prepare: Callable[..., None],
    ticks: bool,
    shown: UpgradeStep,
    progress: Progress | None,
) -> None:
    if not ticks or progress is None:
        prepare(conn)
        return

    def tick(done: int, parts: int) -> None:
        progress(dataclasses.replace(shown, done=done, parts=parts))

    prepare(conn, tick=tick)


def migrate(
    conn: Connection,
    migrations: list[Migration] | None = None,
    *,
    progress: Progress | None = None,
) -> list[int]:
    """Bring the schema up to date; return the versions applied. `progress` hears of each
    step before it runs (and of a long step's parts); an up-to-date schema reports
    nothing."""
    steps = migrations if migrations is not None else discover()
    have = current_version(conn)
    newest = steps[-1].version if steps else 0
    if have > newest:
        raise SchemaTooNew
    pending = [step for step in steps if step.version > have]
    applied = []
    for number, step in enumerate(pending, start=1):
        shown = UpgradeStep(number, len(pending), step.version, step.description)
        if progress is not None:
            progress(shown)
        if step.prepare is not None:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()  # room for the copy
            with transaction(conn):
                _prepare(conn, step.prepare, step.ticks, shown, progress)
        with transaction(conn):
            step.upgrade(conn)
            conn.execute(f"PRAGMA user_version = {int(step.version)}")
        applied.append(step.version)
        if step.prepare is not None:
            # The tables that moved left free pages (zeroed: secure_delete) in vault.db,
            # as large as what moved; without a VACUUM the vault would take twice the
            # space, on disk and in every backup. The rebuild holds the shared part only.
            # Then fold both WALs into their files: they would otherwise hold a second
            # copy of the vault until the lock.
            _compact_main(conn)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    # The client list's kept figures, rebuilt when vault.db saw changes clinical.db did
    # not (store/client_activity.py): at every unlock, the "full open".
    client_activity.ensure_current(conn)
    return applied
