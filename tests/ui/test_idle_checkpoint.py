"""The WAL is folded into the vault when the app is idle, on the database worker, once
per quiet spell (issue 18); input re-arms it and a lock stops it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import Harness
from therapynotes.store.connection import transaction


def _wal_frames(harness: Harness) -> tuple[int, int]:
    session = harness.window.session
    assert session is not None
    with session.db_lock:
        _busy, log, done = session.conn.execute("PRAGMA wal_checkpoint(NOOP)").fetchone()
    return int(log), int(done)


def test_idle_checkpoint_folds_the_wal_then_waits_for_input(unlocked: Harness) -> None:
    window, qtbot = unlocked.window, unlocked.qtbot
    session = window.session
    assert session is not None
    unlocked.records_settled()
    checkpointer = window.checkpointer
    checkpointer.set_idle_ms(300)
    QTest.keyClick(window, Qt.Key.Key_Shift)  # input: (re)armed with the short wait
    assert checkpointer.armed
    with session.db_lock, transaction(session.conn):
        session.conn.execute("CREATE TABLE t_scratch (body BLOB)")
        session.conn.execute("INSERT INTO t_scratch VALUES (randomblob(2000000))")
    log, done = _wal_frames(unlocked)
    assert log > 400 and done < log  # written, not yet folded (no commit-path checkpoint)
    qtbot.waitUntil(lambda: checkpointer.frames_folded > 0, timeout=20000)
    log, done = _wal_frames(unlocked)
    assert log == done  # everything folded
    assert not checkpointer.armed  # once per quiet spell
    QTest.keyClick(window, Qt.Key.Key_Shift)
    assert checkpointer.armed


def test_lock_disarms_and_empties_the_wal(unlocked: Harness) -> None:
    window = unlocked.window
    session = window.session
    assert session is not None
    wal = Path(f"{session.paths.db}-wal")
    with session.db_lock, transaction(session.conn):
        session.conn.execute("CREATE TABLE t_scratch (body BLOB)")
        session.conn.execute("INSERT INTO t_scratch VALUES (randomblob(500000))")
    window.lock("manual")
    assert not window.checkpointer.armed
    unlocked.qtbot.waitUntil(lambda: not session.is_open, timeout=20000)
    assert not wal.exists() or wal.stat().st_size == 0
