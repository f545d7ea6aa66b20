"""Form drafts: what was typed into an open dialog when the vault locked, kept inside
the vault and offered back after unlock. Part of RecordsService (services/records.py).
Not audited: a form draft is no record, only typing not yet saved.

Each draft lives in the file its dialog's words belong in (store/form_drafts.py): the
dialogs without clinical text in vault.db (`SHARED_DRAFTS`, every login), the others in
clinical.db (`FORM_DRAFTS`, the logins holding the clinical key). An assistant's drafts
therefore never touch clinical.db, and a clinical draft never lands in vault.db.

Must not import PySide6.
"""

from __future__ import annotations

from collections.abc import Sequence

from therapynotes.services.policy import UseCase, allowed, guarded, require
from therapynotes.services.records_base import RecordsBase
from therapynotes.store import form_drafts
from therapynotes.store.form_drafts import FormDraft


class FormDraftCases(RecordsBase):
    def _keeps_clinical(self) -> bool:
        return allowed(self.session.login.role, UseCase.FORM_DRAFTS)

    @guarded(UseCase.SHARED_DRAFTS)
    def keep_form_drafts(self, drafts: Sequence[FormDraft]) -> list[int]:
        """Replace the kept form drafts with these (one transaction): each file's with
        the drafts that belong in it; a login without the clinical key replaces vault.db's
        only (and may not give a clinical draft: RoleRefused). The ids, in order, are
        unique within each file."""
        clinical = [d for d in drafts if not d.shared]
        if clinical:
            require(self.session, UseCase.FORM_DRAFTS)
        keeps_clinical = self._keeps_clinical()
        shared = [d for d in drafts if d.shared]
        with self.write() as conn:
            now = self.now()
            shared_ids = iter(form_drafts.replace_all(conn, shared, now=now, shared=True))
            clinical_ids = iter(
                form_drafts.replace_all(conn, clinical, now=now, shared=False)
                if keeps_clinical
                else []
            )
            return [next(shared_ids if d.shared else clinical_ids) for d in drafts]

    @guarded(UseCase.SHARED_DRAFTS)
    def form_drafts(self) -> list[FormDraft]:
        """Every kept draft this login's keys reach: vault.db's, then clinical.db's."""
        found = form_drafts.all_drafts(self.conn, shared=True)
        if self._keeps_clinical():
            found += form_drafts.all_drafts(self.conn, shared=False)
        return found

    @guarded(UseCase.SHARED_DRAFTS)
    def drop_form_draft(self, draft: FormDraft) -> None:
        """Once the dialog it filled is back on screen, saved or cancelled."""
        if draft.id is None:
            return
        if not draft.shared:
            require(self.session, UseCase.FORM_DRAFTS)
        with self.write() as conn:
            form_drafts.delete(conn, draft.id, shared=draft.shared)
