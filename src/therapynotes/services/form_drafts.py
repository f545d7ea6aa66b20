"""Form drafts: what was typed into an open dialog when the vault locked, kept inside
the vault and offered back after unlock. Part of RecordsService (services/records.py).
Not audited: a form draft is no record, only typing not yet saved.

Must not import PySide6.
"""

from __future__ import annotations

from collections.abc import Sequence

from therapynotes.services.policy import UseCase, guarded
from therapynotes.services.records_base import RecordsBase
from therapynotes.store import form_drafts
from therapynotes.store.form_drafts import FormDraft


class FormDraftCases(RecordsBase):
    @guarded(UseCase.FORM_DRAFTS)
    def keep_form_drafts(self, drafts: Sequence[FormDraft]) -> list[int]:
        """Replace the kept form drafts with these (one transaction)."""
        with self.write() as conn:
            return form_drafts.replace_all(conn, list(drafts), now=self.now())

    @guarded(UseCase.FORM_DRAFTS)
    def form_drafts(self) -> list[FormDraft]:
        return form_drafts.all_drafts(self.conn)

    @guarded(UseCase.FORM_DRAFTS)
    def drop_form_draft(self, draft_id: int) -> None:
        """Once the dialog it filled is back on screen, saved or cancelled."""
        with self.write() as conn:
            form_drafts.delete(conn, draft_id)
