"""The therapist's text snippets: list, save (add or change), delete. Audited by id,
never by name or text. Must not import PySide6."""

from __future__ import annotations

import time
from collections.abc import Callable

from therapynotes.domain.rules import instant_from_timestamp
from therapynotes.domain.snippets import MAX_BODY, TRIGGER, Snippet
from therapynotes.services.policy import UseCase, guarded
from therapynotes.services.session import VaultSession
from therapynotes.store import audit, snippets
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import driver, transaction
from therapynotes.writing_errors import InvalidSnippet, SnippetExists


def checked(snippet: Snippet) -> Snippet:
    trigger = snippet.trigger.strip().lstrip("/").lower()
    if not TRIGGER.fullmatch(trigger) or not snippet.body.strip() or len(snippet.body) > MAX_BODY:
        raise InvalidSnippet
    return Snippet(trigger, snippet.body, snippet.id)


class SnippetService:
    def __init__(self, session: VaultSession, *, clock: Callable[[], float] = time.time) -> None:
        self.session = session
        self.clock = clock

    @guarded(UseCase.SNIPPETS)
    def all(self) -> list[Snippet]:
        return snippets.all_snippets(self.session.conn)

    @guarded(UseCase.SNIPPETS)
    def save(self, snippet: Snippet) -> int:
        snippet = checked(snippet)
        conn = self.session.conn
        try:
            with transaction(conn):
                snippet_id = snippets.put(conn, snippet, now=instant_from_timestamp(self.clock()))
                action = "created" if snippet.id is None else "changed"
                audit.append(
                    conn,
                    AuditKind.SNIPPET_CHANGED,
                    subject=f"snippet:{snippet_id}",
                    detail={"action": action},
                )
        except driver().IntegrityError:
            raise SnippetExists from None
        return snippet_id

    @guarded(UseCase.SNIPPETS)
    def delete(self, snippet_id: int) -> None:
        conn = self.session.conn
        with transaction(conn):
            if snippets.delete(conn, snippet_id):
                audit.append(
                    conn,
                    AuditKind.SNIPPET_CHANGED,
                    subject=f"snippet:{snippet_id}",
                    detail={"action": "deleted"},
                )
