"""One `Spelling` per unlocked vault: the checker (with the personal dictionary read from
the vault) and a signal that tells every underlined field to look again after Add to
dictionary, Ignore or a change of language. It hangs on the UI's RecordsAccess, which the
lock drops, so the personal words leave memory with the rest of the record.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from therapynotes.errors import TherapyNotesError
from therapynotes.services.spelling import SpellChecker, SpellingService, check_word, languages
from therapynotes.ui.records_access import RecordsAccess, attempt

_ATTRIBUTE = "_writing_spelling"


class _Edits(QObject):
    """Settings → Spelling changed the vault's words or preferences: checkers reload."""

    saved = Signal()


_edits: list[_Edits] = []


def edits() -> _Edits:
    if not _edits:
        _edits.append(_Edits())
    return _edits[0]


class Spelling(QObject):
    changed = Signal()  # the words that count as right changed: underline again

    def __init__(self, records: RecordsAccess) -> None:
        super().__init__()
        self.records = records
        language, enabled, words = records.call(lambda s: _read(SpellingService(s.session)))
        self.enabled = enabled
        self.checker = SpellChecker(language, words)
        edits().saved.connect(self.reload)

    def reload(self) -> None:
        try:
            language, enabled, words = self.records.call(
                lambda s: _read(SpellingService(s.session))
            )
        except TherapyNotesError:  # locked meanwhile: this object is going
            return
        ignored = self.checker.ignored_words()
        self.checker = SpellChecker(language, words)
        for word in ignored:
            self.checker.ignore(word)
        self.enabled = enabled
        self.changed.emit()

    @property
    def active(self) -> bool:
        return self.enabled and self.checker.available

    def languages(self) -> list[str]:
        return languages()

    def add_word(self, parent: QObject, word: str) -> None:
        """Right at once on screen; stored in the vault on the database worker."""
        word = check_word(word)
        self.checker.learn(word)
        self.changed.emit()
        self.records.op(
            parent, lambda s: SpellingService(s.session, clock=s.clock).add_word(word)
        ).run(database=True)

    def ignore(self, word: str) -> None:
        self.checker.ignore(word)
        self.changed.emit()

    def set_preferences(self, parent: QObject, *, language: str, enabled: bool) -> None:
        words = list(self.checker.personal_words())
        ignored = list(self.checker.ignored_words())
        self.checker = SpellChecker(language, words)
        for word in ignored:
            self.checker.ignore(word)
        self.enabled = enabled
        self.changed.emit()
        self.records.op(
            parent,
            lambda s: SpellingService(s.session).set_preferences(
                language=language, enabled=enabled
            ),
        ).run(database=True)


def _read(service: SpellingService) -> tuple[str, bool, list[str]]:
    return service.language(), service.enabled(), service.words()


def spelling_for(records: RecordsAccess, parent: QObject | None = None) -> Spelling | None:
    """The vault's Spelling, made on first use (None when the vault could not be read)."""
    found = getattr(records, _ATTRIBUTE, None)
    if isinstance(found, Spelling):
        return found
    made = attempt(parent, lambda: Spelling(records)) if parent is not None else Spelling(records)
    setattr(records, _ATTRIBUTE, made)
    return made
