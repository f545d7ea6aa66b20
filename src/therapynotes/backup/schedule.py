"""When to back up and when to warn: pure policy, no I/O, no timers (the timer is ui's).

The state it reads is kept inside the vault (settings key `backup.state`, JSON) and holds
no names: times, a sequence number, an error kind, and the audit position of the last
change that a good backup covers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

SETTINGS_KEY = "backup.state"
HOUR = 3600.0
DAY = 86400.0


class Trigger(StrEnum):
    LOCK = "lock"
    QUIT = "quit"
    TIMER = "timer"
    MANUAL = "manual"


class BackupWarning(StrEnum):
    NEVER_BACKED_UP = "never-backed-up"
    TOO_OLD = "last-good-backup-too-old"
    DRIVE_MISSING = "drive-missing"
    LAST_RUN_FAILED = "last-run-failed"


@dataclass(frozen=True)
class SchedulePolicy:
    every_hours: float = 4.0
    warn_after_days: float = 7.0


@dataclass(frozen=True)
class BackupState:
    last_good_at: float | None = None
    last_good_change: int = -1  # audit seq of the newest change the last good backup holds
    last_run_at: float | None = None
    last_run_ok: bool | None = None
    last_error: str = ""  # an error class name, never a message with content
    next_seq: int = 1

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> BackupState:
        """Tolerant: damaged state means "never backed up", which errs toward backing up."""
        try:
            raw: Any = json.loads(text) if text else {}
        except ValueError:
            raw = {}
        if not isinstance(raw, dict):
            raw = {}
        state = cls()
        for name, kinds in (
            ("last_good_at", (int, float, type(None))),
            ("last_good_change", (int,)),
            ("last_run_at", (int, float, type(None))),
            ("last_run_ok", (bool, type(None))),
            ("last_error", (str,)),
            ("next_seq", (int,)),
        ):
            if name in raw and type(raw[name]) in kinds:
                state = replace(state, **{name: raw[name]})
        return state

    def succeeded(self, *, at: float, change: int, seq: int) -> BackupState:
        return replace(
            self,
            last_good_at=at,
            last_good_change=change,
            last_run_at=at,
            last_run_ok=True,
            last_error="",
            next_seq=max(self.next_seq, seq + 1),
        )

    def failed(self, *, at: float, error: str) -> BackupState:
        return replace(self, last_run_at=at, last_run_ok=False, last_error=error)


def should_run(
    state: BackupState,
    *,
    trigger: Trigger,
    now: float,
    latest_change: int,
    drive_present: bool,
    policy: SchedulePolicy,
) -> bool:
    """Whether to start a backup now. A missing drive skips quietly (warnings say so)."""
    if not drive_present:
        return False
    if trigger is Trigger.MANUAL:
        return True
    changed = latest_change > state.last_good_change or state.last_good_at is None
    if trigger in (Trigger.LOCK, Trigger.QUIT):
        return changed
    last = state.last_good_at
    return changed and (last is None or now - last >= policy.every_hours * HOUR)


def warnings(
    state: BackupState, *, now: float, drive_present: bool, policy: SchedulePolicy
) -> list[BackupWarning]:
    """What the status bar and the unlock screen should warn about, most urgent first."""
    found: list[BackupWarning] = []
    if state.last_run_ok is False:
        found.append(BackupWarning.LAST_RUN_FAILED)
    if not drive_present:
        found.append(BackupWarning.DRIVE_MISSING)
    if state.last_good_at is None:
        found.append(BackupWarning.NEVER_BACKED_UP)
    elif now - state.last_good_at > policy.warn_after_days * DAY:
        found.append(BackupWarning.TOO_OLD)
    return found
