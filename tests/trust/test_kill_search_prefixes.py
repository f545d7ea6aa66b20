"""Issue 18: the schema-16 rebuild of the notes' search indexes (prefix indexes) is crash
safe. A vault at schema 13 holding a few thousand notes is migrated by a child process
(the split's child: it opens the vault with both keys and runs the migrations) that
SIGKILL stops at a random point; after every kill the vault opens, the migrations
finish, clinical.db passes its checks, and the indexes hold exactly the rows they held
before, now with their prefix indexes, so searches find the same notes."""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

import pytest

from tests.support.search_vault import KEYS, index_rows, schema_13_vault
from tests.support.trust import figure, scaled
from tests.trust.split_child import kill_after
from therapynotes.store import migrations, search
from therapynotes.store.connection import Connection, close_db, open_db
from therapynotes.store.migrations import m0016_search_prefixes as m16

KILLS = scaled(ci=8, full=40)
NOTES = 4000
QUERIES = ("anx*", "anxi", "PHQ-9", "avoid* work", "sleep")


def _state(conn: Connection) -> tuple[object, ...]:
    rows = tuple(tuple(index_rows(conn, t)) for t, _ in m16.INDEXES)
    filters = search.Filters(include_psychotherapy=True)
    found = tuple(
        (p.total, tuple((h.note_id, h.rank) for h in p.hits))
        for p in (search.page(conn, q, filters, limit=20) for q in QUERIES)
    )
    return rows, found


def _check(db: Path, expected: tuple[object, ...]) -> float:
    """Finish the migrations as the next unlock would, check; the seconds they took."""
    conn = open_db(db, KEYS)
    try:
        started = time.perf_counter()
        migrations.migrate(conn)
        took = time.perf_counter() - started
        assert migrations.current_version(conn) == migrations.latest_version()
        assert [str(r[0]) for r in conn.execute("PRAGMA clinical.integrity_check")] == ["ok"]
        assert conn.execute("PRAGMA clinical.cipher_integrity_check").fetchall() == []
        for table, _ in m16.INDEXES:
            assert m16.has_prefixes(conn, table)
            conn.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")  # noqa: S608
        assert _state(conn) == expected
    finally:
        close_db(conn)
    return took


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[object, ...]]:
    db = schema_13_vault(tmp_path_factory.mktemp("prefixes") / "template", notes=NOTES)
    conn = open_db(db, KEYS)
    try:
        expected = _state(conn)
    finally:
        close_db(conn)
    return db.parent, expected


def _copy(template: Path, target: Path) -> Path:
    shutil.copytree(template, target)
    return target / "vault.db"


@pytest.mark.slow
def test_sigkill_during_the_prefix_rebuild(
    template: tuple[Path, tuple[object, ...]], tmp_path: Path
) -> None:
    folder, expected = template
    whole = _check(_copy(folder, tmp_path / "timing"), expected)  # the migrations alone
    rng = random.Random(16)  # noqa: S311 - reproducible kill times, not crypto
    states = {"before": 0, "rebuilt": 0, "done": 0}
    for i in range(KILLS):
        db = _copy(folder, tmp_path / f"k{i}")
        kill_after(db, KEYS.reveal(), rng.uniform(0.0, whole * 1.2))
        peek = open_db(db, KEYS, pragmas=())
        try:
            if migrations.current_version(peek) >= m16.VERSION:
                states["done"] += 1
            elif m16.has_prefixes(peek, "notes_fts"):
                states["rebuilt"] += 1
            else:
                states["before"] += 1
        finally:
            close_db(peek)
        _check(db, expected)
        shutil.rmtree(db.parent)
    print(f"kills: {KILLS}, landed: {states}, one migration: {whole:.2f} s")
    figure("kill.prefixes.kills", KILLS, note="SIGKILL at a random point of the m0016 rebuild")
    figure("kill.prefixes.failures", 0, note="any failure fails the test before this")
    assert states["before"], "no kill landed before the rebuild finished"
