"""The recovery rehearsal (issue 16): the right recovery key test-restores the newest
backup and records the pass; a wrong one fails cleanly, records the failure, and writes
nothing outside the vault folder (nor leaves anything in it). Real vault, real backup
file, real Argon2id (test parameters), and the CLI."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.conftest import STRONG, FakeClock
from tests.support.records import add_client
from tests.support.vaults import code_for, make_vault
from tests.unit.cli.test_vault_cli import run
from therapynotes.errors import WrongRecoveryKey
from therapynotes.services.backups import BackupService
from therapynotes.services.records import RecordsService
from therapynotes.services.rehearsal import NoBackupToRehearse, RehearsalService
from therapynotes.store import audit


def _tree(root: Path) -> dict[str, int]:
    return {
        str(Path(d, f).relative_to(root)): os.stat(Path(d, f)).st_mtime_ns
        for d, _dirs, files in os.walk(root)
        for f in files
    }


def test_rehearsal_passes_with_the_key_and_fails_cleanly_without(
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "vault"
    svc, created = make_vault(root, clock)
    other_key = make_vault(tmp_path / "elsewhere" / "vault", clock)[1].recovery_key
    session = svc.unlock(STRONG, code_for(created, clock()))
    add_client(RecordsService(session, clock=clock), "Rehearsal Client")
    drive = tmp_path / "drive"
    drive.mkdir()
    rehearsal = RehearsalService(session, clock=clock)
    with pytest.raises(NoBackupToRehearse):
        rehearsal.rehearse(created.recovery_key, drive)
    BackupService(session, clock=clock).run(drive)
    assert rehearsal.is_due() and rehearsal.last_passed() is None

    outside = {k: v for k, v in _tree(tmp_path).items() if not k.startswith("vault/")}
    in_vault = set(_tree(root))
    with pytest.raises(WrongRecoveryKey):
        rehearsal.rehearse(other_key, drive)  # a real key, of another vault
    assert {k: v for k, v in _tree(tmp_path).items() if not k.startswith("vault/")} == outside
    assert set(_tree(root)) == in_vault  # no scratch left behind
    assert rehearsal.last_passed() is None

    result = rehearsal.rehearse(created.recovery_key, drive)
    assert result.rows > 0 and result.backup.parent == drive
    assert set(_tree(root)) == in_vault  # the test copy was removed
    assert rehearsal.last_passed() is not None and not rehearsal.is_due()
    rows = [e.detail for e in audit.entries(session.conn) if e.detail.get("rehearsal")]
    assert [(d["ok"], d.get("failure")) for d in rows] == [
        (False, "NoBackupToRehearse"),
        (False, "WrongRecoveryKey"),
        (True, None),
    ]
    session.lock("test")


def test_rehearse_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "vault"
    svc, created = make_vault(root, time.time)  # the CLI runs on the real clock
    other_key = make_vault(tmp_path / "elsewhere" / "vault", time.time)[1].recovery_key
    session = svc.unlock(STRONG, code_for(created, time.time(), steps=-1))
    drive = tmp_path / "drive"
    drive.mkdir()
    BackupService(session).run(drive)
    session.lock("test")
    lines = f"{STRONG}\n{code_for(created, time.time())}\n{other_key}\n"
    code, out, err = run(
        monkeypatch, capsys, "--vault", str(root), "rehearse", "--from", str(drive),
        "--recovery-key-stdin", stdin=lines,
    )  # fmt: skip
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert "recovery key" in err
    lines = f"{STRONG}\n{code_for(created, time.time(), steps=1)}\n{created.recovery_key}\n"
    code, out, err = run(
        monkeypatch, capsys, "--vault", str(root), "rehearse", "--from", str(drive),
        "--recovery-key-stdin", stdin=lines,
    )  # fmt: skip
    assert code == 0 and out.startswith("rehearsal passed:"), err


def test_the_reminder_interval_is_a_setting(tmp_path: Path, clock: FakeClock) -> None:
    from therapynotes.services.rehearsal import RehearsalIntervalInvalid  # noqa: PLC0415

    svc, created = make_vault(tmp_path / "vault", clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    rehearsal = RehearsalService(session, clock=clock)
    assert rehearsal.every_months() == 6 and rehearsal.is_due()  # never rehearsed
    rehearsal.set_every_months(0)
    assert not rehearsal.is_due()  # the reminder is off
    rehearsal.set_every_months(12)
    with session.db_lock:
        session.conn.execute(
            "INSERT INTO settings(key, value) VALUES ('rehearsal.last_passed', '2026-01-01')"
        )
    clock.now = 1_800_000_000.0  # 15 Jan 2027: a year and two weeks later
    assert rehearsal.is_due()
    rehearsal.set_every_months(24)
    assert not rehearsal.is_due()
    with pytest.raises(RehearsalIntervalInvalid):
        rehearsal.set_every_months(25)
    assert rehearsal.every_months() == 24
    session.lock("test")
