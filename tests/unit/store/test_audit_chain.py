"""The audit chain detects edited, deleted, inserted and reordered rows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from therapynotes.security.secret import Secret
from therapynotes.store import audit, migrations
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import close_db, open_db, transaction


@pytest.fixture
def conn(tmp_path: Path):
    c = open_db(tmp_path / "t.db", Secret(os.urandom(64)), create=True)
    migrations.migrate(c)
    with transaction(c):
        for i in range(6):
            audit.append(c, AuditKind.RECORD_CREATED, subject=f"client:{i}", detail={"n": i})
    yield c
    close_db(c)


def _drop_guards(c) -> None:
    """What someone editing the file with their own tools would do first."""
    c.execute("DROP TRIGGER audit_log_no_update")
    c.execute("DROP TRIGGER audit_log_no_delete")


def test_intact_chain_verifies(conn) -> None:
    report = audit.verify(conn)
    assert report.ok and report.rows == 6


def test_updates_and_deletes_are_refused_by_the_schema(conn) -> None:
    with pytest.raises(Exception, match="append-only"):
        conn.execute("UPDATE audit_log SET kind = 'x' WHERE seq = 2")
    with pytest.raises(Exception, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE seq = 2")


@pytest.mark.parametrize("column", ["at", "actor", "kind", "subject", "detail"])
def test_an_edited_row_is_found(conn, column: str) -> None:
    _drop_guards(conn)
    conn.execute(f"UPDATE audit_log SET {column} = {column} || 'x' WHERE seq = 3")  # noqa: S608
    report = audit.verify(conn)
    assert not report.ok and report.first_bad_seq == 3


def test_a_deleted_row_is_found(conn) -> None:
    _drop_guards(conn)
    conn.execute("DELETE FROM audit_log WHERE seq = 4")
    report = audit.verify(conn)
    assert not report.ok and report.first_bad_seq == 5


def test_a_deleted_last_row_is_found(conn) -> None:
    _drop_guards(conn)
    conn.execute("DELETE FROM audit_log WHERE seq = 6")
    assert not audit.verify(conn).ok


def test_an_inserted_row_is_found(conn) -> None:
    _drop_guards(conn)
    conn.execute("UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 4")
    conn.execute("UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000")
    conn.execute(
        "INSERT INTO audit_log VALUES (4, '2026-01-01T00:00:00Z', 'owner', 'lock', '', '{}', ?, ?)",
        ("0" * 64, "0" * 64),
    )
    report = audit.verify(conn)
    assert not report.ok and report.first_bad_seq == 4


def test_reordered_rows_are_found(conn) -> None:
    _drop_guards(conn)
    conn.execute("UPDATE audit_log SET seq = 100 WHERE seq = 2")
    conn.execute("UPDATE audit_log SET seq = 2 WHERE seq = 3")
    conn.execute("UPDATE audit_log SET seq = 3 WHERE seq = 100")
    report = audit.verify(conn)
    assert not report.ok and report.first_bad_seq == 2
