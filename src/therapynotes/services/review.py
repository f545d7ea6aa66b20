"""Supervision (issue 17 phase B): the supervisor's "To review" list, co-signatures,
review comments and each login's own signing line. Called by the CLI (`notes cosign`)
and the window; every entry point checks the role first (services/policy.py).

A co-signature is a signed, dated entry under a signed record note carrying the
supervisor's signing line; it never changes the note (the note's own row, content hash
and addenda stay as they were). A supervisor never co-signs or comments on a
psychotherapy note, and never sees one listed.

Must not import PySide6.
"""

from __future__ import annotations

import time

from therapynotes.domain.enums import NoteState
from therapynotes.domain.ids import NoteId
from therapynotes.domain.models import Note
from therapynotes.domain.review import (
    MAX_COMMENT,
    Cosignature,
    ReviewComment,
    ReviewItem,
    clean_signature_line,
    cosignature_hash,
)
from therapynotes.domain.rules import instant_from_timestamp
from therapynotes.records_errors import (
    AlreadyCosigned,
    CommentEmpty,
    InvalidRecord,
    NotCosignable,
    NoteNotFound,
    SignatureLineInvalid,
    SignatureLineMissing,
)
from therapynotes.services.policy import UseCase, require
from therapynotes.services.session import VaultSession
from therapynotes.store import audit, notes
from therapynotes.store import review as store
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection, driver, transaction

__all__ = [
    "Cosignature",
    "ReviewComment",
    "ReviewItem",
    "add_comment",
    "comments",
    "cosign",
    "cosignatures",
    "set_signature",
    "signature",
    "to_review",
]


def _now() -> str:
    return instant_from_timestamp(time.time())


def _subject(note_id: NoteId) -> str:
    return f"note:{note_id}"


def _visible_note(session: VaultSession, conn: Connection, note_id: NoteId) -> Note:
    """The note, once the login may see it: a psychotherapy note is refused (and the
    refusal audited) to every login that may not open psychotherapy notes."""
    note = notes.get(conn, note_id)
    if note is None:
        raise NoteNotFound
    if note.is_psychotherapy:
        require(session, UseCase.PSYCHOTHERAPY_NOTES)
    return note


def _checked(session: VaultSession, note_id: NoteId) -> Connection:
    """The connection, once `note_id` is a note this login may see (outside any
    transaction, so that a refusal's audit row is kept)."""
    _visible_note(session, session.conn, note_id)
    return session.conn


def to_review(session: VaultSession) -> list[ReviewItem]:
    """Signed record notes this login has not yet co-signed, oldest first."""
    require(session, UseCase.REVIEW)
    with session.db_lock:
        return store.to_review(session.conn, session.login.name)


def signature(session: VaultSession) -> str:
    """The login's own signing line ("" until set)."""
    require(session, UseCase.SIGNATURE)
    with session.db_lock:
        return store.signature_line(session.conn, session.login.name)


def set_signature(session: VaultSession, text: str) -> None:
    require(session, UseCase.SIGNATURE)
    line = clean_signature_line(text)
    if line is None:
        raise SignatureLineInvalid
    with session.db_lock, transaction(session.conn) as conn:
        store.set_signature_line(conn, session.login.name, line, now=_now())
        audit.append(conn, AuditKind.SIGNATURE_LINE_SET)


def cosign(session: VaultSession, note_id: NoteId) -> Cosignature:
    """Co-sign a signed record note with this login's signing line; once per login."""
    require(session, UseCase.COSIGN)
    login = session.login.name
    with session.db_lock:
        conn = session.conn
        note = _visible_note(session, conn, note_id)  # a refusal's audit row stays
        line = store.signature_line(conn, login)
        if not line:
            raise SignatureLineMissing
        try:
            with transaction(conn):
                note = _visible_note(session, conn, note_id)
                if note.state is not NoteState.SIGNED or note.content_hash is None:
                    raise NotCosignable
                if any(c.login == login for c in store.cosignatures(conn, note_id)):
                    raise AlreadyCosigned
                signed_at = _now()
                digest = cosignature_hash(
                    note_hash=note.content_hash, login=login, line=line, signed_at=signed_at
                )
                cosign_id = store.insert_cosignature(
                    conn, note_id, login=login, line=line, signed_at=signed_at, digest=digest
                )
                audit.append(
                    conn,
                    AuditKind.NOTE_COSIGNED,
                    subject=_subject(note_id),
                    detail={"cosignature": cosign_id},
                )
        except driver().IntegrityError:
            raise NotCosignable from None
        return Cosignature(cosign_id, note_id, login, line, signed_at, digest)


def cosignatures(session: VaultSession, note_id: NoteId) -> list[Cosignature]:
    require(session, UseCase.READ_NOTES)
    with session.db_lock:
        _visible_note(session, session.conn, note_id)
        return store.cosignatures(session.conn, note_id)


def add_comment(session: VaultSession, note_id: NoteId, text: str) -> ReviewComment:
    require(session, UseCase.REVIEW_COMMENT)
    body = text.strip()
    if not body:
        raise CommentEmpty
    if len(body) > MAX_COMMENT:
        raise InvalidRecord
    login = session.login.name
    with session.db_lock, transaction(_checked(session, note_id)) as conn:
        now = _now()
        comment_id = store.insert_comment(conn, note_id, login=login, body=body, now=now)
        audit.append(
            conn,
            AuditKind.REVIEW_COMMENTED,
            subject=_subject(note_id),
            detail={"comment": comment_id},
        )
    return ReviewComment(comment_id, note_id, login, body, now)


def comments(session: VaultSession, note_id: NoteId) -> list[ReviewComment]:
    require(session, UseCase.READ_NOTES)
    with session.db_lock:
        _visible_note(session, session.conn, note_id)
        return store.comments(session.conn, note_id)
