"""Attachments: metadata and the encrypted blob (inside the SQLCipher vault, in a table
of its own so listing reads no blob pages). Callers own the transaction.

The blob's bytes move through SQLite's incremental blob I/O (sqlcipher3's `open_blob`),
CHUNK bytes a call, never through one SELECT or INSERT of the whole value: sqlcipher3
copies a selected or bound blob with the GIL held (7-8 ms for 20 MB, and far longer when
the OS preempts that thread meanwhile), which the UI thread waits out; a blob read or
write call releases the GIL while SQLCipher decrypts or encrypts the pages (issue 18)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from therapynotes.domain.ids import AttachmentId, ClientId, NoteId
from therapynotes.domain.models import AttachmentMeta
from therapynotes.store.connection import Connection

CHUNK = 1024 * 1024
Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


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
    progress: Progress | None = None,
) -> AttachmentId:
    cur = conn.execute(
        "INSERT INTO attachments(client_id, note_id, filename, media_type, size, sha256,"
        " added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (client_id, note_id, filename, media_type, len(data), sha256, now),
    )
    attachment_id = AttachmentId(int(cur.lastrowid))
    insert_blob(conn, attachment_id, data, progress)
    return attachment_id


def _schema(conn: Connection) -> str:
    """Where attachment_blobs lives: the attached clinical database (schema 13 on), or
    the one file of a vault from before the split."""
    row = conn.execute(
        "SELECT 1 FROM pragma_table_list WHERE schema = 'clinical' AND name = 'attachment_blobs'"
    ).fetchone()
    return "main" if row is None else "clinical"


def insert_blob(
    conn: Connection,
    attachment_id: AttachmentId,
    data: bytes | bytearray | memoryview,
    progress: Progress | None = None,
) -> None:
    """The row is made with a zeroblob of the right size and filled chunk by chunk (the
    immutability trigger guards UPDATE, which this is not: the row is new, in the
    caller's transaction)."""
    view = memoryview(data).cast("B")
    total = len(view)
    conn.execute(
        "INSERT INTO attachment_blobs(attachment_id, data) VALUES (?, zeroblob(?))",
        (attachment_id, total),
    )
    if not total:
        return
    with conn.open_blob(
        "attachment_blobs", "data", attachment_id, readonly=False, dbname=_schema(conn)
    ) as blob:
        for start in range(0, total, CHUNK):
            blob.write(view[start : start + CHUNK])
            if progress is not None:
                progress(min(start + CHUNK, total), total)


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


def read_chunks(
    conn: Connection,
    attachment_id: AttachmentId,
    sink: Callable[[bytes], object],
    progress: Progress | None = None,
) -> bool:
    """Hand the blob to `sink` CHUNK bytes at a time, in order; False when there is none."""
    found = conn.execute(
        "SELECT length(data) FROM attachment_blobs WHERE attachment_id = ?", (attachment_id,)
    ).fetchone()
    if found is None:
        return False
    total = int(found[0])
    if not total:
        return True
    with conn.open_blob(
        "attachment_blobs", "data", attachment_id, readonly=True, dbname=_schema(conn)
    ) as blob:
        done = 0
        while done < total:
            chunk = blob.read(min(CHUNK, total - done))
            if not chunk:
                break
            sink(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return True
