"""Spell check for note fields: the Hunspell dictionaries installed on the system (US and
UK English with the app, others when the system has them) through libenchant-2
(pyenchant), the shipped clinical word list, and the therapist's personal dictionary,
which lives inside the vault (store/dictionary.py).

Why enchant: the C Hunspell engine loads en_US in ~20 ms, checks a 2,000-word note in
~10 ms cold (microseconds per word once cached here) and suggests in ~25 ms; spylls (pure
Python) needs ~600 ms to load and ~170 ms per suggestion. bench/spell_bench.py measures
keystroke-to-paint with it.

`SpellChecker` holds words only for the open vault: it is made at unlock and dropped at
lock with the rest of the UI's records access. Must not import PySide6.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from therapynotes.domain.clinical_words import CLINICAL_WORDS
from therapynotes.domain.rules import instant_from_timestamp
from therapynotes.services.policy import UseCase, guarded
from therapynotes.services.session import VaultSession
from therapynotes.settings import read_setting, write_settings
from therapynotes.store import audit, dictionary
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import transaction
from therapynotes.writing_errors import NotAWord

LANGUAGE_SETTING = "spelling.language"
ENABLED_SETTING = "spelling.enabled"
DEFAULT_LANGUAGE = "en_US"
SUGGESTIONS = 6
MAX_WORD = 100

# A word: letters, with inner apostrophes ("don't", "client’s"). Digits, underscores and
# hyphens end it, so "PHQ-9" and "self-harm" are checked by their parts.
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def languages() -> list[str]:
    """The dictionaries installed on this computer, e.g. ['en_GB', 'en_US']."""
    try:
        import enchant  # noqa: PLC0415 - a missing libenchant must not stop the app

        return sorted(set(enchant.list_languages()))
    except (ImportError, OSError):
        return []


def _engine(language: str) -> Any:
    """An enchant dictionary, or None when libenchant or that dictionary is missing (spell
    check is then off; the Settings and the context menu say so)."""
    try:
        import enchant  # noqa: PLC0415

        return enchant.Dict(language)
    except (ImportError, OSError, ValueError):
        return None
    except Exception as exc:  # enchant.errors.DictNotFoundError is an Error subclass
        if type(exc).__name__ in {"DictNotFoundError", "Error"}:
            return None
        raise


class SpellChecker:
    """Is a word right, what might it be, and where are the wrong ones in a text."""

    def __init__(self, language: str = DEFAULT_LANGUAGE, personal: Iterable[str] = ()) -> None:
        self.language = language
        self._engine = _engine(language)
        self._personal = {w.casefold() for w in personal}
        self._ignored: set[str] = set()
        self._known: dict[str, bool] = {}

    @property
    def available(self) -> bool:
        return self._engine is not None

    def is_correct(self, word: str) -> bool:
        known = self._known.get(word)
        if known is None:
            known = self._check(word)
            self._known[word] = known
        return known

    def _check(self, word: str) -> bool:
        if self._engine is None or len(word) < 2 or len(word) > MAX_WORD:
            return True
        folded = word.casefold()
        if folded in CLINICAL_WORDS or folded in self._personal or folded in self._ignored:
            return True
        plain = word.replace("’", "'")
        if self._engine.check(plain):
            return True
        # "Client's" when only "client" is listed: the possessive of a right word is right.
        if plain.endswith(("'s", "'S")):
            return self.is_correct(plain[:-2])
        return False

    def misspelled(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, length) of each wrong word in `text`."""
        for match in WORD.finditer(text):
            if not self.is_correct(match.group()):
                yield match.start(), match.end() - match.start()

    def suggestions(self, word: str) -> list[str]:
        if self._engine is None:
            return []
        return [str(suggestion) for suggestion in self._engine.suggest(word.replace("’", "'"))][
            :SUGGESTIONS
        ]

    def ignore(self, word: str) -> None:
        """Not flagged again until the vault locks (nothing is stored)."""
        self._ignored.add(word.casefold())
        self._known.clear()

    def personal_words(self) -> frozenset[str]:
        return frozenset(self._personal)

    def ignored_words(self) -> frozenset[str]:
        return frozenset(self._ignored)

    def learn(self, word: str) -> None:
        self._personal.add(word.casefold())
        self._known.clear()


def check_word(word: str) -> str:
    word = word.strip()
    if not word or len(word) > MAX_WORD or not WORD.fullmatch(word):
        raise NotAWord
    return word


class SpellingService:
    """The personal dictionary and the spelling settings of the open vault. Adding a word
    is audited (the count, never the word: it may be a client's name)."""

    def __init__(self, session: VaultSession, *, clock: Callable[[], float] = time.time) -> None:
        self.session = session
        self.clock = clock

    @guarded(UseCase.SPELLING)
    def words(self) -> list[str]:
        return dictionary.words(self.session.conn)

    @guarded(UseCase.SPELLING)
    def add_word(self, word: str) -> bool:
        word = check_word(word)
        conn = self.session.conn
        with transaction(conn):
            added = dictionary.add(conn, word, now=instant_from_timestamp(self.clock()))
            if added:
                audit.append(
                    conn, AuditKind.DICTIONARY_CHANGED, subject="dictionary", detail={"added": 1}
                )
        return added

    @guarded(UseCase.SPELLING)
    def remove_word(self, word: str) -> bool:
        conn = self.session.conn
        with transaction(conn):
            removed = dictionary.remove(conn, word)
            if removed:
                audit.append(
                    conn,
                    AuditKind.DICTIONARY_CHANGED,
                    subject="dictionary",
                    detail={"removed": 1},
                )
        return removed

    def language(self) -> str:
        value = read_setting(self.session.conn, LANGUAGE_SETTING, DEFAULT_LANGUAGE)
        return value if isinstance(value, str) and value else DEFAULT_LANGUAGE

    def enabled(self) -> bool:
        return read_setting(self.session.conn, ENABLED_SETTING, True) is not False

    @guarded(UseCase.SPELLING)
    def set_preferences(self, *, language: str, enabled: bool) -> None:
        write_settings(self.session.conn, {LANGUAGE_SETTING: language, ENABLED_SETTING: enabled})

    @guarded(UseCase.SPELLING)
    def checker(self) -> SpellChecker:
        return SpellChecker(self.language(), self.words())
