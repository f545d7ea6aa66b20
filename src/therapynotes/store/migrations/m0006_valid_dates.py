"""Schema 6: every date column of the record tables holds a real calendar date.

Schema 3's CHECKs test only the shape YYYY-MM-DD, so 1951-02-30 or 2026-13-45 got in
(an import could carry them), and later broke retention dates and the chart. SQLite
cannot add a CHECK to an existing table, so triggers guard every insert, and every
update that changes the date: `date(x) = x` holds only for a real date (SQLite turns
02-30 into 03-02 and 13-45 into NULL). The message names the column.

Rows already in the vault are left as they are, so the migration succeeds on any vault;
an existing impossible date stays until it is corrected, and editing the rest of such a
row still works.
"""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 6
DESCRIPTION = "checking that dates are real calendar dates"

DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("date_of_birth", "intake_date", "discharge_date"),
    "diagnoses": ("onset_date", "resolved_date"),
    "sessions": ("service_date",),
    "notes": ("service_date",),
    "treatment_plans": ("effective_date", "review_date"),
}


def _bad(column: str) -> str:
    return f"(NEW.{column} IS NOT NULL AND date(NEW.{column}) IS NOT NEW.{column})"


def statements() -> list[str]:
    found = []
    for table, columns in DATE_COLUMNS.items():
        for column in columns:
            raise_ = f"SELECT RAISE(ABORT, '{table}.{column}: not a real date')"
            found.append(
                f"CREATE TRIGGER {table}_{column}_valid_insert BEFORE INSERT ON {table}"
                f" WHEN {_bad(column)} BEGIN {raise_}; END"
            )
            found.append(
                f"CREATE TRIGGER {table}_{column}_valid_update BEFORE UPDATE OF {column}"
                f" ON {table} WHEN NEW.{column} IS NOT OLD.{column} AND {_bad(column)}"
                f" BEGIN {raise_}; END"
            )
    return found


def upgrade(conn: Connection) -> None:
    for statement in statements():
        conn.execute(statement)
