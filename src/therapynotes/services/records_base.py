"""Shared plumbing of the record use cases: the clock, one transaction per use case with
its audit row, and the translation of schema refusals into user-facing errors.

Must not import PySide6.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from therapynotes.domain.ids import ClientId
from therapynotes.domain.rules import instant_from_timestamp
from therapynotes.records_errors import (
    ClientNotFound,
    DuplicateNote,
    InvalidRecord,
    NotAParticipant,
    NoteSigned,
)
from therapynotes.services.policy import UseCase, require
from therapynotes.services.session import VaultSession
from therapynotes.store import audit, clients
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection, driver, transaction

Clock = Callable[[], float]


def _refusal(exc: Exception) -> Exception:
    """Map a constraint failure to our error by its kind, never by showing its text."""
    text = str(exc)
    if "cannot be changed" in text or "cannot be deleted" in text or "signed notes only" in text:
        return NoteSigned()
    if "notes_one_per_participant" in text or "notes.session_id" in text:
        return DuplicateNote()
    if "FOREIGN KEY" in text:
        return NotAParticipant()
    return InvalidRecord()


class RecordsBase:
    def __init__(self, session: VaultSession, *, clock: Clock = time.time) -> None:
        self.session = session
        self.clock = clock

    @property
    def conn(self) -> Connection:
        return self.session.conn

    def now(self) -> str:
        return instant_from_timestamp(self.clock())

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """One use case = one transaction; schema refusals become our errors."""
        conn = self.conn
        try:
            with transaction(conn):
                yield conn
        except driver().IntegrityError as exc:
            raise _refusal(exc) from None

    def audit(self, conn: Connection, event: AuditKind, subject: str, **detail: Any) -> None:
        """Ids and non-identifying facts only: never names, text or reasons typed in."""
        audit.append(conn, event, subject=subject, detail=detail, at=self._audit_time())

    def _audit_time(self) -> str:
        return instant_from_timestamp(self.clock()).replace("Z", ".000000Z")

    def require_psychotherapy(self, wanted: bool) -> None:
        """Psychotherapy notes asked for (a chart, a search, one note): the owner only
        (services/policy.py); refused and audited for any other login."""
        if wanted:
            require(self.session, UseCase.PSYCHOTHERAPY_NOTES)

    def require_client(self, conn: Connection, client_id: ClientId) -> None:
        if not clients.exists(conn, client_id):
            raise ClientNotFound
