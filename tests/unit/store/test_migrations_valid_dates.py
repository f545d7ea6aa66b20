"""The valid-dates migration: every date column of the record tables refuses an
impossible calendar date (1951-02-30, 2026-13-45) on insert and on update, naming the
column; on a vault that already holds such a date the migration succeeds, leaves the
row as it is (the rest of it stays editable), and guards every new write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.lifecycle import fill_client
from therapynotes.security.secret import Secret
from therapynotes.services.records import RecordsService
from therapynotes.store import migrations
from therapynotes.store.connection import close_db, driver, open_db
from therapynotes.store.migrations import m0006_valid_dates

COLUMNS = [(t, c) for t, cs in m0006_valid_dates.DATE_COLUMNS.items() for c in cs]
NOW = "2026-01-02T03:04:05Z"


def _steps() -> tuple[list[migrations.Migration], list[migrations.Migration]]:
    """The migrations before this one, and the rest (its number may change at merge)."""
    found = migrations.discover()
    at = next(i for i, m in enumerate(found) if m.name.endswith("_valid_dates"))
    return found[:at], found[at:]


def _plan_version(column: str) -> str:
    """A new version of an existing plan with `column` set (versions never change)."""
    others = ["effective_date", "review_date"]
    others.remove(column)
    return (
        f"INSERT INTO treatment_plans(client_id, version, {column}, {others[0]}, body,"  # noqa: S608
        f" created_at) SELECT client_id, version + 100, ?, {others[0]}, body, created_at"
        " FROM treatment_plans WHERE rowid = ?"
    )


@pytest.mark.parametrize(("table", "column"), COLUMNS)
def test_every_date_column_refuses_an_impossible_date(
    records: RecordsService, clock: FakeClock, table: str, column: str
) -> None:
    fill_client(records, clock, "Datecanary", date_of_birth="1990-05-06")
    conn = records.conn
    where = "state = 'draft'" if table == "notes" else "1"  # signed notes never change
    rowid = conn.execute(f"SELECT rowid FROM {table} WHERE {where} LIMIT 1").fetchone()[0]  # noqa: S608
    sql = (
        _plan_version(column)
        if table == "treatment_plans"
        else f"UPDATE {table} SET {column} = ? WHERE rowid = ?"  # noqa: S608
    )
    for bad in ("1951-02-30", "2026-13-45", "2027-04-31"):
        with pytest.raises(driver().IntegrityError, match=rf"{table}\.{column}: not a real date"):
            conn.execute(sql, (bad, rowid))
    conn.execute(sql, ("2028-02-29", rowid))


@pytest.mark.parametrize("column", m0006_valid_dates.DATE_COLUMNS["clients"])
def test_a_client_with_an_impossible_date_is_refused_on_insert(
    records: RecordsService, column: str
) -> None:
    sql = (
        f"INSERT INTO clients(legal_name, status, {column}, created_at, updated_at)"  # noqa: S608
        " VALUES ('X', 'discharged', ?, ?, ?)"
    )
    if column != "discharge_date":
        sql = sql.replace("'discharged'", "'active'")
    with pytest.raises(driver().IntegrityError, match=rf"clients\.{column}: not a real date"):
        records.conn.execute(sql, ("1951-02-30", NOW, NOW))
    records.conn.execute(sql, ("1952-02-29", NOW, NOW))


def test_a_vault_already_holding_an_impossible_date_migrates(tmp_path: Path) -> None:
    before, rest = _steps()
    conn = open_db(tmp_path / "old.db", Secret(os.urandom(64)), create=True)
    try:
        migrations.migrate(conn, before)
        conn.execute(
            "INSERT INTO clients(legal_name, date_of_birth, created_at, updated_at)"
            " VALUES ('Old', '1951-02-30', ?, ?)",
            (NOW, NOW),
        )
        assert migrations.migrate(conn, before + rest) == [m.version for m in rest]
        assert migrations.current_version(conn) == migrations.latest_version()
        row = conn.execute("SELECT id, date_of_birth FROM clients").fetchone()
        assert row[1] == "1951-02-30"  # left as it was
        conn.execute("UPDATE clients SET legal_name = 'Old Two', date_of_birth = date_of_birth")
        with pytest.raises(driver().IntegrityError, match="not a real date"):
            conn.execute("UPDATE clients SET date_of_birth = '1951-02-31'")
        with pytest.raises(driver().IntegrityError, match="not a real date"):
            conn.execute(
                "INSERT INTO clients(legal_name, date_of_birth, created_at, updated_at)"
                " VALUES ('New', '2026-13-45', ?, ?)",
                (NOW, NOW),
            )
        conn.execute("UPDATE clients SET date_of_birth = '1951-02-28'")  # the fix goes in
    finally:
        close_db(conn)
