"""Text snippets (schema 9). Callers own the transaction. Must not import: PySide6,
therapynotes.services."""

from __future__ import annotations

from therapynotes.domain.snippets import Snippet
from therapynotes.store.connection import Connection


def all_snippets(conn: Connection) -> list[Snippet]:
    rows = conn.execute("SELECT id, trigger, body FROM snippets ORDER BY trigger")
    return [Snippet(str(t), str(b), int(i)) for i, t, b in rows]


def find(conn: Connection, trigger: str) -> Snippet | None:
    row = conn.execute("SELECT id, trigger, body FROM snippets WHERE trigger = ?", (trigger,))
    found = row.fetchone()
    return Snippet(str(found[1]), str(found[2]), int(found[0])) if found else None


def put(conn: Connection, snippet: Snippet, *, now: str) -> int:
    """Insert, or update the snippet with `snippet.id`; returns its id."""
    if snippet.id is None:
        cur = conn.execute(
            "INSERT INTO snippets(trigger, body, created_at, updated_at) VALUES (?, ?, ?, ?)",
            (snippet.trigger, snippet.body, now, now),
        )
        return int(cur.lastrowid or 0)
    conn.execute(
        "UPDATE snippets SET trigger = ?, body = ?, updated_at = ? WHERE id = ?",
        (snippet.trigger, snippet.body, now, snippet.id),
    )
    return snippet.id


def delete(conn: Connection, snippet_id: int) -> bool:
    return bool(conn.execute("DELETE FROM snippets WHERE id = ?", (snippet_id,)).rowcount)
