"""Issue 18, schema 16: the notes' search indexes are rebuilt with prefix indexes. Every
search finds what it found before, with the same scores and snippets; the triggers keep
the new indexes in step; a failure inside the rebuild leaves the old indexes whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.search_vault import KEYS, NOW, index_rows, schema_13_vault
from therapynotes.domain.ids import ClientId
from therapynotes.store import migrations, search
from therapynotes.store.connection import Connection, close_db, open_db, transaction
from therapynotes.store.migrations import m0016_search_prefixes as m16

QUERIES = (
    "anxiety",
    "anx*",
    "anxi",
    "pan",
    "PHQ-9",
    '"safety plan"',
    "exposure hierarchy",
    "avoid* work",
    "sleep",
    "insom",
    "gad",
    "ada",
)


def _answers(conn: Connection) -> dict[tuple[str, bool], tuple[object, ...]]:
    found: dict[tuple[str, bool], tuple[object, ...]] = {}
    for text in QUERIES:
        for psychotherapy in (False, True):
            for window in (500, 20):
                filters = search.Filters(include_psychotherapy=psychotherapy)
                page = search.page(conn, text, filters, limit=10, window=window)
                found[(text, psychotherapy)] = (
                    page.total,
                    page.ranked,
                    [(h.source, h.note_id, h.rank, h.snippet) for h in page.hits],
                )
            client = search.Filters(ClientId(2), include_psychotherapy=psychotherapy)
            page = search.page(conn, text, client, limit=10, window=20)
            found[(text + " (client 2)", psychotherapy)] = (
                page.total,
                [(h.note_id, h.rank) for h in page.hits],
            )
    return found


def _open(db: Path) -> Connection:
    return open_db(db, KEYS)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return schema_13_vault(tmp_path_factory.mktemp("prefixes") / "v", notes=600)


def _copy(template: Path, target: Path) -> Path:
    import shutil  # noqa: PLC0415

    shutil.copytree(template.parent, target)
    return target / "vault.db"


def test_the_rebuild_keeps_every_answer_and_adds_the_prefixes(
    template: Path, tmp_path: Path
) -> None:
    db = _copy(template, tmp_path / "v")
    conn = _open(db)
    try:
        assert not m16.has_prefixes(conn, "notes_fts")
        before = {t: index_rows(conn, t) for t, _ in m16.INDEXES}
        answers = _answers(conn)
        assert any(a[0] for a in answers.values())  # the queries find notes
        assert len(before["psychotherapy_fts"]) > 10 and len(before["notes_fts"]) > 100
        migrations.migrate(conn)
        assert migrations.current_version(conn) == migrations.latest_version()
        for table, _ in m16.INDEXES:
            assert m16.has_prefixes(conn, table)
            assert index_rows(conn, table) == before[table]
        assert _answers(conn) == answers
        assert [str(r[0]) for r in conn.execute("PRAGMA clinical.integrity_check")] == ["ok"]
    finally:
        close_db(conn)


def test_the_triggers_keep_the_new_indexes_in_step(template: Path, tmp_path: Path) -> None:
    db = _copy(template, tmp_path / "v")
    conn = _open(db)
    try:
        migrations.migrate(conn)
        with transaction(conn):
            cur = conn.execute(
                "INSERT INTO notes(client_id, kind, template, service_date, occurred_at, body,"
                " created_at, updated_at) VALUES (1, 'freeform', 'freeform', '2026-12-02', ?,"
                " json_object('text', 'zebrafish dreams'), ?, ?)",
                (NOW, NOW, NOW),
            )
        note = cur.lastrowid
        assert [h.note_id for h in search.search(conn, "zeb*")] == [note]
        assert [h.note_id for h in search.search(conn, "zebr")] == [note]  # being typed
        with transaction(conn):
            conn.execute(
                "UPDATE notes SET state = 'signed', signed_at = ?, content_hash = ? WHERE id = ?",
                (NOW, "c" * 64, note),
            )
            conn.execute(
                "INSERT INTO addenda(note_id, body, signed_at, content_hash)"
                " VALUES (?, 'quokka later', ?, ?)",
                (note, NOW, "d" * 64),
            )
        assert [h.note_id for h in search.search(conn, "quok")] == [note]
        with transaction(conn):
            conn.execute(
                "UPDATE notes SET state = 'voided', voided_at = ?, void_reason = 'x' WHERE id = ?",
                (NOW, note),
            )
        assert search.search(conn, "zeb*") == [] and search.count(conn, "quok") == 0
    finally:
        close_db(conn)


def test_a_failure_inside_the_rebuild_leaves_the_old_indexes_whole(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _copy(template, tmp_path / "v")
    conn = _open(db)
    try:
        before = index_rows(conn, "psychotherapy_fts")
        answers = _answers(conn)
        real = m16.create_sql
        made: list[str] = []

        def fail_second(table: str) -> str:
            made.append(table)
            if len(made) == 2:  # notes_fts rebuilt, psychotherapy_fts dropped
                raise OSError("disk full")
            return real(table)

        monkeypatch.setattr(m16, "create_sql", fail_second)
        with pytest.raises(OSError):
            migrations.migrate(conn)
        monkeypatch.undo()
        assert migrations.current_version(conn) < m16.VERSION
        assert not m16.has_prefixes(conn, "notes_fts")  # rolled back with the rest
        assert index_rows(conn, "psychotherapy_fts") == before
        assert _answers(conn) == answers
        migrations.migrate(conn)  # the next unlock
        assert m16.has_prefixes(conn, "psychotherapy_fts")
        assert _answers(conn) == answers
    finally:
        close_db(conn)


def test_a_rebuild_whose_upgrade_did_not_commit_is_kept(template: Path, tmp_path: Path) -> None:
    """A kill between the two transactions: clinical.db has the new indexes, vault.db
    the old schema number. The next unlock finishes without rebuilding again."""
    db = _copy(template, tmp_path / "v")
    conn = _open(db)
    try:
        migrations.migrate(conn, [m for m in migrations.discover() if m.version < m16.VERSION])
        with transaction(conn):
            m16.prepare(conn)
        version = migrations.current_version(conn)
        assert version == m16.VERSION - 1 and m16.has_prefixes(conn, "notes_fts")
        pages = conn.execute("SELECT count(*) FROM clinical.notes_fts_data").fetchone()[0]
        ids = conn.execute("SELECT max(rowid) FROM clinical.notes_fts_data").fetchone()[0]
        migrations.migrate(conn)
        assert migrations.current_version(conn) == migrations.latest_version()
        # Not rebuilt: the same index rows, under the same ids.
        assert conn.execute("SELECT count(*), max(rowid) FROM clinical.notes_fts_data").fetchone()[
            :
        ] == (pages, ids)
    finally:
        close_db(conn)


def test_the_upgrade_refuses_a_vault_without_the_rebuilt_indexes(
    template: Path, tmp_path: Path
) -> None:
    from therapynotes.errors import VaultCorrupt  # noqa: PLC0415

    db = _copy(template, tmp_path / "v")
    conn = _open(db)
    try:
        with pytest.raises(VaultCorrupt), transaction(conn):
            m16.upgrade(conn)
    finally:
        close_db(conn)


@pytest.mark.parametrize("window", [20, 500])
@pytest.mark.parametrize("client", [None, 2])
def test_a_best_page_is_fts5s_rank_order_of_the_newest_matches(
    template: Path, tmp_path: Path, window: int, client: int | None
) -> None:
    """store.search ranks with bm25() sorted by SQLite (issue 18: FTS5's own rank sorter
    ran each query twice). The answer is FTS5's `rank` order over the newest `window`
    matching notes, equal scores newest first, with the same scores."""
    db = _copy(template, tmp_path / "v")
    conn = _open(db)
    try:
        migrations.migrate(conn)
        extra = "" if client is None else " AND rowid IN (SELECT id FROM notes WHERE client_id = ?)"
        args: tuple[object, ...] = () if client is None else (client,)
        checked = 0
        ranked = max(window, 10 * 10)  # a page of 10 ranks at least 100 (store.search.page)
        for text in QUERIES:
            query = search._resolve(conn, search.parse(text), search.Filters())[0]
            newest = conn.execute(
                f"SELECT rowid FROM notes_fts WHERE notes_fts MATCH ?{extra}"  # noqa: S608
                " ORDER BY rowid DESC LIMIT ?",
                (query, *args, ranked),
            ).fetchall()
            if not newest:
                continue
            expected = conn.execute(
                f"SELECT rowid, rank FROM notes_fts WHERE notes_fts MATCH ?{extra}"  # noqa: S608
                " AND rowid >= ? ORDER BY rank, rowid DESC LIMIT 10",
                (query, *args, newest[-1][0] if len(newest) == ranked else 0),
            ).fetchall()
            filters = search.Filters(None if client is None else ClientId(client))
            page = search.page(conn, text, filters, limit=10, window=window)
            notes = [(h.note_id, h.rank) for h in page.hits if h.source == "note"]
            assert notes == [tuple(r) for r in expected], text
            checked += len(notes)
        assert checked > 50
    finally:
        close_db(conn)


def test_a_newest_page_scores_only_the_hits_shown_with_fts5s_scores(
    template: Path, tmp_path: Path
) -> None:
    """Sorted by date, the page no longer has FTS5 score every match before the sort:
    the hits shown get their bm25 scores with their snippets, the same scores."""
    db = _copy(template, tmp_path / "v")
    conn = _open(db)
    try:
        migrations.migrate(conn)
        checked = 0
        for text in QUERIES:
            query = search._resolve(conn, search.parse(text), search.Filters())[0]
            expected = conn.execute(
                "SELECT n.id, notes_fts.rank FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid"
                " WHERE notes_fts MATCH ? ORDER BY n.service_date DESC, n.id DESC LIMIT 10",
                (query,),
            ).fetchall()
            page = search.page(conn, text, limit=10, order=search.Order.NEWEST)
            notes = [(h.note_id, h.rank) for h in page.hits if h.source == "note"]
            assert notes == [tuple(r) for r in expected], text
            assert all(h.snippet for h in page.hits if h.source == "note")
            checked += len(notes)
        assert checked > 50
    finally:
        close_db(conn)
