"""Changing the vault's security settings, with the change in the audit log (which
settings changed, never to what). The UI and the CLI call this rather than writing the
settings table themselves.

Must not import PySide6.
"""

from __future__ import annotations

import dataclasses

from therapynotes.services.session import VaultSession
from therapynotes.settings import SecuritySettings, load_security, save_security
from therapynotes.store.audit import AuditKind


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
