"""The references from clinical.db's rows to vault.db's, checked by code (issue 17).

SQLite has no foreign keys across attached databases, so since schema 13 the clinical
tables no longer declare their references to `clients` and `session_participants`
(m0013). Every path that writes such a row from outside data (the portable import) or
from a caller's ids (a new note) checks them here first, raising the driver's
IntegrityError as the foreign key did. Must not import PySide6 or services.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from therapynotes.store.connection import Connection, driver

_CLIENT = "SELECT 1 FROM main.clients WHERE id = :client_id"
_PARTICIPANT = (
    "SELECT 1 FROM main.session_participants"
    " WHERE session_id = :session_id AND client_id = :client_id"
)

# table -> (columns that must be non-NULL for the check to apply, query)
REFERENCES: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "notes": ((("client_id",), _CLIENT), (("session_id", "client_id"), _PARTICIPANT)),
    "treatment_plans": ((("client_id",), _CLIENT),),
    "attachments": ((("client_id",), _CLIENT),),
    "diagnoses": ((("client_id",), _CLIENT),),
    "measure_responses": ((("client_id",), _CLIENT),),
    "form_drafts": ((("client_id",), _CLIENT),),
}


def check(conn: Connection, table: str, row: Mapping[str, Any]) -> None:
    """Raise IntegrityError when `row` of `table` names a client or session participant
    that vault.db does not hold."""
    for columns, query in REFERENCES.get(table, ()):
        if any(row.get(c) is None for c in columns):
            continue
        params = {c: row[c] for c in columns}
        if conn.execute(query, params).fetchone() is None:
            raise driver().IntegrityError("FOREIGN KEY constraint failed")
