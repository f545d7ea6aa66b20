"""The raw-copy snapshot is consistent while the vault keeps committing and
checkpointing on other threads (docs/backup-format.md, "Taking the snapshot")."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from tests.unit.backup.conftest import Vault, fill
from therapynotes.backup import reader, snapshot
from therapynotes.security.secret import Secret
from therapynotes.store.connection import open_db, transaction


def _writer(db: Path, dek: Secret, stop: threading.Event) -> None:
    """Commits pairs of rows (so any consistent snapshot holds an even count) and
    checkpoints now and then, as the app's own connection would."""
    conn = open_db(db, Secret(dek.reveal()))
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS t_pairs (id INTEGER PRIMARY KEY, b BLOB)")
        n = 0
        while not stop.is_set():
            with transaction(conn):
                conn.execute("INSERT INTO t_pairs(b) VALUES (randomblob(3000))")
                conn.execute("INSERT INTO t_pairs(b) VALUES (randomblob(3000))")
                # Issue 17: the same transaction writes clinical.db too; the snapshot
                # locks both files, so it holds both halves of a commit or neither.
                conn.execute("INSERT INTO clinical.t_twin(b) VALUES (randomblob(3000))")
            n += 1
            if n % 7 == 0:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    finally:
        conn.close()


def test_snapshots_taken_during_writes_and_checkpoints_are_consistent(
    vault: Vault, tmp_path: Path
) -> None:
    session = vault.session
    session.conn.execute("CREATE TABLE IF NOT EXISTS t_pairs (id INTEGER PRIMARY KEY, b BLOB)")
    session.conn.execute("CREATE TABLE clinical.t_twin (id INTEGER PRIMARY KEY, b BLOB)")
    stop = threading.Event()
    thread = threading.Thread(target=_writer, args=(session.paths.db, session.data_keys(), stop))
    thread.start()
    counts = []
    try:
        for i in range(12):
            dest = tmp_path / f"snap-{i}.db"
            snapshot.take(
                session.paths.db,
                dest,
                session.data_keys(),
                progress=lambda *_: None,
                cancel=lambda: False,
            )
            assert not Path(f"{dest}-wal").exists()
            snapshot.page_check(dest, session.data_keys())
            snapshot.check(dest, session.data_keys())  # integrity_check too
            conn = snapshot.open_keyed(dest, session.data_keys())
            (count,) = conn.execute("SELECT count(*) FROM t_pairs").fetchone()
            (twins,) = conn.execute("SELECT count(*) FROM clinical.t_twin").fetchone()
            conn.close()
            assert count % 2 == 0
            assert twins * 2 == count
            counts.append(count)
    finally:
        stop.set()
        thread.join()
    assert counts == sorted(counts)
    assert counts[-1] > 0


def test_backup_holds_commits_still_in_the_wal(vault: Vault, drive: Path) -> None:
    conn = vault.session.conn
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    with transaction(conn):
        conn.execute("CREATE TABLE only_in_wal (x)")
        conn.execute("INSERT INTO only_in_wal VALUES (42)")
    assert Path(f"{vault.session.paths.db}-wal").stat().st_size > 0
    result = vault.service.run(drive)
    opened = reader.open_with_dek(result.path, vault.session.dek)
    try:
        manifest = reader.verify(opened, drive.parent)
    finally:
        opened.close()
    assert manifest.counts["only_in_wal"] == 1


def test_snapshot_without_a_kernel_copy_is_the_same(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where copy_file_range is refused (an old kernel, another file system), the copy
    goes on by read and write from the same offsets, and gives the same bytes."""
    fill(vault.session, 300_000)
    vault.session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    db, dek = vault.session.paths.db, vault.session.data_keys()
    snapshot.take(db, tmp_path / "kernel.db", dek, progress=_quiet, cancel=lambda: False)
    calls: list[int] = []

    def refused(*_args: object) -> int:
        calls.append(1)
        raise OSError(errno.EXDEV, "cross-device")

    monkeypatch.setattr(os, "copy_file_range", refused)
    snapshot.take(db, tmp_path / "plain.db", dek, progress=_quiet, cancel=lambda: False)
    assert calls  # refused (once per file), then copied by read and write
    for name in ("kernel.db", "plain.db"):  # issue 17: vault.db's copy and clinical.db's
        assert snapshot.clinical_path(tmp_path / name).stat().st_size > 0
    sizes = []
    for k_path, p_path in [
        (tmp_path / "kernel.db", tmp_path / "plain.db"),
        (
            snapshot.clinical_path(tmp_path / "kernel.db"),
            snapshot.clinical_path(tmp_path / "plain.db"),
        ),
    ]:
        kernel, plain = k_path.read_bytes(), p_path.read_bytes()
        # Page 1 differs: leaving WAL mode rewrites it, under a fresh random IV.
        assert len(plain) == len(kernel) and plain[4096:] == kernel[4096:]
        sizes.append(len(plain))
    assert sum(sizes) > 300_000
    snapshot.check(tmp_path / "plain.db", dek, snapshot.contents(tmp_path / "kernel.db", dek)[0])


def _quiet(_phase: str, _done: int, _total: int) -> None:
    return None


class _Watched:
    """The snapshot copy's connection, noting each schema's `synchronous` whenever a
    statement changes a journal mode."""

    def __init__(self, conn: object, seen: list[tuple[str, int, int]]) -> None:
        self._conn, self._seen = conn, seen

    def execute(self, sql: str, *args: object) -> object:
        if "journal_mode" in sql:
            main = self._conn.execute("PRAGMA main.synchronous").fetchone()[0]  # type: ignore[attr-defined]
            clinical = self._conn.execute("PRAGMA clinical.synchronous").fetchone()[0]  # type: ignore[attr-defined]
            self._seen.append((sql, int(main), int(clinical)))
        return self._conn.execute(sql, *args)  # type: ignore[attr-defined]

    def close(self) -> None:
        self._conn.close()  # type: ignore[attr-defined]


def test_the_scratch_copy_is_folded_without_syncing_either_file(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: an unqualified `PRAGMA journal_mode` switches every attached file, and
    clinical.db switched at synchronous = FULL had its checkpoint write the whole scratch
    copy to the disk (about one plain copy of time on the stress practice). Both files
    lose their syncs before any journal mode changes."""
    dest = tmp_path / "snap.db"
    real = snapshot.open_keyed
    seen: list[tuple[str, int, int]] = []

    def watched(path: Path, dek: Secret) -> object:
        conn = real(path, dek)
        return _Watched(conn, seen) if path == dest else conn

    monkeypatch.setattr(snapshot, "open_keyed", watched)
    snapshot.take(
        vault.session.paths.db,
        dest,
        vault.session.data_keys(),
        progress=lambda *_: None,
        cancel=lambda: False,
    )
    assert seen, "the copy's journal mode was never changed"
    assert all(main == 0 and clinical == 0 for _, main, clinical in seen), seen
    assert not Path(f"{snapshot.clinical_path(dest)}-wal").exists()
