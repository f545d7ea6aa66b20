"""Form drafts (schema 7): the fields of dialogs open when the vault locked. Callers own
the transaction. Must not import: PySide6, therapynotes.services.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from therapynotes.domain.ids import ClientId
from therapynotes.domain.rules import canonical_json
from therapynotes.store.connection import Connection


@dataclass(frozen=True)
class FormDraft:
    kind: str  # which dialog, e.g. "note.addendum"
    client_id: ClientId | None  # the chart it belongs to
    fields: dict[str, Any] = field(default_factory=dict)  # JSON values only
    id: int | None = None


def replace_all(conn: Connection, drafts: list[FormDraft], *, now: str) -> list[int]:
    """Keep exactly these drafts (a lock replaces what an earlier lock kept)."""
    conn.execute("DELETE FROM form_drafts")
    ids = []
    for draft in drafts:
        cur = conn.execute(
            "INSERT INTO form_drafts(kind, client_id, body, saved_at) VALUES (?, ?, ?, ?)",
            (draft.kind, draft.client_id, canonical_json(draft.fields), now),
        )
        ids.append(int(cur.lastrowid or 0))
    return ids


def all_drafts(conn: Connection) -> list[FormDraft]:
    rows = conn.execute("SELECT id, kind, client_id, body FROM form_drafts ORDER BY id")
    return [
        FormDraft(
            str(kind),
            ClientId(int(client)) if client is not None else None,
            json.loads(body),
            int(draft_id),
        )
        for draft_id, kind, client, body in rows
    ]


def delete(conn: Connection, draft_id: int) -> bool:
    return bool(conn.execute("DELETE FROM form_drafts WHERE id = ?", (draft_id,)).rowcount)
