"""How counts and dates read on screen and in the command line's summaries: one place,
so every screen says "1 client" / "2 clients" and "4 Dec 2026" / "4 Dec 2026 15:02"
alike. Pure functions (no Qt); the UI's date pickers use QT_DATE for the same look."""

from __future__ import annotations

from datetime import UTC, date, datetime

from therapynotes.domain.rules import parse_instant

# The same day as `day()` writes it, for QDateEdit.setDisplayFormat.
QT_DATE = "d MMM yyyy"
# A calendar date passed to the services (not shown): QDate.toString(QT_ISO_DATE).
QT_ISO_DATE = "yyyy-MM-dd"

_IRREGULAR = {"addendum": "addenda", "diagnosis": "diagnoses"}


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 client', '2 clients', '0 clients', '1,200 notes'; `many` for irregular words
    ('addendum' → 'addenda' is known)."""
    if count == 1:
        return f"1 {word}"
    return f"{count:,} {many or _IRREGULAR.get(word) or word + 's'}"


def day(value: str | date | None) -> str:
    """'2026-03-14' (or a date) → '14 Mar 2026'; empty for no date."""
    if not value:
        return ""
    moment = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{moment.day} {moment:%b %Y}"


def month(value: date) -> str:
    """A month as a chart's axis names it: 'Mar 2026' (outcome-measure trends)."""
    return f"{value:%b %Y}"


def day_time(moment: datetime) -> str:
    """An aware datetime → '14 Mar 2026 16:05' in the computer's time zone."""
    local = moment.astimezone()
    return f"{local.day} {local:%b %Y %H:%M}"


def clock(moment: datetime) -> str:
    """An aware datetime → '16:05' in the computer's time zone."""
    return f"{moment.astimezone():%H:%M}"


def instant(value: str) -> str:
    """A stored UTC instant '2026-03-14T15:05:00Z' → '14 Mar 2026 16:05' local."""
    return day_time(parse_instant(value).replace(tzinfo=UTC))


def instant_clock(value: str) -> str:
    """A stored UTC instant → '16:05' local."""
    return clock(parse_instant(value).replace(tzinfo=UTC))


def timestamp(seconds: float) -> str:
    """A POSIX time → '14 Mar 2026 16:05' local."""
    return day_time(datetime.fromtimestamp(seconds, UTC))


# --- the schedule (issue 13): wall-clock times shown in the zone they are given in ----


def wall_clock(moment: datetime) -> str:
    """An aware datetime → '16:05' in its own zone (the schedule's local times)."""
    return f"{moment:%H:%M}"


def weekday(value: date) -> str:
    """'Mon 30': the week view's column heads."""
    return f"{value:%a} {value.day}"


def weekday_clock(moment: datetime) -> str:
    """'Tue 1 08:00' in the moment's own zone: the agenda."""
    return f"{weekday(moment.date())} {wall_clock(moment)}"


def weekday_day_time(moment: datetime) -> str:
    """'Wed 20 Jan 2027 10:00' in the moment's own zone: a chart's next appointment."""
    return f"{moment:%a} {day(moment.date())} {wall_clock(moment)}"


def week_span(monday: date, sunday: date) -> str:
    """'30 Nov – 6 Dec 2026', or '11–17 Jan 2027' within one month."""
    if (monday.year, monday.month) == (sunday.year, sunday.month):
        return f"{monday.day}–{day(sunday)}"
    if monday.year == sunday.year:
        return f"{monday.day} {monday:%b} – {day(sunday)}"
    return f"{day(monday)} – {day(sunday)}"
