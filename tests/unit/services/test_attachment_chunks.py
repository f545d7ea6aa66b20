"""Attachments move through SQLite's incremental blob I/O a chunk at a time (issue 18: no
long hold of the GIL while a 20 MB file is read or written): the bytes come back exact at
every size around the chunk boundary, in chunks of at most CHUNK, with progress; a
damaged blob is refused; the export/import round trip and a purge (every chunk's pages)
keep working on multi-chunk files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.pages import count_hits, data_keys
from tests.support.records import add_client, log_session_now, unlock_new_vault
from therapynotes.records_errors import AttachmentCorrupt, AttachmentNotFound
from therapynotes.services.portable import PortableService
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.services.session import VaultSession
from therapynotes.store import attachments

CHUNK = attachments.CHUNK
YEAR = 365.25 * 24 * 3600


def _marked(size: int, tag: bytes) -> bytes:
    """`size` bytes with a marker naming each 4 KiB stretch, so every page of every chunk
    can be found by a page scan."""
    out = bytearray()
    n = 0
    while len(out) < size:
        out += (tag + b"-%08d-" % n).ljust(4096, b".")
        n += 1
    return bytes(out[:size])


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5])
def test_bytes_come_back_exact_in_chunks_with_progress(records: RecordsService, size: int) -> None:
    client = add_client(records)
    data = _marked(size, b"Chunky")
    stored: list[tuple[int, int]] = []
    att = records.add_attachment(
        client,
        filename="scan.pdf",
        media_type="application/pdf",
        data=data,
        progress=lambda done, total: stored.append((done, total)),
    )
    chunks: list[bytes] = []
    read: list[tuple[int, int]] = []
    meta = records.stream_attachment(
        att, chunks.append, lambda done, total: read.append((done, total))
    )
    assert b"".join(chunks) == data
    assert records.read_attachment(att) == data
    assert meta.size == size and meta.sha256 == hashlib.sha256(data).hexdigest()
    expected_chunks = -(-size // CHUNK)
    assert len(chunks) == expected_chunks and all(len(c) <= CHUNK for c in chunks)
    for steps in (stored, read):
        assert len(steps) == expected_chunks
        assert [d for d, _ in steps] == sorted(d for d, _ in steps)
        assert not steps or steps[-1] == (size, size)


def test_a_damaged_or_missing_blob_is_refused(records: RecordsService) -> None:
    client = add_client(records)
    data = _marked(2 * CHUNK + 10, b"Damaged")
    att = records.add_attachment(
        client, filename="scan.pdf", media_type="application/pdf", data=data
    )
    conn = records.conn
    # One byte of the second chunk changed behind the app's back (the immutability
    # trigger guards UPDATE; the blob handle does not go through it).
    with conn.open_blob("attachment_blobs", "data", att, readonly=False, dbname="clinical") as blob:
        blob.seek(CHUNK + 7)
        blob.write(b"X")
    conn.commit()
    with pytest.raises(AttachmentCorrupt):
        records.stream_attachment(att, lambda _chunk: None)
    with pytest.raises(AttachmentCorrupt):
        records.read_attachment(att)
    with pytest.raises(AttachmentNotFound):
        records.stream_attachment(att + 999, lambda _chunk: None)  # type: ignore[arg-type]


def test_blobs_cannot_be_changed_by_sql(records: RecordsService) -> None:
    client = add_client(records)
    att = records.add_attachment(
        client, filename="a.pdf", media_type="application/pdf", data=b"x" * (CHUNK + 1)
    )
    with pytest.raises(Exception, match="cannot be changed"):  # noqa: PT011 - driver's error
        records.conn.execute(
            "UPDATE attachment_blobs SET data = x'00' WHERE attachment_id = ?", (att,)
        )


def test_purge_removes_every_chunk_from_every_page(
    unlocked: VaultSession, records: RecordsService, clock: FakeClock
) -> None:
    keeper = add_client(records, "Keeper Person")
    client = add_client(records, "Gone Person")
    log_session_now(records, clock, keeper, client)
    size = 3 * CHUNK + 123
    for owner, tag in ((client, b"PurgedChunk"), (keeper, b"KeptChunk")):
        records.add_attachment(
            owner, filename="scan.pdf", media_type="application/pdf", data=_marked(size, tag)
        )
    conn = unlocked.conn
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    key, db = data_keys(unlocked), unlocked.paths.db
    markers = -(-size // 4096)  # a few straddle two pages and are not seen whole
    before = count_hits(db, key, [b"PurgedChunk-", b"KeptChunk-"])
    assert min(before.values()) > 0.9 * markers, before

    clock.advance(8 * YEAR)
    retention = RetentionService(unlocked, clock=clock)
    assert retention.purge(client)["attachments"] == 1

    after = count_hits(db, key, [b"PurgedChunk-", b"KeptChunk-"])
    assert after == {b"PurgedChunk-": 0, b"KeptChunk-": before[b"KeptChunk-"]}, after
    for wal in (db.with_name(db.name + "-wal"), Path(f"{db.parent}/clinical.db-wal")):
        assert not wal.exists() or wal.stat().st_size == 0


def test_export_import_round_trip_of_multi_chunk_files_is_exact(
    records: RecordsService, clock: FakeClock, tmp_path: Path
) -> None:
    client = add_client(records)
    files = {
        name: _marked(size, name.encode())
        for name, size in (("one.pdf", 2 * CHUNK + 17), ("two.png", CHUNK), ("empty.txt", 0))
    }
    for name, data in files.items():
        records.add_attachment(client, filename=name, media_type="application/pdf", data=data)
    PortableService(records.session, clock=clock).export_json(tmp_path / "out")
    target = unlock_new_vault(tmp_path / "b", clock)
    try:
        PortableService(target, clock=clock).import_json(tmp_path / "out")
        copy = RecordsService(target, clock=clock)
        (imported,) = [c.id for c in copy.list_clients(include_all=True)]
        metas = copy.open_chart(imported, record_view=False).attachments
        assert {m.filename: copy.read_attachment(m.id) for m in metas} == files
    finally:
        target.lock("test finished")
