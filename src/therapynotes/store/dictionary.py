"""The personal dictionary (schema 9): words the therapist added to the spell checker.
Callers own the transaction. Must not import: PySide6, therapynotes.services.
"""

from __future__ import annotations

from therapynotes.store.connection import Connection


def words(conn: Connection) -> list[str]:
    return [str(r[0]) for r in conn.execute("SELECT word FROM dictionary_words ORDER BY id")]


def add(conn: Connection, word: str, *, now: str) -> bool:
    """False when the word (in any case) is already there."""
    cur = conn.execute(
        "INSERT INTO dictionary_words(word, added_at) VALUES (?, ?) ON CONFLICT(word) DO NOTHING",
        (word, now),
    )
    return bool(cur.rowcount)


def remove(conn: Connection, word: str) -> bool:
    return bool(conn.execute("DELETE FROM dictionary_words WHERE word = ?", (word,)).rowcount)
