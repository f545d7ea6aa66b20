"""The UI's one door to the clinical record: a RecordsService behind a lock, and the
words the screens use for dates and note states.

The UI thread makes short record calls directly (`records.call(...)`); longer reads
(searches, a big chart) run on ops' single database worker through `records.op(...)`.
Both take the session's `db_lock` (services/session.py; `VaultSession.record` and the
settings panel take it too), so the SQLite connection is never used by two threads at
once. Nothing here keeps record text: it is only a door.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject

from therapynotes.domain import formatting
from therapynotes.domain.enums import NoteKind, NoteState
from therapynotes.domain.formatting import plural
from therapynotes.domain.models import Note
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.ui.ops import Op

T = TypeVar("T")
Clock = Callable[[], float]

PRIVATE_MARK = "Psychotherapy note: private"
KIND_WORDS = {
    NoteKind.PROGRESS: "Progress note",
    NoteKind.INTAKE: "Intake assessment",
    NoteKind.TREATMENT_PLAN: "Treatment plan",
    NoteKind.DISCHARGE: "Discharge summary",
    NoteKind.CONTACT: "Contact note",
    NoteKind.FREEFORM: "Note",
    NoteKind.PSYCHOTHERAPY: "Psychotherapy note",
}


class RecordsAccess:
    def __init__(self, session: VaultSession, *, clock: Clock) -> None:
        self.service = RecordsService(session, clock=clock)
        self.clock = clock
        self._lock = session.db_lock

    def call(self, fn: Callable[[RecordsService], T]) -> T:
        with self._lock:
            return fn(self.service)

    def op(self, parent: QObject, fn: Callable[[RecordsService], T]) -> Op[T]:
        """Background work on the one database worker; `.success(...).run(database=True)`."""
        return Op(parent, lambda: self.call(fn))


@functools.lru_cache(maxsize=4096)
def local_time(instant: str) -> str:
    """'2026-03-14T15:05:00Z' → '14 Mar 2026 16:05' in the computer's time zone."""
    return formatting.instant(instant)


@functools.lru_cache(maxsize=4096)
def local_clock(instant: str) -> str:
    return formatting.instant_clock(instant)


@functools.lru_cache(maxsize=4096)
def day(date: str | None) -> str:
    """'2026-03-14' → '14 Mar 2026'; empty for no date (domain/formatting.py)."""
    return formatting.day(date)


def clear_caches() -> None:
    """Dates of service are record data too: a lock forgets the formatted ones."""
    for cached in (local_time, local_clock, day):
        cached.cache_clear()


def note_state_label(note: Note) -> str:
    """'Draft' / 'Signed 14 Mar 2026 16:05' / '… · Late entry' / 'Voided'."""
    if note.state is NoteState.VOIDED:
        return "Voided"
    if note.state is NoteState.DRAFT or note.signed_at is None:
        return "Draft"
    label = f"Signed {local_time(note.signed_at)}"
    if note.late_entry:
        label += " · Late entry"
    if note.addenda:
        label += f" · {plural(len(note.addenda), 'addendum')}"
    return label


def attempt(parent: QObject, fn: Callable[[], T]) -> T | None:
    """Run a short record call from a slot; a refusal is shown, never raised into Qt."""
    from therapynotes.errors import TherapyNotesError  # noqa: PLC0415
    from therapynotes.ui.errors import show_error  # noqa: PLC0415

    try:
        return fn()
    except TherapyNotesError as exc:
        show_error(parent, exc)
        return None
