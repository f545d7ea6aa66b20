"""Schema 16 (issue 18): the notes' full-text indexes get prefix indexes.

A prefix ("anx*", or the word being typed: "anxi") made FTS5 merge the postings of
every indexed word starting so, in every statement of a search (count, window, ranking,
snippets): `anx*` cost 34 ms at twice the stress practice, `anxi` 26 ms. With
`prefix='2 3 4'` FTS5 also indexes each word's first two, three and four characters, so
such a prefix reads one posting list like a plain word (7 ms each). Longer prefixes
("insom", "avoid*") still merge, over the few words that share them. The cost is space:
the notes' index grows from 108 MB to 359 MB at twice the stress practice (clinical.db
1.21 GB to 1.50 GB, +24%); measured in bench/search_bench.py, README "Performance".

FTS5 cannot add a prefix index to an existing table, so `notes_fts` and
`psychotherapy_fts` are dropped and rebuilt from the notes, with the text the triggers
of m0003 index (the sections, then the addenda; voided notes left out), so every search
finds what it found before, with the same bm25 scores. The triggers name the tables and
keep working on the new ones.

Crash safety: the rebuild writes clinical.db only, in `prepare`, one transaction; the
upgrade (vault.db: `user_version`) checks it is there. A kill during the rebuild leaves
the old indexes whole (the next unlock rebuilds); a kill after it leaves schema 15 with
the new indexes, which the next unlock keeps (the rebuild is skipped when done).
"""

from __future__ import annotations

from therapynotes.errors import VaultCorrupt
from therapynotes.store.connection import CLINICAL_SCHEMA, Connection, has_clinical

VERSION = 16
DESCRIPTION = "making search faster"

PREFIXES = "2 3 4"
TOKENIZE = "porter unicode61 remove_diacritics 2"  # m0003's, unchanged
# Each index and the notes it holds (m0003_records's trigger conditions).
INDEXES = (
    ("notes_fts", "state <> 'voided' AND kind <> 'psychotherapy'"),
    ("psychotherapy_fts", "state <> 'voided' AND kind = 'psychotherapy'"),
)
# The text the triggers index (m0003_records's _BODY_TEXT and _ADDENDA_TEXT, applied to
# the note row n).
_BODY = "(SELECT coalesce(group_concat(value, char(10)), '') FROM json_each(n.body))"
_ADDENDA = "(SELECT coalesce(group_concat(body, char(10)), '') FROM addenda WHERE note_id = n.id)"
_C = CLINICAL_SCHEMA


def create_sql(table: str) -> str:
    return (
        f"CREATE VIRTUAL TABLE {_C}.{table} USING fts5(body, addenda,"
        f" prefix = '{PREFIXES}', tokenize = '{TOKENIZE}')"
    )


def has_prefixes(conn: Connection, table: str) -> bool:
    row = conn.execute(
        f"SELECT sql FROM {_C}.sqlite_master WHERE type = 'table' AND name = ?",  # noqa: S608
        (table,),
    ).fetchone()
    return row is not None and f"prefix = '{PREFIXES}'" in str(row[0])


def prepare(conn: Connection) -> None:
    """In its own transaction (clinical.db only): rebuild each index not yet rebuilt."""
    if not has_clinical(conn):
        raise VaultCorrupt("the clinical data file is not open")
    for table, notes in INDEXES:
        if has_prefixes(conn, table):
            continue  # rebuilt by an attempt whose upgrade did not commit
        conn.execute(f"DROP TABLE IF EXISTS {_C}.{table}")
        conn.execute(create_sql(table))
        conn.execute(
            f"INSERT INTO {_C}.{table}(rowid, body, addenda)"  # noqa: S608
            f" SELECT n.id, {_BODY}, {_ADDENDA} FROM {_C}.notes n WHERE {notes} ORDER BY n.id"
        )


def upgrade(conn: Connection) -> None:
    """In the migration's transaction (vault.db): the rebuilt indexes are there."""
    for table, _ in INDEXES:
        if not has_prefixes(conn, table):
            raise VaultCorrupt("the search index was not rebuilt")
