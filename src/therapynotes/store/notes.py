"""Notes, their draft revisions and addenda. The schema forbids changing signed notes
(see m0003_records); this module only writes drafts, signs, voids and appends addenda.
Callers own the transaction."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from therapynotes.domain.enums import NoteKind, NoteState
from therapynotes.domain.ids import AddendumId, ClientId, NoteId, SessionId
from therapynotes.domain.models import Addendum, Note, NoteHeader
from therapynotes.domain.rules import canonical_json
from therapynotes.store import clinical_refs
from therapynotes.store.connection import Connection

_COLUMNS = (
    "id, client_id, session_id, kind, template, service_date, occurred_at, state, body,"
    " created_at, updated_at, signed_at, content_hash, late_entry, voided_at, void_reason,"
    " signed_by, voided_by"
)


def encode_body(sections: Mapping[str, str]) -> str:
    return canonical_json(dict(sections))


def insert_draft(
    conn: Connection,
    *,
    client_id: ClientId,
    session_id: SessionId | None,
    kind: NoteKind,
    template: str,
    service_date: str,
    occurred_at: str,
    sections: Mapping[str, str],
    now: str,
) -> NoteId:
    _require_owner_rows(conn, client_id, session_id)
    cur = conn.execute(
        "INSERT INTO notes(client_id, session_id, kind, template, service_date, occurred_at,"
        " state, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?)",
        (
            client_id,
            session_id,
            kind.value,
            template,
            service_date,
            occurred_at,
            encode_body(sections),
            now,
            now,
        ),
    )
    return NoteId(int(cur.lastrowid))


def _require_owner_rows(
    conn: Connection, client_id: ClientId, session_id: SessionId | None
) -> None:
    """What the foreign keys to `clients` and `session_participants` checked before the
    notes moved to clinical.db (schema 13; SQLite has no keys across files)."""
    clinical_refs.check(conn, "notes", {"client_id": client_id, "session_id": session_id})


def update_draft(
    conn: Connection, note_id: NoteId, sections: Mapping[str, str], *, now: str
) -> bool:
    """False when the note is not a draft (any more)."""
    cur = conn.execute(
        "UPDATE notes SET body = ?, updated_at = ? WHERE id = ? AND state = 'draft'",
        (encode_body(sections), now, note_id),
    )
    return bool(cur.rowcount)


def add_revision(
    conn: Connection, note_id: NoteId, sections: Mapping[str, str], *, now: str
) -> None:
    conn.execute(
        "INSERT INTO note_revisions(note_id, saved_at, body) VALUES (?, ?, ?)",
        (note_id, now, encode_body(sections)),
    )


def last_revision(conn: Connection, note_id: NoteId) -> tuple[str, dict[str, str]] | None:
    row = conn.execute(
        "SELECT saved_at, body FROM note_revisions WHERE note_id = ? ORDER BY id DESC LIMIT 1",
        (note_id,),
    ).fetchone()
    return None if row is None else (str(row[0]), json.loads(row[1]))


def revisions(conn: Connection, note_id: NoteId) -> list[tuple[str, dict[str, str]]]:
    rows = conn.execute(
        "SELECT saved_at, body FROM note_revisions WHERE note_id = ? ORDER BY id", (note_id,)
    ).fetchall()
    return [(str(r[0]), json.loads(r[1])) for r in rows]


def delete_draft(conn: Connection, note_id: NoteId) -> bool:
    conn.execute(
        "DELETE FROM note_revisions WHERE note_id = ?"
        " AND (SELECT state FROM notes WHERE id = ?) = 'draft'",
        (note_id, note_id),
    )
    cur = conn.execute("DELETE FROM notes WHERE id = ? AND state = 'draft'", (note_id,))
    return bool(cur.rowcount)


def sign(
    conn: Connection,
    note_id: NoteId,
    *,
    signed_at: str,
    content_hash: str,
    late_entry: bool,
    signed_by: str | None = None,
) -> bool:
    """`signed_by`: the signer as the signature names them (None: no profile yet)."""
    cur = conn.execute(
        "UPDATE notes SET state = 'signed', signed_at = ?, content_hash = ?, late_entry = ?,"
        " signed_by = ? WHERE id = ? AND state = 'draft'",
        (signed_at, content_hash, int(late_entry), signed_by, note_id),
    )
    return bool(cur.rowcount)


def void(
    conn: Connection, note_id: NoteId, *, reason: str, now: str, voided_by: str | None = None
) -> bool:
    cur = conn.execute(
        "UPDATE notes SET state = 'voided', voided_at = ?, void_reason = ?, voided_by = ?"
        " WHERE id = ? AND state = 'signed'",
        (now, reason, voided_by, note_id),
    )
    return bool(cur.rowcount)


def insert_addendum(
    conn: Connection,
    note_id: NoteId,
    *,
    text: str,
    signed_at: str,
    content_hash: str,
    signed_by: str | None = None,
) -> AddendumId:
    cur = conn.execute(
        "INSERT INTO addenda(note_id, body, signed_at, content_hash, signed_by)"
        " VALUES (?, ?, ?, ?, ?)",
        (note_id, text, signed_at, content_hash, signed_by),
    )
    return AddendumId(int(cur.lastrowid))


def _addenda(conn: Connection, note_ids: list[int]) -> dict[int, list[Addendum]]:
    found: dict[int, list[Addendum]] = defaultdict(list)
    if not note_ids:
        return found
    marks = ", ".join("?" for _ in note_ids)
    for r in conn.execute(
        "SELECT id, note_id, body, signed_at, content_hash, signed_by FROM addenda"  # noqa: S608
        f" WHERE note_id IN ({marks}) ORDER BY id",  # noqa: S608 - placeholders only
        note_ids,
    ):
        found[int(r[1])].append(Addendum(AddendumId(int(r[0])), NoteId(int(r[1])), *r[2:]))
    return found


def _from_row(r: Any, addenda: list[Addendum]) -> Note:
    return Note(
        id=NoteId(int(r[0])),
        client_id=ClientId(int(r[1])),
        session_id=None if r[2] is None else SessionId(int(r[2])),
        kind=NoteKind(r[3]),
        template=r[4],
        service_date=r[5],
        occurred_at=r[6],
        state=NoteState(r[7]),
        sections=json.loads(r[8]),
        created_at=r[9],
        updated_at=r[10],
        signed_at=r[11],
        content_hash=r[12],
        late_entry=bool(r[13]),
        voided_at=r[14],
        void_reason=r[15],
        signed_by=r[16],
        voided_by=r[17],
        addenda=tuple(addenda),
    )


def get(conn: Connection, note_id: NoteId) -> Note | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM notes WHERE id = ?", (note_id,)).fetchone()  # noqa: S608
    if row is None:
        return None
    return _from_row(row, _addenda(conn, [int(row[0])]).get(int(row[0]), []))


def for_client(
    conn: Connection, client_id: ClientId, *, include_psychotherapy: bool = False
) -> list[Note]:
    """The client's notes, newest service first, with their addenda."""
    extra = "" if include_psychotherapy else " AND kind <> 'psychotherapy'"
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM notes WHERE client_id = ?{extra}"  # noqa: S608
        " ORDER BY service_date DESC, id DESC",
        (client_id,),
    ).fetchall()
    extras = _addenda(conn, [int(r[0]) for r in rows])
    return [_from_row(r, extras.get(int(r[0]), [])) for r in rows]


def last_signed(
    conn: Connection, client_id: ClientId, *, kind: NoteKind, before_date: str
) -> Note | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM notes WHERE client_id = ? AND kind = ?"  # noqa: S608
        " AND state = 'signed' AND service_date <= ?"
        " ORDER BY service_date DESC, id DESC LIMIT 1",
        (client_id, kind.value, before_date),
    ).fetchone()
    return None if row is None else _from_row(row, [])


def headers_for_session(conn: Connection, session_id: SessionId) -> list[NoteHeader]:
    rows = conn.execute(
        "SELECT id, client_id, session_id, kind, service_date, state, late_entry FROM notes"
        " WHERE session_id = ? ORDER BY client_id, id",
        (session_id,),
    ).fetchall()
    return [
        NoteHeader(
            NoteId(int(r[0])),
            ClientId(int(r[1])),
            SessionId(int(r[2])),
            NoteKind(r[3]),
            r[4],
            NoteState(r[5]),
            bool(r[6]),
        )
        for r in rows
    ]
