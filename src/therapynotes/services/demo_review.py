"""The demo practice's supervision (issue 17 phase B): a supervisor's signing line, one
co-signature and one review comment."""

from __future__ import annotations

from therapynotes.domain.ids import NoteId
from therapynotes.domain.review import cosignature_hash
from therapynotes.store import review as review_store
from therapynotes.store.connection import Connection

DEMO_SUPERVISOR = "rlee"
DEMO_SUPERVISOR_LINE = "Dr. Rosa Lee, PhD, licensed psychologist #12345 (supervisor)"
DEMO_REVIEW_COMMENT = (
    "Good formulation. Next time, note the safety plan review in the Plan section."
)


def build_supervision(conn: Connection, *, now: str) -> None:
    """A supervisor's signing line, co-signature and comment on the oldest signed record
    note (the login they name is the demo's supervisor; `therapynotes users add` makes a
    real one)."""
    row = conn.execute(
        "SELECT id, content_hash FROM notes WHERE state = 'signed' AND kind <> 'psychotherapy'"
        " ORDER BY service_date, id LIMIT 1"
    ).fetchone()
    if row is None:
        return
    note_id, note_hash = int(row[0]), str(row[1])
    review_store.set_signature_line(conn, DEMO_SUPERVISOR, DEMO_SUPERVISOR_LINE, now=now)
    digest = cosignature_hash(
        note_hash=note_hash, login=DEMO_SUPERVISOR, line=DEMO_SUPERVISOR_LINE, signed_at=now
    )
    review_store.insert_cosignature(
        conn, NoteId(note_id), login=DEMO_SUPERVISOR, line=DEMO_SUPERVISOR_LINE,
        signed_at=now, digest=digest,
    )  # fmt: skip
    review_store.insert_comment(
        conn, NoteId(note_id), login=DEMO_SUPERVISOR, body=DEMO_REVIEW_COMMENT, now=now
    )
