"""Supervision (issue 17 phase B): co-signatures and review comments on notes.

A co-signature is a supervisor's signed, dated entry under a signed note, carrying the
supervisor's own signing line as it read that day; it never changes the note. Its hash
chains it to the note's content hash, as an addendum's does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from therapynotes.domain.enums import NoteKind
from therapynotes.domain.ids import ClientId, NoteId
from therapynotes.domain.rules import canonical_json

MAX_SIGNATURE_LINE = 200
MAX_COMMENT = 10_000


@dataclass(frozen=True)
class Cosignature:
    id: int
    note_id: NoteId
    login: str
    signature_line: str
    signed_at: str
    content_hash: str


@dataclass(frozen=True)
class ReviewComment:
    id: int
    note_id: NoteId
    login: str
    body: str
    created_at: str


@dataclass(frozen=True)
class ReviewItem:
    """A signed note waiting for the supervisor's co-signature (no note text)."""

    note_id: NoteId
    client_id: ClientId
    client_name: str  # display_name
    service_date: str
    kind: NoteKind


def cosignature_hash(*, note_hash: str, login: str, line: str, signed_at: str) -> str:
    """Chains the co-signature to the signed note it vouches for."""
    material = canonical_json(
        {"note": note_hash, "login": login, "line": line, "signed_at": signed_at}
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def clean_signature_line(text: str) -> str | None:
    """The line as kept (spaces folded), or None when it is not one usable line."""
    line = " ".join(text.split())
    if not line or len(line) > MAX_SIGNATURE_LINE or "\n" in text.strip():
        return None
    return line
