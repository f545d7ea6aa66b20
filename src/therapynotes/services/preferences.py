"""Changing the vault's settings (security, and the record's own: practice name,
late-entry hours, retention), with the change in the audit log (which settings changed,
never to what). The UI and the CLI call this rather than writing the
settings table themselves.

Must not import PySide6.
"""

from __future__ import annotations

import dataclasses

from therapynotes.domain.retention import RecordRetentionPolicy
from therapynotes.errors import TherapyNotesError
from therapynotes.retention_errors import InvalidRetentionPolicy
from therapynotes.services.chart_document import PRACTICE_NAME_KEY
from therapynotes.services.policy import UseCase, session_guarded
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.services.session import VaultSession
from therapynotes.settings import (
    SecuritySettings,
    load_security,
    read_setting,
    save_security,
    write_settings,
)
from therapynotes.store import record_settings
from therapynotes.store.audit import AuditKind


@session_guarded(UseCase.SETTINGS)
def save_security_settings(session: VaultSession, new: SecuritySettings) -> list[str]:
    """Validate, save, audit; returns the names of the settings that changed."""
    new.validated()
    old = load_security(session.conn)
    changed = [
        f.name
        for f in dataclasses.fields(SecuritySettings)
        if getattr(old, f.name) != getattr(new, f.name)
    ]
    if changed:
        save_security(session.conn, new)
        session.record(
            AuditKind.SETTINGS_CHANGED, subject="settings", area="security", fields=changed
        )
    return changed


@dataclasses.dataclass(frozen=True)
class RecordSettings:
    """Settings about the record itself: the practice's name for records-request PDFs,
    when a signature counts as a late entry, and the retention rules."""

    practice_name: str
    late_entry_hours: int
    retention: RecordRetentionPolicy

    def validated(self) -> RecordSettings:
        if len(self.practice_name) > MAX_PRACTICE_NAME or not 1 <= self.late_entry_hours <= 720:
            raise InvalidRecordSettings
        if not self.retention.is_valid():
            raise InvalidRetentionPolicy
        return self


MAX_PRACTICE_NAME = 200


class InvalidRecordSettings(TherapyNotesError):
    """That setting is out of range: a practice name of at most 200 characters, and a
    late-entry time between 1 and 720 hours."""


def load_record_settings(session: VaultSession) -> RecordSettings:
    conn = session.conn
    return RecordSettings(
        practice_name=str(read_setting(conn, PRACTICE_NAME_KEY, "") or ""),
        late_entry_hours=record_settings.late_entry_hours(conn),
        retention=RetentionService(session).policy(),
    )


@session_guarded(UseCase.SETTINGS)
def save_record_settings(session: VaultSession, new: RecordSettings) -> list[str]:
    """Validate and save what changed; each service audits its own change."""
    new.validated()
    old = load_record_settings(session)
    changed = []
    if new.practice_name != old.practice_name:
        write_settings(session.conn, {PRACTICE_NAME_KEY: new.practice_name.strip()})
        session.record(
            AuditKind.SETTINGS_CHANGED, subject="settings", area="records", fields=["practice_name"]
        )
        changed.append("practice_name")
    if new.late_entry_hours != old.late_entry_hours:
        RecordsService(session).set_late_entry_hours(new.late_entry_hours)
        changed.append("late_entry_hours")
    if new.retention != old.retention:
        RetentionService(session).set_policy(new.retention)
        changed.append("retention")
    return changed
