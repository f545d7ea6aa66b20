"""Counts and dates read the same on every screen (issue 12: "1 clients, 1 sessions";
"04 Dec 2026" beside "4 Dec 2026" and "2026-12-04")."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from therapynotes.domain import formatting
from therapynotes.domain.formatting import plural

SRC = Path(__file__).resolve().parents[3] / "src" / "therapynotes"


@pytest.mark.parametrize(
    ("count", "word", "expected"),
    [
        (0, "client", "0 clients"),
        (1, "client", "1 client"),
        (2, "session", "2 sessions"),
        (1, "addendum", "1 addendum"),
        (3, "addendum", "3 addenda"),
        (2, "diagnosis", "2 diagnoses"),
        (1200, "note", "1,200 notes"),
        (2, "psychotherapy note", "2 psychotherapy notes"),
    ],
)
def test_plural(count: int, word: str, expected: str) -> None:
    assert plural(count, word) == expected


def test_dates_read_alike() -> None:
    assert formatting.day("2026-12-04") == "4 Dec 2026"
    assert formatting.day(date(2026, 12, 4)) == "4 Dec 2026"
    assert formatting.day(None) == ""
    noon = datetime(2026, 12, 4, 12, 2, tzinfo=UTC)
    local = formatting.day_time(noon)
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}", local)
    assert formatting.timestamp(noon.timestamp()) == local
    assert formatting.instant("2026-12-04T12:02:00Z") == local
    assert local.startswith(formatting.day(noon.astimezone().date()))


_DATE_FORMATS = re.compile(r"strftime\(|%[dbYHM]\b|yyyy|MMM")
_HAND_PLURALS = re.compile(r"""['"]s['"] if |\(s\)|addend\{""")


def _lines(folder: str) -> list[tuple[str, int, str]]:
    found = []
    for path in sorted((SRC / folder).rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found.append((str(path.relative_to(SRC)), number, line))
    return found


def test_screens_format_dates_only_through_formatting() -> None:
    """Every screen's dates come from domain/formatting.py (or the cached wrappers in
    ui/records_access.py that call it): no date pattern of its own in ui/."""
    own = [f"{p}:{n}: {line.strip()}" for p, n, line in _lines("ui") if _DATE_FORMATS.search(line)]
    assert own == []


def test_counts_are_said_through_plural() -> None:
    hand_made = [
        f"{p}:{n}: {line.strip()}"
        for folder in ("ui", "cli", "services")
        for p, n, line in _lines(folder)
        if _HAND_PLURALS.search(line)
    ]
    assert hand_made == []
