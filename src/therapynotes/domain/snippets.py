"""Text snippets: a trigger ("mse", typed as "/mse") and a body with placeholders to tab
through, written `{{label}}` ("Mood {{mood}}, affect {{affect}}."). Pure: no Qt, no
database."""

from __future__ import annotations

import re
from dataclasses import dataclass

TRIGGER = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
PLACEHOLDER = re.compile(r"\{\{([^{}\n]{1,80})\}\}")
MAX_BODY = 20_000


@dataclass(frozen=True)
class Snippet:
    trigger: str
    body: str
    id: int | None = None


@dataclass(frozen=True)
class Expansion:
    text: str  # the body with each placeholder shown as its label
    fields: tuple[tuple[int, int], ...]  # (start, length) of each label in `text`


def expand(body: str) -> Expansion:
    """'Mood {{mood}}.' -> text 'Mood mood.', fields ((5, 4),)."""
    parts: list[str] = []
    fields: list[tuple[int, int]] = []
    at = 0
    length = 0
    for match in PLACEHOLDER.finditer(body):
        before = body[at : match.start()]
        parts.append(before)
        length += len(before)
        label = match.group(1).strip() or "…"
        fields.append((length, len(label)))
        parts.append(label)
        length += len(label)
        at = match.end()
    parts.append(body[at:])
    return Expansion("".join(parts), tuple(fields))
