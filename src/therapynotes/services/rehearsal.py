"""The recovery rehearsal (issue 16): proof, twice a year, that the practice could come
back from a lost computer. The therapist types the recovery key; it is checked against
this vault's recovery slot (never stored), then the newest backup of this vault is
opened with it and test-restored into a scratch folder inside the vault's own folder,
verified and removed (backup/reader.py `verify_file`: nothing is written anywhere
else). The result goes into the audit trail and, when it passed, its date into the
vault's settings for Home. Must not import PySide6.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from therapynotes.errors import InputError, TherapyNotesError
from therapynotes.security import kdf, keyslots
from therapynotes.security.recovery import parse_recovery_key
from therapynotes.services.backups import list_backups, verify_backup
from therapynotes.services.policy import UseCase, guarded
from therapynotes.services.records_base import RecordsBase
from therapynotes.store import record_settings
from therapynotes.store.audit import AuditKind

LAST_PASSED = "rehearsal.last_passed"  # UTC day of the last passed rehearsal
EVERY_MONTHS = "rehearsal.every_months"  # the therapist's setting; 0 = no reminder
DEFAULT_MONTHS = 6
MAX_MONTHS = 24
DAYS_PER_MONTH = 30.44


class RehearsalIntervalInvalid(InputError):
    """Choose a rehearsal every 1 to 24 months, or 0 for no reminder. Nothing was changed."""


class NoBackupToRehearse(InputError):
    """There is no backup of these records in that folder to rehearse with. Connect the
    backup drive (or choose its folder) and try again."""


@dataclass(frozen=True)
class RehearsalResult:
    backup: Path
    rows: int  # rows found in the test-restored copy


class RehearsalService(RecordsBase):
    def last_passed(self) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (LAST_PASSED,))
        found = row.fetchone()
        return str(found[0]) if found else None

    def every_months(self) -> int:
        months = record_settings.get_int(self.conn, EVERY_MONTHS, DEFAULT_MONTHS)
        return months if 0 <= months <= MAX_MONTHS else DEFAULT_MONTHS

    @guarded(UseCase.BACKUP)
    def set_every_months(self, months: int) -> None:
        if not 0 <= months <= MAX_MONTHS:
            raise RehearsalIntervalInvalid
        with self.write() as conn:
            record_settings.set_value(conn, EVERY_MONTHS, str(months))
            self.audit(conn, AuditKind.SETTINGS_CHANGED, "settings", key=EVERY_MONTHS)

    def is_due(self) -> bool:
        """A rehearsal is due when none passed yet, or the last is older than the
        interval; never when the therapist turned the reminder off (0 months)."""
        months = self.every_months()
        if months == 0:
            return False
        last = self.last_passed()
        if last is None:
            return True
        today = datetime.fromtimestamp(self.clock(), UTC).date()
        return (today - datetime.fromisoformat(last).date()).days >= months * DAYS_PER_MONTH

    @guarded(UseCase.BACKUP)
    def check_key(self, recovery_text: str) -> None:
        """WrongRecoveryKey unless the key opens this vault's recovery slot."""
        doc = self.session.doc
        rk = parse_recovery_key(recovery_text)
        try:
            kek = kdf.kek_recovery(rk, doc.recovery.salt)
        finally:
            rk.wipe()
        try:
            keyslots.open_recovery(doc, kek).wipe()
        finally:
            kek.wipe()

    @guarded(UseCase.BACKUP)
    def rehearse(self, recovery_text: str, folder: Path) -> RehearsalResult:
        try:
            self.check_key(recovery_text)
            ours = (
                [
                    b
                    for b in list_backups(folder)
                    if b.header_ok and b.vault_id == self.session.vault_id
                ]
                if folder.is_dir()
                else []
            )
            if not ours:
                raise NoBackupToRehearse
            newest = ours[-1]
            report = verify_backup(
                newest.path, self.session.paths.root, recovery_text=recovery_text
            )
        except TherapyNotesError as exc:
            self._record(ok=False, failure=type(exc).__name__)
            raise
        rows = sum(report.manifest.counts.values())
        self._record(ok=True, rows=rows)
        return RehearsalResult(newest.path, rows)

    def _record(self, *, ok: bool, **detail: object) -> None:
        with contextlib.suppress(TherapyNotesError), self.write() as conn:
            self.audit(conn, AuditKind.BACKUP_VERIFIED, "backup", rehearsal=True, ok=ok, **detail)
            if ok:
                day = datetime.fromtimestamp(self.clock(), UTC).date().isoformat()
                record_settings.set_value(conn, LAST_PASSED, day)
