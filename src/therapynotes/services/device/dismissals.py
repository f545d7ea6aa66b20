"""A device warning the therapist dismissed, with the reason ("the disk is encrypted by
the hospital's own tool"), kept in the vault's settings table (this computer's, so not
exported) and audited without the reason's text. A dismissed check stops warning on
Home until it is cleared (or the check passes). Must not import PySide6."""

from __future__ import annotations

from therapynotes.errors import InputError
from therapynotes.services.device.model import CHECKS
from therapynotes.services.records_base import RecordsBase
from therapynotes.store import record_settings
from therapynotes.store.audit import AuditKind

PREFIX = "device_dismissed."
MAX_REASON = 300


class DismissReasonMissing(InputError):
    """Say in a few words why this warning does not apply (at most 300 characters)."""


def dismissed(service: RecordsBase) -> dict[str, str]:
    rows = service.conn.execute(
        "SELECT key, value FROM settings WHERE key LIKE ?", (PREFIX + "%",)
    ).fetchall()
    return {str(k)[len(PREFIX) :]: str(v) for k, v in rows if str(k)[len(PREFIX) :] in CHECKS}


def dismiss(service: RecordsBase, name: str, reason: str) -> None:
    why = " ".join(reason.split())
    if name not in CHECKS or not why or len(why) > MAX_REASON:
        raise DismissReasonMissing
    with service.write() as conn:
        record_settings.set_value(conn, PREFIX + name, why)
        service.audit(conn, AuditKind.SETTINGS_CHANGED, "settings", key=PREFIX + name)


def clear(service: RecordsBase, name: str) -> None:
    with service.write() as conn:
        conn.execute("DELETE FROM settings WHERE key = ?", (PREFIX + name,))
        service.audit(conn, AuditKind.SETTINGS_CHANGED, "settings", key=PREFIX + name)
