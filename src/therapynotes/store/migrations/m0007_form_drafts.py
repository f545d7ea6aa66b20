"""Schema 7: form drafts. What was typed into an open dialog (Add addendum, Log session,
Edit details, …) when the vault locked, kept inside the vault until the dialog is
offered back after unlock. `client_id` names the chart the dialog belongs to (NULL for
Add client), so a purge removes a client's form drafts with the rest of the record.
`body` is a JSON object of the dialog's fields. Passphrase dialogs are never kept.
Ids are never reused, so dropping the draft a dialog was filled from can never drop a
newer one.
"""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 7
DESCRIPTION = "keeping typed forms through a lock"

_INSTANT = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"


def upgrade(conn: Connection) -> None:
    conn.execute(
        f"""CREATE TABLE form_drafts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
            client_id INTEGER REFERENCES clients(id),
            body TEXT NOT NULL CHECK (json_valid(body) AND json_type(body) = 'object'),
            saved_at TEXT NOT NULL CHECK (saved_at {_INSTANT})
        ) STRICT"""
    )
