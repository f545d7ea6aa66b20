"""ProfileService: read and set the clinician profile (domain/profile.py), with the
change in the audit log (which fields changed, never their values). The CLI
(`profile set/show`), Settings → Clinician profile and, later, billing use this.

Signing reads the profile itself (note_cases.py, through store/profile.signer), inside
the signing transaction, so a signature names whoever the profile says at that moment.

Must not import PySide6.
"""

from __future__ import annotations

import dataclasses

from therapynotes.domain.profile import ClinicianProfile
from therapynotes.services.policy import UseCase, guarded
from therapynotes.services.records_base import RecordsBase
from therapynotes.store import profile as profile_store
from therapynotes.store.audit import AuditKind


class ProfileService(RecordsBase):
    def get(self) -> ClinicianProfile | None:
        return profile_store.get(self.conn)

    @guarded(UseCase.PROFILE)
    def set(self, new: ClinicianProfile) -> list[str]:
        """Validate and save; returns the names of the fields that changed (none: nothing
        written). Signatures already made keep the signer they named."""
        new = new.validated()
        with self.write() as conn:
            old = profile_store.get(conn)
            changed = [
                f.name
                for f in dataclasses.fields(ClinicianProfile)
                if old is None or getattr(old, f.name) != getattr(new, f.name)
            ]
            if changed:
                profile_store.put(conn, new, now=self.now())
                self.audit(
                    conn,
                    AuditKind.SETTINGS_CHANGED,
                    "settings",
                    area="profile",
                    fields=changed,
                )
        return changed
