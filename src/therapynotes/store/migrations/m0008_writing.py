"""Schema 8: the therapist's personal dictionary (spell check). Words the therapist added
with "Add to dictionary": they may be client names, so they live inside the vault (and
so in backups and the export), never in a plain file. One row per word, compared
without regard to case.
"""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 8

_INSTANT = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"


def upgrade(conn: Connection) -> None:
    conn.execute(
        f"""CREATE TABLE dictionary_words (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            word TEXT NOT NULL UNIQUE COLLATE NOCASE
                CHECK (length(word) BETWEEN 1 AND 100
                    AND instr(word, ' ') = 0 AND instr(word, char(10)) = 0),
            added_at TEXT NOT NULL CHECK (added_at {_INSTANT})
        ) STRICT"""
    )
