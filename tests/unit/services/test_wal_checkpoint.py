"""Checkpoints off the commit path (issue 18): autosaves no longer pay for a WAL
checkpoint now and then; the app folds the WAL when idle, at lock and at close; and a
save that returned is still there after the process is killed with a large WAL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import STRONG, FakeClock
from tests.support.backup_child import open_session
from tests.support.records import add_client, log_session_now
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.store.connection import AUTOCHECKPOINT_PAGES, JOURNAL_LIMIT_BYTES, open_db

REPO = Path(__file__).resolve().parents[3]
DEFAULT_MARK = 1000 * 4096  # SQLite's default wal_autocheckpoint, in bytes of 4 KiB pages


def _wal(session: VaultSession) -> Path:
    """The WAL the drafts grow: clinical.db's since issue 17."""
    return Path(f"{session.paths.clinical}-wal")


def _grow_wal(records: RecordsService, note: int, past: int) -> int:
    saves = 0
    while _wal(records.session).stat().st_size <= past:
        saves += 1
        text = " ".join(f"word{saves}x{i}" for i in range(3000))
        records.save_draft(note, {"subjective": text})  # type: ignore[arg-type]
    return saves


def test_saves_do_not_checkpoint_the_idle_checkpoint_does(
    records: RecordsService, clock: FakeClock
) -> None:
    conn = records.session.conn
    assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL stays
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (AUTOCHECKPOINT_PAGES,)
    client = add_client(records)
    note = records.start_note(client, "soap", session_id=log_session_now(records, clock, client))
    records.session.checkpoint()
    _grow_wal(records, note, 2 * DEFAULT_MARK)
    # Nothing folded on the commit path: every frame written so far is still waiting.
    busy, log, done = conn.execute("PRAGMA clinical.wal_checkpoint(NOOP)").fetchone()
    assert busy == 0 and log > 1000 and done < log / 2  # past the default mark, unfolded
    folded = records.session.checkpoint()
    assert folded >= log  # clinical.db's frames, and vault.db's few (audit rows)
    assert conn.execute("PRAGMA clinical.wal_checkpoint(NOOP)").fetchone()[1:] == (log, log)
    records.save_draft(note, {"subjective": "after the idle checkpoint"})
    # The WAL started over and was cut back to the limit (from twice the default mark).
    assert _wal(records.session).stat().st_size <= JOURNAL_LIMIT_BYTES
    assert conn.execute("PRAGMA clinical.wal_checkpoint(NOOP)").fetchone()[1] < 100
    assert records.get_note(note).sections["subjective"] == "after the idle checkpoint"


def test_idle_checkpoint_never_waits_for_another_connection(
    records: RecordsService, clock: FakeClock
) -> None:
    """A backup's snapshot holds the write lock and a read snapshot for a moment: the
    idle checkpoint does what it can and returns at once, never waiting out the busy
    timeout (5 s) as a FULL, RESTART or TRUNCATE checkpoint would."""
    client = add_client(records)
    note = records.start_note(client, "soap", session_id=log_session_now(records, clock, client))
    records.session.checkpoint()
    other = open_db(records.session.paths.db, records.session.data_keys())
    try:
        other.execute("BEGIN IMMEDIATE")  # as backup/snapshot.py does while copying
        other.execute("SELECT count(*) FROM notes").fetchone()
        started = time.perf_counter()
        records.session.checkpoint()
        assert time.perf_counter() - started < 1.0
        other.execute("ROLLBACK")
    finally:
        other.close()
    _grow_wal(records, note, DEFAULT_MARK)
    assert records.session.checkpoint() > 0


def test_lock_checkpoints_and_empties_the_wal(records: RecordsService, clock: FakeClock) -> None:
    session = records.session
    client = add_client(records)
    note = records.start_note(client, "soap", session_id=log_session_now(records, clock, client))
    _grow_wal(records, note, DEFAULT_MARK)
    session.lock("test")
    assert not _wal(session).exists() or _wal(session).stat().st_size == 0
    assert session.checkpoint() == 0  # locked: nothing to do, no error


def test_a_returned_save_survives_sigkill_with_a_large_wal(
    tmp_path: Path, clock: FakeClock
) -> None:
    root = tmp_path / "vault"
    VaultService(root, clock=clock).create(STRONG, passphrase_only=True)
    session = open_session(root, STRONG)
    records = RecordsService(session, clock=clock)
    client = add_client(records)
    note = records.start_note(client, "soap", session_id=log_session_now(records, clock, client))
    session.lock("setup", record=False)

    marker = "the last words typed before the power went"
    env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{REPO / 'src'}")
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.draft_child", str(root), STRONG, str(note), marker],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    try:
        wal_size, sync, auto, word = child.stdout.readline().split()
    finally:
        child.send_signal(signal.SIGKILL)  # right after the save returned
        child.wait()
        child.stdout.close()
    assert word == b"saved" and int(sync) == 2 and int(auto) == AUTOCHECKPOINT_PAGES
    assert int(wal_size) > 3 * DEFAULT_MARK  # the save sat in a large, unfolded WAL
    assert Path(f"{root / 'clinical.db'}-wal").stat().st_size >= int(wal_size)

    reopened = open_session(root, STRONG)
    try:
        note_now = RecordsService(reopened, clock=clock).get_note(note)
        assert note_now.sections["subjective"] == marker
        assert note_now.sections["plan"] == "last"
        assert reopened.conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
    finally:
        reopened.lock("check", record=False)
