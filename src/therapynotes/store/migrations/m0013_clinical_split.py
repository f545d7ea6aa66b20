"""Schema 13 (issue 17): clinical content moves to clinical.db, under a key of its own.

vault.db keeps what an assistant may see (clients' demographics and contacts, sessions
and the schedule, billing, practice and profile, settings, the audit log, TOTP,
retention); the tables below move to `clinical.db`, ATTACHed as schema `clinical` with
the clinical key (store/connection.py), so unqualified queries keep finding them. The
list, table by table, is in docs/formats.md.

SQLite allows neither foreign keys nor triggers across attached databases, so:
- the clinical tables are recreated without their references to `clients(id)` and to
  `session_participants` (the services check those; a purge deletes in both files);
- every trigger lives with its table; the clinical triggers that allow deleting signed
  material only during a purge read `clinical.purge_authorisations`, a twin of the main
  table that the purge fills in the same clinical transaction;
- `client_activity` (the client list's kept figures, m0012) is derived from notes and
  moves with them; m0012's triggers, which read both files, are replaced by TEMP
  triggers on each connection and a counter in each file (store/client_activity.py).

Crash safety. In WAL mode a transaction spanning two attached files is not atomic across
them, so the move is two transactions, each writing one file:
1. `prepare` (writes clinical.db only): drop whatever an interrupted attempt left there,
   create the tables, copy every row, then the indexes, triggers and views.
2. `upgrade` (writes vault.db only, with `user_version`): check the copies' row counts,
   drop the originals, mark the split in `vault_meta`.
A kill after 1 leaves vault.db whole at schema 11 (the copy is redone at the next
unlock); a kill during 2 rolls 2 back. No state loses a row or shows one twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from therapynotes.errors import VaultCorrupt
from therapynotes.store import client_activity
from therapynotes.store.connection import (
    CLINICAL_SCHEMA,
    SPLIT_MARK,
    Connection,
    has_clinical,
)

VERSION = 13
DESCRIPTION = "moving clinical notes into their own locked file"

# In copy order (parents before the rows that reference them).
CLINICAL_TABLES = (
    "notes",
    "note_revisions",
    "addenda",
    "treatment_plans",
    "attachments",
    "attachment_blobs",
    "diagnoses",
    "measure_responses",
    "form_drafts",
    "note_templates",
    "disabled_templates",
    "snippets",
    "dictionary_words",
    "client_activity",  # derived from notes (m0012): store/client_activity.py says why
)
CLINICAL_FTS = ("notes_fts", "psychotherapy_fts", "diagnoses_fts")
CLINICAL_VIEWS = ("record_notes", "psychotherapy_notes")
PURGE_TWIN = "CREATE TABLE clinical.purge_authorisations (client_id INTEGER PRIMARY KEY) STRICT"
ACTIVITY_STATE = (
    f"CREATE TABLE clinical.{client_activity.STATE_TABLE}"
    " (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL) STRICT"
)
# m0012's triggers keep client_activity from tables in both files: they cannot move (a
# trigger sees its own file only). TEMP triggers replace them (store/client_activity.py).
ACTIVITY_TRIGGERS = ("pi", "pd", "pu", "su", "cd")

_C = CLINICAL_SCHEMA
_MOVED = frozenset((*CLINICAL_TABLES, *CLINICAL_FTS))
_TABLE_FK = re.compile(r",\s*FOREIGN KEY\s*\([^)]*\)\s*REFERENCES\s+(\w+)\s*\([^)]*\)")
_COLUMN_FK = re.compile(r"\s+REFERENCES\s+(\w+)\s*\([^)]*\)")
_CREATE = re.compile(
    r"^CREATE\s+(UNIQUE\s+INDEX|INDEX|TRIGGER|VIEW|VIRTUAL\s+TABLE|TABLE)\s+(\w+)", re.I
)


def _without_outside_references(sql: str) -> str:
    def keep_inside(match: re.Match[str]) -> str:
        return match.group(0) if match.group(1) in _MOVED else ""

    return _COLUMN_FK.sub(keep_inside, _TABLE_FK.sub(keep_inside, sql))


def _in_clinical(sql: str) -> str:
    return _CREATE.sub(lambda m: f"CREATE {m.group(1)} {_C}.{m.group(2)}", sql.strip(), count=1)


def _objects(conn: Connection, schema: str, kind: str) -> list[tuple[str, str, str]]:
    return [
        (str(r[0]), str(r[1]), str(r[2]))
        for r in conn.execute(
            f"SELECT name, tbl_name, sql FROM {schema}.sqlite_master"  # noqa: S608
            " WHERE type = ? AND sql IS NOT NULL ORDER BY rowid",
            (kind,),
        )
    ]


def _present(conn: Connection, schema: str, names: tuple[str, ...]) -> list[str]:
    have = {name for name, _, _ in _objects(conn, schema, "table")}
    return [name for name in names if name in have]


def _columns(conn: Connection, schema: str, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f'PRAGMA {schema}.table_info("{table}")')]


def _clear_clinical(conn: Connection) -> None:
    """Drop what an interrupted earlier copy left in clinical.db."""
    for name, _, _ in _objects(conn, _C, "view"):
        conn.execute(f'DROP VIEW {_C}."{name}"')
    for name, _, sql in _objects(conn, _C, "table"):
        if sql.upper().startswith("CREATE VIRTUAL"):
            conn.execute(f'DROP TABLE {_C}."{name}"')
    for name, _, _ in _objects(conn, _C, "table"):
        if not name.startswith("sqlite_"):
            conn.execute(f'DROP TABLE IF EXISTS {_C}."{name}"')


def prepare(conn: Connection, tick: Callable[[int, int], None] | None = None) -> None:
    """Step 1, in its own transaction: the copy in clinical.db. `tick` hears of each
    table copied, then of the indexes (parts done, parts in all)."""
    if not has_clinical(conn):
        raise VaultCorrupt("the clinical data file is not open")
    _clear_clinical(conn)
    conn.execute(PURGE_TWIN)
    conn.execute(ACTIVITY_STATE)
    conn.execute(f"INSERT INTO {_C}.{client_activity.STATE_TABLE}(id, seq) VALUES (1, 0)")
    tables = {name: sql for name, _, sql in _objects(conn, "main", "table")}
    moved = [t for t in (*CLINICAL_TABLES, *CLINICAL_FTS) if t in tables]
    for table in moved:
        conn.execute(_in_clinical(_without_outside_references(tables[table])))
    for done, table in enumerate(moved, start=1):
        cols = ", ".join(f'"{c}"' for c in _columns(conn, "main", table))
        rowid = "rowid, " if table in CLINICAL_FTS else ""
        conn.execute(
            f'INSERT INTO {_C}."{table}"({rowid}{cols})'  # noqa: S608
            f' SELECT {rowid}{cols} FROM main."{table}"'
        )
        if tick is not None:
            tick(done, len(moved) + 1)
    for name, seq in conn.execute("SELECT name, seq FROM main.sqlite_sequence").fetchall():
        if name in moved:  # ids are never reused, even of rows deleted before the move
            conn.execute(f"DELETE FROM {_C}.sqlite_sequence WHERE name = ?", (name,))
            conn.execute(f"INSERT INTO {_C}.sqlite_sequence(name, seq) VALUES (?, ?)", (name, seq))
    for kind in ("index", "trigger", "view"):
        for name, table, sql in _objects(conn, "main", kind):
            if name.startswith("client_activity_"):
                continue  # replaced by TEMP triggers and a TEMP view, see ACTIVITY_TRIGGERS
            if table in _MOVED or name in CLINICAL_VIEWS:
                conn.execute(_in_clinical(sql))
    if tick is not None:
        tick(len(moved) + 1, len(moved) + 1)


def _count(conn: Connection, schema: str, table: str) -> int:
    return int(conn.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchone()[0])  # noqa: S608


def upgrade(conn: Connection) -> None:
    """Step 2, in the migration's transaction: vault.db lets go of the clinical tables."""
    if not has_clinical(conn):
        raise VaultCorrupt("the clinical data file is not open")
    moved = _present(conn, "main", (*CLINICAL_TABLES, *CLINICAL_FTS))
    for table in moved:
        if _count(conn, "main", table) != _count(conn, _C, table):
            raise VaultCorrupt(f"the copy of {table} is incomplete")
    for view in (*CLINICAL_VIEWS, "client_activity_now"):
        conn.execute(f'DROP VIEW IF EXISTS main."{view}"')
    for suffix in ACTIVITY_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS main.client_activity_{suffix}")
    for table in reversed(moved):
        conn.execute(f'DROP TABLE main."{table}"')
    conn.execute(
        "INSERT INTO main.vault_meta(key, value) VALUES (?, '1')"
        " ON CONFLICT(key) DO UPDATE SET value = '1'",
        (SPLIT_MARK,),
    )
    # The client list's counter in vault.db, equal to clinical.db's (0) from here on.
    for statement in client_activity.MAIN_TRIGGERS:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO main.vault_meta(key, value) VALUES (?, '0')"
        " ON CONFLICT(key) DO UPDATE SET value = '0'",
        (client_activity.SEQ_KEY,),
    )
    client_activity.install(conn)
