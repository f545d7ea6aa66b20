"""Schema 4: retention. Legal holds and the retention settings.

- `legal_holds`: one row per client whose record must be kept regardless of its
  retention date (litigation, complaint). The schema refuses to authorise a purge of a
  client on hold, so no code path can destroy a held record.
- Retention settings (period after last service, age of majority, period after
  majority) join the `settings` table with their defaults.

FTS5 `secure-delete` is NOT switched on here for good: it made every draft autosave
14x slower (1 ms to 14 ms; 30 ms at p95, `python -m bench.records_bench`), because each
save rewrites the note's index entries. A purge switches it on for its own transaction
(store/retention.py), then merges the indexes, so a purge still leaves no text.
"""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 4
DESCRIPTION = "adding retention dates and legal holds"

_INSTANT = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"

STATEMENTS = (
    f"""CREATE TABLE legal_holds (
        client_id INTEGER PRIMARY KEY REFERENCES clients(id),
        placed_at TEXT NOT NULL CHECK (placed_at {_INSTANT})
    ) STRICT""",
    """CREATE TRIGGER legal_hold_blocks_purge BEFORE INSERT ON purge_authorisations
        WHEN EXISTS (SELECT 1 FROM legal_holds h WHERE h.client_id = NEW.client_id)
        BEGIN SELECT RAISE(ABORT, 'client is on legal hold'); END""",
)

FTS_TABLES = ("notes_fts", "psychotherapy_fts", "clients_fts", "diagnoses_fts")

SETTINGS_DEFAULTS = (
    ("retention_years", "7"),
    ("retention_age_of_majority", "18"),
    ("retention_minor_years", "3"),
)


def upgrade(conn: Connection) -> None:
    for statement in STATEMENTS:
        conn.execute(statement)
    conn.executemany(
        "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
        SETTINGS_DEFAULTS,
    )
