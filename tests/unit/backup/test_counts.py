"""The manifest's row counts: what they cover, and what a restore compares them with."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.backup.conftest import Vault
from therapynotes.backup import snapshot
from therapynotes.backup.errors import BackupCorrupt


def _snapshot(vault: Vault, tmp_path: Path) -> Path:
    dest = tmp_path / "snap.db"
    snapshot.take(
        vault.session.paths.db,
        dest,
        vault.session.data_keys(),
        progress=lambda *_: None,
        cancel=lambda: False,
    )
    return dest


def test_counts_cover_record_tables_not_the_search_index(vault: Vault, tmp_path: Path) -> None:
    db = _snapshot(vault, tmp_path)
    counts, _schema, _head = snapshot.contents(db, vault.session.data_keys())
    assert counts["t_notes"] == 5
    # Issue 17: clinical.db's tables are counted as clinical.<table>.
    assert {"clients", "clinical.notes", "audit_log"} <= set(counts)
    # notes_fts is virtual, notes_fts_data & co. are its shadow tables: a derived index.
    assert not [name for name in counts if "_fts" in name or name.startswith("sqlite_")]
    snapshot.check(db, vault.session.data_keys(), counts)


def test_format_1_manifests_that_counted_the_index_still_check(
    vault: Vault, tmp_path: Path
) -> None:
    db = _snapshot(vault, tmp_path)
    conn = snapshot.open_keyed(db, vault.session.data_keys())
    try:
        every = [
            prefix + str(r[0])
            for schema, prefix in (("main", ""), ("clinical", "clinical."))
            for r in conn.execute(
                f"SELECT name FROM {schema}.sqlite_master"  # noqa: S608
                " WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        old_style = snapshot.table_counts(conn, every)
    finally:
        conn.close()
    assert "clinical.notes_fts" in old_style and "clinical.notes_fts_data" in old_style
    snapshot.check(db, vault.session.data_keys(), old_style)


@pytest.mark.parametrize("edit", ["wrong count", "missing table", "unknown table"])
def test_counts_that_do_not_match_the_snapshot_fail(
    vault: Vault, tmp_path: Path, edit: str
) -> None:
    db = _snapshot(vault, tmp_path)
    counts, _schema, _head = snapshot.contents(db, vault.session.data_keys())
    if edit == "wrong count":
        counts["t_notes"] += 1
    elif edit == "missing table":
        del counts["t_notes"]
    else:
        counts["t_elsewhere"] = 0
    with pytest.raises(BackupCorrupt):
        snapshot.check(db, vault.session.data_keys(), counts)
