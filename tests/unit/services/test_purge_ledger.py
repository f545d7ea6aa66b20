"""Backups that keep pace with a purge (issue 16): a purge marks exactly the backups
written before it (`backup list … contains-purged`), and `backup forget-purged` deletes
them without ever leaving the practice without a verified backup. Real vault, real
backup files, the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.records import add_client, log_session_now
from tests.unit.cli.test_vault_cli import run
from therapynotes.services import purge_ledger
from therapynotes.services.backups import BackupService, list_backups
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.services.session import VaultSession

YEAR = 365.25 * 24 * 3600


def _names(out: str, mark: str) -> list[str]:
    return [line.split()[-2] for line in out.splitlines() if line.endswith(mark)]


def test_purge_marks_exactly_the_older_backups_and_forget_keeps_one_verified(
    unlocked: VaultSession,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    records = RecordsService(unlocked, clock=clock)
    gone = add_client(records, "Gone Soon")
    log_session_now(records, clock, gone)
    drive = tmp_path / "drive"
    drive.mkdir()
    backups = BackupService(unlocked, clock=clock)
    older = backups.run(drive).path
    clock.advance(3600)
    newest_before = backups.run(drive).path
    vault = str(unlocked.paths.root)

    code, out, _ = run(monkeypatch, capsys, "--vault", vault, "backup", "list", str(drive))
    assert code == 0 and "contains-purged" not in out  # no purge yet

    clock.advance(8 * YEAR)
    RetentionService(unlocked, clock=clock).purge(gone)
    assert purge_ledger.last_purge(unlocked.paths.root) is not None
    assert "Gone" not in purge_ledger.ledger_path(unlocked.paths.root).read_text()

    code, out, _ = run(monkeypatch, capsys, "--vault", vault, "backup", "list", str(drive))
    assert _names(out, "contains-purged") == [older.name, newest_before.name]

    # no backup since the purge: the newest one stays, only the older may go
    code, out, _ = run(monkeypatch, capsys, "--vault", vault, "backup", "forget-purged", str(drive))
    assert code == 2 and f"would delete: {older.name}" in out and newest_before.name not in out
    assert older.exists()  # without --confirm nothing is deleted
    code, out, _ = run(
        monkeypatch, capsys, "--vault", vault, "backup", "forget-purged", str(drive), "--confirm"
    )
    assert code == 0 and not older.exists() and newest_before.exists()

    clock.advance(60)
    after = backups.run(drive).path
    code, out, _ = run(monkeypatch, capsys, "--vault", vault, "backup", "list", str(drive))
    assert _names(out, "contains-purged") == [newest_before.name]
    assert after.name in out and f"{after.name}  contains-purged" not in out
    code, out, _ = run(
        monkeypatch, capsys, "--vault", vault, "backup", "forget-purged", str(drive), "--confirm"
    )
    assert code == 0 and f"deleted: {newest_before.name}" in out
    assert [b.path for b in list_backups(drive)] == [after]


def test_forget_plan_never_empties_the_folder(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta  # noqa: PLC0415

    from therapynotes.services.backups import Listing  # noqa: PLC0415

    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        Listing(tmp_path / f"b{i}", start + timedelta(days=i), i, 1, "v", True) for i in range(3)
    ]
    purge = start + timedelta(days=10)
    assert purge_ledger.forget_plan(rows, purge, "v") == rows[:2]
    assert purge_ledger.forget_plan(rows, purge, "other") == []
    assert purge_ledger.forget_plan(rows, None, "v") == []
    damaged = [*rows[:2], Listing(tmp_path / "x", purge + timedelta(days=1), 9, 1, "v", False)]
    assert purge_ledger.forget_plan(damaged, purge, "v") == rows[:1]  # damaged is no backup


def test_gone_by_follows_the_rotation(tmp_path: Path) -> None:
    from datetime import UTC, date, datetime, timedelta  # noqa: PLC0415

    from therapynotes.backup.retention import RetentionPolicy  # noqa: PLC0415
    from therapynotes.services.backups import Listing  # noqa: PLC0415

    made = datetime(2026, 1, 5, 9, tzinfo=UTC)  # a Monday
    rows = [Listing(tmp_path / "b0", made, 0, 1, "v", True)]
    purge = made + timedelta(hours=2)
    today = date(2026, 1, 5)
    # default rotation: 3 last, 7 daily, 4 weekly, 12 monthly; with a backup every day
    # at noon, the 9:00 one is no longer its day's, week's or month's newest from the
    # first noon backup on, so only "keep the last 3" holds it: until the third (7 Jan)
    assert purge_ledger.gone_by(rows, purge, "v", today=today) == date(2026, 1, 7)
    keep_all = RetentionPolicy(keep_last=1000)
    assert purge_ledger.gone_by(rows, purge, "v", today=today, policy=keep_all) is None
    assert purge_ledger.gone_by(rows, None, "v", today=today) is None
