"""Backup use cases on an unlocked vault: run (write, verify, retention, state), list,
verify. Restore lives in services/restore.py.

Must not import PySide6.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from therapynotes import __version__
from therapynotes.backup import page_tags, reader, retention, schedule, writer
from therapynotes.backup.errors import BackupCancelled, BackupError
from therapynotes.backup.format import Header
from therapynotes.backup.manifest import Manifest
from therapynotes.backup.retention import RetentionPolicy
from therapynotes.backup.schedule import BackupState, BackupWarning, SchedulePolicy, Trigger
from therapynotes.backup.snapshot import Cancel, Progress
from therapynotes.errors import TherapyNotesError
from therapynotes.security import keyslots
from therapynotes.security.recovery import parse_recovery_key
from therapynotes.services.policy import UseCase, guarded, session_guarded
from therapynotes.services.session import VaultSession
from therapynotes.store import audit
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import transaction

RETENTION_KEY = "backup.retention"

# Audit kinds that do not change records: a backup is not "due" because of them.
_NOT_CHANGES = (
    AuditKind.UNLOCK_OK,
    AuditKind.UNLOCK_FAILED,
    AuditKind.LOCK,
    AuditKind.CHART_VIEWED,
    AuditKind.BACKUP_CREATED,
    AuditKind.BACKUP_VERIFIED,
    AuditKind.BACKUP_FAILED,
    AuditKind.EXPORTED,
    AuditKind.PRINTED,
)


def _no_progress(_phase: str, _done: int, _total: int) -> None:
    return None


def _never() -> bool:
    return False


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    counts: dict[str, int]
    deleted: list[Path] = field(default_factory=list)
    page_check: page_tags.CheckReport | None = None


@dataclass(frozen=True)
class Listing:
    path: Path
    created_at: datetime
    seq: int
    size: int
    vault_id: str
    header_ok: bool  # False: the name is ours but the header is damaged or foreign


@dataclass(frozen=True)
class PendingRun:
    """One backup run between `BackupService.begin` and `finish`."""

    source: writer.Source
    target_dir: Path
    state: BackupState
    change: int
    now: float
    seq: int

    def write(
        self,
        *,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
        full_page_check: bool = False,
    ) -> writer.Written:
        """The slow part; safe on a worker thread (it never uses the vault's connection).
        The page check is incremental when backup/page_tags.py's schedule allows."""
        return writer.write(
            self.source,
            self.target_dir,
            seq=self.seq,
            created_at=int(self.now),
            progress=progress or _no_progress,
            cancel=cancel or _never,
            full_page_check=full_page_check,
        )


F = TypeVar("F", bound=Callable[..., Any])


def _holding_db_lock(method: F) -> F:
    """Run a method with the session's connection lock held: the app's background worker
    may be using the same connection (services/session.py)."""

    @functools.wraps(method)
    def locked(self: BackupService, *args: Any, **kwargs: Any) -> Any:
        with self.session.db_lock:
            return method(self, *args, **kwargs)

    return cast(F, locked)


class BackupService:
    def __init__(
        self,
        session: VaultSession,
        *,
        clock: Callable[[], float] = time.time,
        retention_policy: RetentionPolicy | None = None,
        schedule_policy: SchedulePolicy | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        with session.db_lock:
            self.retention_policy = retention_policy or self._stored_retention()
        self._schedule_policy = schedule_policy

    @property
    def schedule_policy(self) -> SchedulePolicy:
        """The given policy, else the one in the vault's settings (read each time, so a
        change in Settings applies at once)."""
        return self._schedule_policy or stored_schedule(self.session)

    def _stored_retention(self) -> RetentionPolicy:
        """The policy in the vault's settings (key `backup.retention`, JSON such as
        {"keep_last": 3, "keep_daily": 7, ...}); defaults for anything missing or odd."""
        row = self.session.conn.execute(
            "SELECT value FROM settings WHERE key = ?", (RETENTION_KEY,)
        ).fetchone()
        try:
            raw = json.loads(row[0]) if row else {}
        except ValueError:
            raw = {}
        base = RetentionPolicy()
        if not isinstance(raw, dict):
            return base
        values = {
            name: raw[name]
            for name in ("keep_last", "keep_daily", "keep_weekly", "keep_monthly")
            if type(raw.get(name)) is int and 0 <= raw[name] <= 10_000
        }
        return dataclasses.replace(base, **values)

    # --- state kept inside the vault -----------------------------------------------

    @_holding_db_lock
    def state(self) -> BackupState:
        row = self.session.conn.execute(
            "SELECT value FROM settings WHERE key = ?", (schedule.SETTINGS_KEY,)
        ).fetchone()
        return BackupState.from_json(row[0] if row else None)

    def _save_state(self, state: BackupState, kind: AuditKind, detail: dict[str, object]) -> None:
        conn = self.session.conn
        with transaction(conn):
            conn.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (schedule.SETTINGS_KEY, state.to_json()),
            )
            audit.append(conn, kind, detail=detail)

    @_holding_db_lock
    def latest_change(self) -> int:
        marks = ",".join("?" for _ in _NOT_CHANGES)
        row = self.session.conn.execute(
            f"SELECT max(seq) FROM audit_log WHERE kind NOT IN ({marks})",  # noqa: S608
            tuple(str(k) for k in _NOT_CHANGES),
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    @_holding_db_lock
    def should_run(self, trigger: Trigger, target_dir: Path) -> bool:
        return schedule.should_run(
            self.state(),
            trigger=trigger,
            now=self.clock(),
            latest_change=self.latest_change(),
            drive_present=target_dir.is_dir(),
            policy=self.schedule_policy,
        )

    @_holding_db_lock
    def warnings(self, target_dir: Path) -> list[BackupWarning]:
        return schedule.warnings(
            self.state(),
            now=self.clock(),
            drive_present=target_dir.is_dir(),
            policy=self.schedule_policy,
        )

    # --- running ------------------------------------------------------------------

    def _source(self) -> writer.Source:
        s = self.session
        return writer.Source(
            vault_db=s.paths.db,
            dek=s.dek,
            kek_backup=s.kek_backup,
            kdf=s.kdf_params,
            vault_id=s.vault_id,
            vault_recovery=s.doc.recovery,
            vault_root=s.paths.root,
            app_version=__version__,
            data_keys=keyslots.data_keys(s.doc, s.dek),  # both databases (issue 17)
        )

    @_holding_db_lock
    @guarded(UseCase.BACKUP)
    def begin(self, target_dir: Path) -> PendingRun:
        """Everything a run needs from the vault's own connection, read now, so that
        `PendingRun.write` can run on another thread (it opens connections of its own)."""
        state = self.state()
        return PendingRun(
            source=self._source(),
            target_dir=target_dir,
            state=state,
            change=self.latest_change(),
            now=self.clock(),
            seq=max(state.next_seq, _highest_seq(target_dir) + 1),
        )

    @_holding_db_lock
    @guarded(UseCase.BACKUP)
    def finish(
        self, pending: PendingRun, written: writer.Written | BaseException
    ) -> BackupResult | None:
        """Record the outcome on the vault's connection; then retention after a success.
        A cancelled run changes nothing; a failed one is recorded and re-raised."""
        if isinstance(written, BackupCancelled):
            return None
        if isinstance(written, BaseException):
            if isinstance(written, BackupError):
                self._save_state(
                    pending.state.failed(at=pending.now, error=type(written).__name__),
                    AuditKind.BACKUP_FAILED,
                    {"error": type(written).__name__},
                )
            raise written
        self._save_state(
            pending.state.succeeded(at=pending.now, change=pending.change, seq=pending.seq),
            AuditKind.BACKUP_CREATED,
            {"seq": pending.seq, "bytes": written.size, "verified": True},
        )
        plan = retention.plan(
            pending.target_dir, self.session.vault_id, written.path, self.retention_policy
        )
        deleted = retention.apply(plan)
        return BackupResult(
            written.path, written.size, written.manifest.counts, deleted, written.page_check
        )

    @guarded(UseCase.BACKUP)
    def run(
        self,
        target_dir: Path,
        *,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
        full_page_check: bool = False,
    ) -> BackupResult:
        """Write + verify one backup, record it, then apply retention. Raises BackupError
        (recorded as a failed run) with earlier backups untouched."""
        pending = self.begin(target_dir)
        try:
            written: writer.Written | BaseException = pending.write(
                progress=progress, cancel=cancel, full_page_check=full_page_check
            )
        except BackupError as exc:
            written = exc
        result = self.finish(pending, written)
        if result is None:
            raise BackupCancelled
        return result

    @guarded(UseCase.BACKUP)
    def verify(self, path: Path, *, progress: Progress | None = None) -> VerifyReport:
        """Fully verify one of this vault's backups with the unlocked vault's data key
        (no passphrase needed) and record the result in the audit log."""
        try:
            opened = reader.open_with_dek(path, self.session.dek)
            try:
                manifest = reader.verify(
                    opened, self.session.paths.root, progress=progress or _no_progress
                )
            finally:
                opened.close()
        except BackupError as exc:
            self.session.record(AuditKind.BACKUP_FAILED, error=type(exc).__name__, verify=True)
            raise
        self.session.record(AuditKind.BACKUP_VERIFIED, seq=opened.header.seq)
        return VerifyReport(opened.header, manifest)


def _highest_seq(folder: Path) -> int:
    """The highest sequence number named in `folder`, so a run killed after its rename
    but before its state was saved never makes the next run reuse that name."""
    try:
        names = [writer.parse_name(p.name) for p in folder.iterdir()]
    except OSError:
        return 0
    return max((parsed[1] for parsed in names if parsed), default=0)


def list_backups(folder: Path) -> list[Listing]:
    """Files with our name pattern in `folder`, oldest first (no unlock needed).

    Hidden `.partial` temp files never match the pattern, so an interrupted run is never
    listed as a backup."""
    found = []
    for path in sorted(folder.iterdir()):
        parsed = writer.parse_name(path.name)
        if parsed is None or not path.is_file():
            continue
        try:
            header: Header | None = reader.read_header(path)
        except BackupError:
            header = None
        found.append(
            Listing(
                path=path,
                created_at=parsed[0],
                seq=parsed[1],
                size=path.stat().st_size,
                vault_id=header.vault_id if header else "",
                header_ok=header is not None,
            )
        )
    return sorted(found, key=lambda item: (item.created_at, item.seq))


@dataclass(frozen=True)
class VerifyReport:
    header: Header
    manifest: Manifest

    @property
    def created_at(self) -> datetime:
        return datetime.fromtimestamp(self.header.created_at, UTC)


def verify_backup(
    path: Path,
    scratch_parent: Path,
    *,
    passphrase: str | None = None,
    recovery_text: str | None = None,
) -> VerifyReport:
    """Full verification of one file with the passphrase or the recovery key."""
    rk = parse_recovery_key(recovery_text) if recovery_text is not None else None
    try:
        header, manifest = reader.verify_file(
            path, scratch_parent, passphrase=passphrase, recovery_key=rk
        )
    finally:
        if rk is not None:
            rk.wipe()
    return VerifyReport(header, manifest)


SCHEDULE_KEY = "backup.schedule"
MAX_EVERY_HOURS = 7 * 24
MAX_WARN_DAYS = 365


def stored_schedule(session: VaultSession) -> SchedulePolicy:
    """`backup.schedule` in the vault's settings (JSON {"every_hours": 4,
    "warn_after_days": 7}); defaults for anything missing or out of range."""
    with session.db_lock:
        row = session.conn.execute(
            "SELECT value FROM settings WHERE key = ?", (SCHEDULE_KEY,)
        ).fetchone()
    try:
        raw = json.loads(row[0]) if row else {}
    except ValueError:
        raw = {}
    base = SchedulePolicy()
    if not isinstance(raw, dict):
        return base
    every, warn = raw.get("every_hours"), raw.get("warn_after_days")
    return SchedulePolicy(
        every_hours=float(every)
        if type(every) is int and 1 <= every <= MAX_EVERY_HOURS
        else base.every_hours,
        warn_after_days=float(warn)
        if type(warn) is int and 1 <= warn <= MAX_WARN_DAYS
        else base.warn_after_days,
    )


class InvalidSchedule(TherapyNotesError):
    """Back up every 1 to 168 hours, and warn after 1 to 365 days without a good backup."""


@session_guarded(UseCase.SETTINGS)
def save_schedule(session: VaultSession, *, every_hours: int, warn_after_days: int) -> bool:
    """Store the schedule; an audit row names the setting (not the values). True if changed."""
    if not (1 <= every_hours <= MAX_EVERY_HOURS and 1 <= warn_after_days <= MAX_WARN_DAYS):
        raise InvalidSchedule
    old = stored_schedule(session)
    if (old.every_hours, old.warn_after_days) == (every_hours, warn_after_days):
        return False
    value = json.dumps({"every_hours": every_hours, "warn_after_days": warn_after_days})
    with session.db_lock, transaction(session.conn):
        session.conn.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (SCHEDULE_KEY, value),
        )
        audit.append(
            session.conn,
            AuditKind.SETTINGS_CHANGED,
            subject="settings",
            detail={"area": "backup", "fields": ["schedule"]},
        )
    return True
