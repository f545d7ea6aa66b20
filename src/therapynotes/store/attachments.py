"""Attachments: metadata and the encrypted blob (inside the SQLCipher vault, in a table
of its own so listing reads no blob pages). Callers own the transaction."""

from __future__ import annotations

from typing import Any

from therapynotes.domain.ids import AttachmentId, ClientId, NoteId
from therapynotes.domain.models import AttachmentMeta
from therapynotes.store.connection import Connection


def insert(
    conn: Connection,
    *,
    client_id: ClientId,
    note_id: NoteId | None,
    filename: str,
    media_type: str,
    data: bytes,
    sha256: str,
    now: str,
) -> AttachmentId:
    cur = conn.execute(
        "INSERT INTO attachments(client_id, note_id, filename, media_type, size, sha256,"
        " added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (client_id, note_id, filename, media_type, len(data), sha256, now),
    )
    attachment_id = AttachmentId(int(cur.lastrowid))
    conn.execute(
        "INSERT INTO attachment_blobs(attachment_id, data) VALUES (?, ?)",
        (attachment_id, data),
    )
    return attachment_id


_SELECT = (
    "SELECT id, client_id, note_id, filename, media_type, size, sha256, added_at FROM attachments"
)


def _from_row(r: Any) -> AttachmentMeta:
    return AttachmentMeta(
        AttachmentId(int(r[0])),
        ClientId(int(r[1])),
        None if r[2] is None else NoteId(int(r[2])),
        r[3],
        r[4],
        int(r[5]),
        r[6],
        r[7],
    )


def get_meta(conn: Connection, attachment_id: AttachmentId) -> AttachmentMeta | None:
    row = conn.execute(_SELECT + " WHERE id = ?", (attachment_id,)).fetchone()
    return None if row is None else _from_row(row)


def for_client(conn: Connection, client_id: ClientId) -> list[AttachmentMeta]:
    rows = conn.execute(_SELECT + " WHERE client_id = ? ORDER BY id", (client_id,)).fetchall()
    return [_from_row(r) for r in rows]


def read_blob(conn: Connection, attachment_id: AttachmentId) -> bytes | None:
    row = conn.execute(
        "SELECT data FROM attachment_blobs WHERE attachment_id = ?", (attachment_id,)
    ).fetchone()
    return None if row is None else bytes(row[0])
