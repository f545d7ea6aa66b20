"""Retention (restic forget style) and the pure schedule/warning policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.unit.backup.conftest import Vault, make_vault
from therapynotes.backup import retention, writer
from therapynotes.backup.retention import Candidate, RetentionPolicy, select_keep
from therapynotes.backup.schedule import (
    DAY,
    HOUR,
    BackupState,
    BackupWarning,
    SchedulePolicy,
    Trigger,
    should_run,
    warnings,
)
from therapynotes.services.backups import BackupService
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import transaction


def _cands(days: int, per_day: int = 1) -> list[Candidate]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for d in range(days):
        for k in range(per_day):
            when = start + timedelta(days=d, hours=k)
            out.append(Candidate(Path(f"{d}-{k}"), when, d * per_day + k + 1))
    return out


def test_select_keep_defaults_over_a_year_and_a_half() -> None:
    cands = _cands(540, per_day=3)
    keep = select_keep(cands, RetentionPolicy())
    newest = max(cands, key=lambda c: c.seq)
    assert newest.path in keep
    # 3 last (same day) + 7 daily + 4 weekly + 12 monthly, with overlaps
    assert 12 <= len(keep) <= 3 + 7 + 4 + 12
    months = {c.when.strftime("%Y-%m") for c in cands if c.path in keep}
    assert len(months) == 12


def test_select_keep_zero_policy_keeps_nothing_but_plan_keeps_newest() -> None:
    assert select_keep(_cands(5), RetentionPolicy(0, 0, 0, 0)) == set()


def _write(
    vault: Vault, drive: Path, when: datetime, policy: RetentionPolicy | None = None
) -> Path:
    vault.clock.now = when.timestamp()
    with transaction(vault.session.conn):
        vault.session.conn.execute("INSERT INTO settings(key, value) VALUES (?, 'x')", (str(when),))
    svc = BackupService(vault.session, clock=vault.clock, retention_policy=policy)
    return svc.run(drive).path


def test_run_applies_retention_only_to_our_files(vault: Vault, drive: Path, tmp_path: Path) -> None:
    policy = RetentionPolicy(keep_last=2, keep_daily=0, keep_weekly=0, keep_monthly=0)
    foreign = drive / "therapynotes-20200101T000000Z-000001.tnbackup"
    foreign.write_bytes(b"not ours at all")
    notes = drive / "my-notes.txt"
    notes.write_text("keep me")
    other = make_vault(tmp_path / "other", vault.clock)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    other_file = _write(other, drive, start - timedelta(days=30))
    paths = [_write(vault, drive, start + timedelta(days=i), policy) for i in range(5)]
    other.session.lock("t", record=False)
    names = sorted(p.name for p in drive.iterdir())
    assert names == sorted(
        [foreign.name, notes.name, other_file.name, *(p.name for p in paths[-2:])]
    )


def test_plan_never_deletes_newest_or_newer(vault: Vault, drive: Path) -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    none = RetentionPolicy(0, 0, 0, 0)
    paths = [_write(vault, drive, start + timedelta(days=i), none) for i in range(3)]
    assert [p.exists() for p in paths] == [False, False, True]
    assert retention.plan(drive, vault.session.vault_id, paths[0], none) == []
    later = _write(vault, drive, start + timedelta(days=10))
    assert retention.plan(drive, vault.session.vault_id, paths[2], none) == []
    assert later.exists()


def test_names_roundtrip() -> None:
    name = writer.file_name(1_800_000_000, 42)
    assert writer.parse_name(name) is not None
    assert writer.parse_name("." + name + ".abcd.partial") is None
    assert writer.parse_name(name + ".partial") is None


POLICY = SchedulePolicy(every_hours=4, warn_after_days=7)
NOW = 1_900_000_000.0


@pytest.mark.parametrize(
    ("state", "trigger", "change", "drive", "expected"),
    [
        (BackupState(), Trigger.LOCK, 0, True, True),
        (BackupState(last_good_at=NOW - 60, last_good_change=5), Trigger.LOCK, 5, True, False),
        (BackupState(last_good_at=NOW - 60, last_good_change=5), Trigger.QUIT, 6, True, True),
        (BackupState(last_good_at=NOW - 60, last_good_change=5), Trigger.QUIT, 6, False, False),
        (BackupState(last_good_at=NOW - HOUR, last_good_change=5), Trigger.TIMER, 9, True, False),
        (BackupState(last_good_at=NOW - 5 * HOUR, last_good_change=5), Trigger.TIMER, 9, True,
         True),
        (BackupState(last_good_at=NOW - 5 * HOUR, last_good_change=9), Trigger.TIMER, 9, True,
         False),
        (BackupState(last_good_at=NOW, last_good_change=9), Trigger.MANUAL, 9, True, True),
    ],
)  # fmt: skip
def test_should_run(
    state: BackupState, trigger: Trigger, change: int, drive: bool, expected: bool
) -> None:
    got = should_run(
        state, trigger=trigger, now=NOW, latest_change=change, drive_present=drive, policy=POLICY
    )
    assert got is expected


def test_warnings() -> None:
    fresh = BackupState(last_good_at=NOW - DAY, last_run_ok=True)
    assert warnings(fresh, now=NOW, drive_present=True, policy=POLICY) == []
    old = BackupState(last_good_at=NOW - 8 * DAY, last_run_ok=True)
    assert warnings(old, now=NOW, drive_present=True, policy=POLICY) == [BackupWarning.TOO_OLD]
    failed = fresh.failed(at=NOW, error="BackupDiskFull")
    assert warnings(failed, now=NOW, drive_present=False, policy=POLICY) == [
        BackupWarning.LAST_RUN_FAILED,
        BackupWarning.DRIVE_MISSING,
    ]
    assert BackupWarning.NEVER_BACKED_UP in warnings(
        BackupState(), now=NOW, drive_present=True, policy=POLICY
    )


def test_state_json_is_tolerant_and_nameless() -> None:
    state = BackupState().succeeded(at=NOW, change=3, seq=4)
    assert BackupState.from_json(state.to_json()) == state
    assert state.next_seq == 5
    for junk in (None, "", "[]", "{", '{"next_seq": "x", "last_good_at": []}'):
        assert BackupState.from_json(junk) == BackupState()


def test_service_state_and_due(vault: Vault, drive: Path) -> None:
    svc = vault.service
    assert svc.should_run(Trigger.LOCK, drive)
    svc.run(drive)
    assert not svc.should_run(Trigger.LOCK, drive)  # unlock/lock/backup rows are not changes
    vault.session.record(AuditKind.RECORD_EDITED, subject="client:1")
    assert svc.should_run(Trigger.LOCK, drive)
    assert svc.warnings(drive) == []
    assert BackupWarning.DRIVE_MISSING in svc.warnings(drive / "gone")


def test_retention_policy_from_vault_settings(vault: Vault) -> None:
    conn = vault.session.conn
    assert vault.service.retention_policy == RetentionPolicy()
    conn.execute(
        "INSERT INTO settings(key, value) VALUES ('backup.retention', ?)",
        ('{"keep_last": 5, "keep_daily": -1, "keep_weekly": "x"}',),
    )
    assert vault.service.retention_policy == RetentionPolicy(keep_last=5)
    conn.execute("UPDATE settings SET value = '[' WHERE key = 'backup.retention'")
    assert vault.service.retention_policy == RetentionPolicy()


def test_stored_schedule_defaults_saves_and_refuses_out_of_range(tmp_path, clock) -> None:
    from tests.support.vaults import STRONG, code_for, make_vault
    from therapynotes.services.backups import InvalidSchedule, save_schedule, stored_schedule
    from therapynotes.store import audit

    svc, created = make_vault(tmp_path / "v", clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    try:
        assert stored_schedule(session) == SchedulePolicy()
        assert save_schedule(session, every_hours=8, warn_after_days=2)
        assert not save_schedule(session, every_hours=8, warn_after_days=2)
        assert stored_schedule(session) == SchedulePolicy(every_hours=8.0, warn_after_days=2.0)
        with pytest.raises(InvalidSchedule):
            save_schedule(session, every_hours=0, warn_after_days=2)
        session.conn.execute(
            "UPDATE settings SET value = ? WHERE key = 'backup.schedule'",
            ('{"every_hours": 99999}',),
        )
        assert stored_schedule(session) == SchedulePolicy()
        rows = [e for e in audit.entries(session.conn) if e.kind == "settings.changed"]
        assert [r.detail for r in rows] == [{"area": "backup", "fields": ["schedule"]}]
    finally:
        session.lock()
