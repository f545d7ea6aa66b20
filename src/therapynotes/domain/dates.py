"""Calendar dates as people type them, and ages. Pure Python: the date fields of the
desktop app (ui/widgets.py DateField) parse with `parse_typed_date`.

Must not import: PySide6, therapynotes.store, therapynotes.services.
"""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([^\W\d_]+)\.?,?\s+(\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_typed_date(
    text: str, *, month_first: bool = False, month_names: dict[str, int] | None = None
) -> date | None:
    """'14 Mar 1985', '14 March 1985', 'March 14, 1985', '1985-03-14', '14/03/1985' or
    '03/14/1985' -> the date; None when it is not a whole date. Years have four digits
    (so a half-typed year never passes for a whole one). In 'a/b/yyyy' the day comes
    first unless `month_first` (the computer's locale writes the month first, as in
    the US); where one number is over 12 it can only be the day. `month_names` adds
    the locale's own month names (lower case) to the English ones."""
    cleaned = " ".join(text.strip().lower().split())
    names = {**MONTHS, **(month_names or {})}
    if match := _ISO.fullmatch(cleaned):
        year, month, day = (int(g) for g in match.groups())
        return _make(year, month, day)
    if match := _NUMERIC.fullmatch(cleaned):
        first, second, year = (int(g) for g in match.groups())
        if first > 12 or (not month_first and second <= 12):  # noqa: PLR2004 - months
            return _make(year, second, first)
        return _make(year, first, second)
    if match := _DAY_MONTH_YEAR.fullmatch(cleaned):
        day_text, month_text, year_text = match.groups()
        if month_text in names:
            return _make(int(year_text), names[month_text], int(day_text))
    if match := _MONTH_DAY_YEAR.fullmatch(cleaned):
        month_text, day_text, year_text = match.groups()
        if month_text in names:
            return _make(int(year_text), names[month_text], int(day_text))
    return None


def age_on(date_of_birth: str, today: date) -> int | None:
    """Whole years from an ISO date of birth to `today`; None for no or a future date."""
    try:
        born = date.fromisoformat(date_of_birth[:10])
    except ValueError:
        return None
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return years if years >= 0 else None
