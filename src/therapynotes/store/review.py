"""Co-signatures and review comments (clinical.db) and signing lines (vault.db), m0015."""

from __future__ import annotations

from therapynotes.domain.enums import NoteKind
from therapynotes.domain.ids import ClientId, NoteId
from therapynotes.domain.models import display_name
from therapynotes.domain.review import Cosignature, ReviewComment, ReviewItem
from therapynotes.store.connection import Connection

_COSIGN_COLUMNS = "id, note_id, login, signature_line, signed_at, content_hash"
_COMMENT_COLUMNS = "id, note_id, login, body, created_at"


def signature_line(conn: Connection, login: str) -> str:
    row = conn.execute("SELECT line FROM signature_lines WHERE login = ?", (login,)).fetchone()
    return "" if row is None else str(row[0])


def set_signature_line(conn: Connection, login: str, line: str, *, now: str) -> None:
    conn.execute(
        "INSERT INTO signature_lines(login, line, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT(login) DO UPDATE SET line = excluded.line, updated_at = excluded.updated_at",
        (login, line, now),
    )


def insert_cosignature(
    conn: Connection, note_id: NoteId, *, login: str, line: str, signed_at: str, digest: str
) -> int:
    cur = conn.execute(
        "INSERT INTO cosignatures(note_id, login, signature_line, signed_at, content_hash)"
        " VALUES (?, ?, ?, ?, ?)",
        (note_id, login, line, signed_at, digest),
    )
    return int(cur.lastrowid)


def _cosignature(r: tuple[object, ...]) -> Cosignature:
    return Cosignature(
        int(str(r[0])), NoteId(int(str(r[1]))), str(r[2]), str(r[3]), str(r[4]), str(r[5])
    )


def cosignatures(conn: Connection, note_id: NoteId) -> list[Cosignature]:
    rows = conn.execute(
        f"SELECT {_COSIGN_COLUMNS} FROM cosignatures WHERE note_id = ? ORDER BY id",  # noqa: S608
        (note_id,),
    ).fetchall()
    return [_cosignature(tuple(r)) for r in rows]


def cosignatures_for_client(conn: Connection, client_id: ClientId) -> dict[int, list[Cosignature]]:
    found: dict[int, list[Cosignature]] = {}
    for r in conn.execute(
        f"SELECT {', '.join('c.' + c for c in _COSIGN_COLUMNS.split(', '))}"  # noqa: S608
        " FROM cosignatures c JOIN notes n ON n.id = c.note_id"
        " WHERE n.client_id = ? ORDER BY c.id",
        (client_id,),
    ):
        item = _cosignature(tuple(r))
        found.setdefault(int(item.note_id), []).append(item)
    return found


def insert_comment(conn: Connection, note_id: NoteId, *, login: str, body: str, now: str) -> int:
    cur = conn.execute(
        "INSERT INTO review_comments(note_id, login, body, created_at) VALUES (?, ?, ?, ?)",
        (note_id, login, body, now),
    )
    return int(cur.lastrowid)


def comments(conn: Connection, note_id: NoteId) -> list[ReviewComment]:
    rows = conn.execute(
        f"SELECT {_COMMENT_COLUMNS} FROM review_comments WHERE note_id = ? ORDER BY id",  # noqa: S608
        (note_id,),
    ).fetchall()
    return [
        ReviewComment(int(r[0]), NoteId(int(r[1])), str(r[2]), str(r[3]), str(r[4])) for r in rows
    ]


def to_review(conn: Connection, login: str) -> list[ReviewItem]:
    """Signed record notes (not psychotherapy, not voided) that `login` has not yet
    co-signed, oldest service first."""
    rows = conn.execute(
        "SELECT n.id, n.client_id, n.service_date, n.kind, c.legal_name, c.preferred_name"
        " FROM notes n JOIN clients c ON c.id = n.client_id"
        " WHERE n.state = 'signed' AND n.kind <> 'psychotherapy'"
        " AND NOT EXISTS (SELECT 1 FROM cosignatures s WHERE s.note_id = n.id AND s.login = ?)"
        " ORDER BY n.service_date, n.id",
        (login,),
    ).fetchall()
    return [
        ReviewItem(
            NoteId(int(r[0])),
            ClientId(int(r[1])),
            display_name(r[4], r[5]),
            str(r[2]),
            NoteKind(r[3]),
        )
        for r in rows
    ]
