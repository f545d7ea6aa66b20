"""One `Snippets` per unlocked vault, hung on the UI's RecordsAccess (dropped at lock):
the snippet list every note field expands from, and `changed` when Settings edits it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from therapynotes.domain.snippets import Snippet
from therapynotes.errors import TherapyNotesError
from therapynotes.services.snippets import SnippetService
from therapynotes.ui.records_access import RecordsAccess

_ATTRIBUTE = "_writing_snippets"


class _Edits(QObject):
    """Settings → Snippets saved or deleted one: every open note field reloads."""

    saved = Signal()


_edits: list[_Edits] = []


def edits() -> _Edits:
    if not _edits:
        _edits.append(_Edits())
    return _edits[0]


class Snippets(QObject):
    changed = Signal()

    def __init__(self, records: RecordsAccess) -> None:
        super().__init__()
        self.records = records
        self.items: list[Snippet] = []
        self.reload()
        edits().saved.connect(self.reload)

    def reload(self) -> None:
        try:
            self.items = self.records.call(lambda s: SnippetService(s.session).all())
        except TherapyNotesError:  # the vault locked meanwhile: this object is going
            self.items = []
        self.changed.emit()

    def find(self, trigger: str) -> Snippet | None:
        return next((s for s in self.items if s.trigger == trigger.lower()), None)


def snippets_for(records: RecordsAccess) -> Snippets:
    found = getattr(records, _ATTRIBUTE, None)
    if isinstance(found, Snippets):
        return found
    made = Snippets(records)
    setattr(records, _ATTRIBUTE, made)
    return made
