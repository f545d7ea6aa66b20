"""The CLI's writes leave their checkpoint to the end (issue 18 moved checkpoints off
the commit path), and every command still exits with the WAL folded into the vault."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import STRONG
from therapynotes.cli import main
from therapynotes.services import session as session_module

DEFAULT_MARK = 1000 * 4096  # SQLite's default auto-checkpoint, in bytes of 4 KiB pages


def test_a_writing_command_folds_its_large_wal_at_exit(
    vault_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 17: vault.db and clinical.db each have a WAL (the demo's notes go to the second).
    wals = [Path(f"{vault_dir / name}-wal") for name in ("vault.db", "clinical.db")]
    at_close: list[int] = []
    real_close = session_module.close_db

    def close_db(conn: Any) -> None:
        at_close.append(sum(wal.stat().st_size for wal in wals if wal.exists()))
        real_close(conn)

    monkeypatch.setattr(session_module, "close_db", close_db)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{STRONG}\n"))
    argv = ["--vault", str(vault_dir), "demo", "--clients", "30", "--years", "2", "--seed", "3"]
    assert main([*argv, "--passphrase-stdin"]) == 0, capsys.readouterr().err
    # Up to the lock at the end, the demo's writes sat in the WAL, past SQLite's mark...
    assert at_close and max(at_close) > 2 * DEFAULT_MARK
    # ... and the command exits with them in vault.db and clinical.db.
    assert all(not wal.exists() or wal.stat().st_size == 0 for wal in wals)
    files = ("vault.db", "clinical.db")
    assert sum((vault_dir / name).stat().st_size for name in files) > 2 * DEFAULT_MARK
