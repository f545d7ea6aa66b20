"""Schema 17 (issue 17 follow-up): form drafts of dialogs without clinical text move to
vault.db, so an assistant's typing is kept through a lock too.

Since schema 13 every form draft lived in `clinical.form_drafts`, which an assistant's
key never opens: their half-typed Add client, appointment or payment was lost at a lock.
`main.shared_form_drafts` (vault.db, the shared key) has the same columns and holds the
drafts of the dialogs listed in store/form_drafts.py `SHARED_KINDS` (docs/formats.md
"Form drafts"); the clinical ones stay where they were.

The drafts of those kinds already kept are copied into the new table (same ids) and
deleted from clinical.db in the same transaction. WAL commits each file atomically but
not both together: a crash between the two commits leaves the copies in vault.db and the
originals in clinical.db, where they are never read (store/form_drafts.py reads each
file for its own kinds) and the next lock's replace drops them. Nothing is lost, nothing
offered twice.
"""

from __future__ import annotations

from therapynotes.errors import VaultCorrupt
from therapynotes.store.connection import Connection, has_clinical

VERSION = 17
DESCRIPTION = "keeping your staff's typed forms through a lock"

# store/form_drafts.py SHARED_KINDS as released with this schema (a migration never
# changes: a kind added to the list later has no drafts in clinical.db to move).
SHARED_KINDS = (
    "appointment.book",
    "appointment.move",
    "billing.correct",
    "billing.estimate",
    "billing.fee",
    "billing.payment",
    "billing.statement",
    "billing.superbill",
    "billing.write_off",
    "client.add",
    "client.edit",
    "retention.hold",
    "retention.purge",
    "review.signature",
    "session.attendance",
    "session.log",
    "settings",
    "user.add",
    "user.rename",
)

_INSTANT = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"

TABLE = f"""CREATE TABLE IF NOT EXISTS main.shared_form_drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    client_id INTEGER REFERENCES clients(id),
    body TEXT NOT NULL CHECK (json_valid(body) AND json_type(body) = 'object'),
    saved_at TEXT NOT NULL CHECK (saved_at {_INSTANT})
) STRICT"""


def upgrade(conn: Connection) -> None:
    if not has_clinical(conn):
        raise VaultCorrupt("the clinical data file is not open")
    conn.execute(TABLE)
    kinds = list(SHARED_KINDS)
    marks = ", ".join("?" * len(kinds))
    conn.execute(
        "INSERT OR IGNORE INTO main.shared_form_drafts(id, kind, client_id, body, saved_at)"  # noqa: S608
        f" SELECT id, kind, client_id, body, saved_at FROM clinical.form_drafts"
        f" WHERE kind IN ({marks}) AND (client_id IS NULL"
        " OR client_id IN (SELECT id FROM main.clients)) ORDER BY id",
        kinds,
    )
    conn.execute(f"DELETE FROM clinical.form_drafts WHERE kind IN ({marks})", kinds)  # noqa: S608
