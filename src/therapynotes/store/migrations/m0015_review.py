"""Schema 15 (issue 17 phase B): co-signatures, review comments and signing lines.

- `clinical.cosignatures`: a supervisor's signed, dated entry under a signed record note
  (never a psychotherapy note, never a voided one), carrying the supervisor's signing
  line as it read that day; one per login and note; write-once; deleted only by the
  client's purge (the clinical twin of purge_authorisations, m0013).
- `clinical.review_comments`: a supervisor's (or the owner's reply) comment on a note;
  write-once; deleted only by the purge.
- `signature_lines` (vault.db): each login's own signing line ("Dr. R. Lee, PhD,
  licensed psychologist #12345"); no client data, so it lives with the shared key.

Both clinical tables live in clinical.db, beside the notes they reference (SQLite has no
references across attached files). The migration writes clinical.db and vault.db in one
transaction: it only creates empty tables, so a crash between the two files' commits
leaves tables that the next run's IF NOT EXISTS keeps (no rows to lose or show twice).
Assumes nothing beyond schema 13 (the split).
"""

from __future__ import annotations

from therapynotes.errors import VaultCorrupt
from therapynotes.store.connection import Connection, has_clinical

VERSION = 15
DESCRIPTION = "adding co-signatures and review comments"

_INSTANT = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"
_NOT_PURGING = (
    "NOT EXISTS (SELECT 1 FROM purge_authorisations a WHERE a.client_id ="
    " (SELECT client_id FROM notes WHERE id = OLD.note_id))"
)

STATEMENTS = (
    f"""CREATE TABLE IF NOT EXISTS clinical.cosignatures (
        id INTEGER PRIMARY KEY,
        note_id INTEGER NOT NULL REFERENCES notes(id),
        login TEXT NOT NULL CHECK (length(trim(login)) > 0),
        signature_line TEXT NOT NULL CHECK (length(trim(signature_line)) > 0),
        signed_at TEXT NOT NULL CHECK (signed_at {_INSTANT}),
        content_hash TEXT NOT NULL CHECK (length(content_hash) = 64),
        UNIQUE (note_id, login)
    ) STRICT""",
    f"""CREATE TABLE IF NOT EXISTS clinical.review_comments (
        id INTEGER PRIMARY KEY,
        note_id INTEGER NOT NULL REFERENCES notes(id),
        login TEXT NOT NULL CHECK (length(trim(login)) > 0),
        body TEXT NOT NULL CHECK (length(trim(body)) > 0),
        created_at TEXT NOT NULL CHECK (created_at {_INSTANT})
    ) STRICT""",
    "CREATE INDEX IF NOT EXISTS clinical.review_comments_note ON review_comments(note_id, id)",
    """CREATE TRIGGER IF NOT EXISTS clinical.cosignatures_need_signed_record_note
        BEFORE INSERT ON cosignatures
        WHEN (SELECT state = 'signed' AND kind <> 'psychotherapy' FROM notes
              WHERE id = NEW.note_id) IS NOT 1
        BEGIN SELECT RAISE(ABORT, 'co-signatures sign signed notes only'); END""",
    """CREATE TRIGGER IF NOT EXISTS clinical.cosignatures_immutable
        BEFORE UPDATE ON cosignatures
        BEGIN SELECT RAISE(ABORT, 'co-signatures cannot be changed'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS clinical.cosignatures_no_delete
        BEFORE DELETE ON cosignatures WHEN {_NOT_PURGING}
        BEGIN SELECT RAISE(ABORT, 'co-signatures cannot be deleted'); END""",
    """CREATE TRIGGER IF NOT EXISTS clinical.review_comments_no_psychotherapy
        BEFORE INSERT ON review_comments
        WHEN (SELECT kind <> 'psychotherapy' FROM notes WHERE id = NEW.note_id) IS NOT 1
        BEGIN SELECT RAISE(ABORT, 'review comments need a record note'); END""",
    """CREATE TRIGGER IF NOT EXISTS clinical.review_comments_immutable
        BEFORE UPDATE ON review_comments
        BEGIN SELECT RAISE(ABORT, 'review comments cannot be changed'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS clinical.review_comments_no_delete
        BEFORE DELETE ON review_comments WHEN {_NOT_PURGING}
        BEGIN SELECT RAISE(ABORT, 'review comments cannot be deleted'); END""",
    f"""CREATE TABLE IF NOT EXISTS main.signature_lines (
        login TEXT PRIMARY KEY CHECK (length(trim(login)) > 0),
        line TEXT NOT NULL CHECK (length(trim(line)) > 0),
        updated_at TEXT NOT NULL CHECK (updated_at {_INSTANT})
    ) STRICT""",
)


def upgrade(conn: Connection) -> None:
    if not has_clinical(conn):
        raise VaultCorrupt("the clinical data file is not open")
    for statement in STATEMENTS:
        conn.execute(statement)
