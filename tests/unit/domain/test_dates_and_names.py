"""How clients are named everywhere, typed dates, and ages."""

from __future__ import annotations

from datetime import date

import pytest

from therapynotes.domain.dates import age_on, parse_typed_date
from therapynotes.domain.models import ClientFields, display_name, name_sort_key


@pytest.mark.parametrize(
    ("legal", "preferred", "shown"),
    [
        ("Alexandra Rivera", "Alex", "Alexandra Rivera (Alex)"),
        ("Alexandra Rivera", "", "Alexandra Rivera"),
        ("Alexandra Rivera", "alexandra", "Alexandra Rivera"),  # says nothing new
        ("Mary Ann Lee", "Mary Ann", "Mary Ann Lee"),
        ("Maryanne Lee", "Mary", "Maryanne Lee (Mary)"),  # a part of a word is not the name
        ("  Ben   Okafor ", " Benny ", "Ben Okafor (Benny)"),
        ("", "Sam", "Sam"),
    ],
)
def test_display_name(legal: str, preferred: str, shown: str) -> None:
    assert display_name(legal, preferred) == shown
    assert ClientFields(legal_name=legal, preferred_name=preferred).display_name == shown


def test_two_clients_with_one_preferred_name_stay_apart() -> None:
    a = display_name("Alexandra Rivera", "Alex")
    b = display_name("Alexander Stone", "Alex")
    assert a != b and "Alex" in a and "Alex" in b


def test_sorted_by_what_is_shown() -> None:
    shown = ["bea Jones", "Adam Smith (Zed)", "Bea Jones", "adam Ng"]
    assert sorted(shown, key=name_sort_key) == [
        "adam Ng",
        "Adam Smith (Zed)",
        "Bea Jones",
        "bea Jones",
    ]


@pytest.mark.parametrize(
    "typed",
    [
        "14 Mar 1985",
        "14 March 1985",
        "14 mar. 1985",
        "14th March 1985",
        "March 14, 1985",
        "Mar 14 1985",
        "1985-03-14",
        "1985-3-14",
        "14/03/1985",
        "14.03.1985",
        "  14   Mar   1985  ",
    ],
)
def test_typed_dates(typed: str) -> None:
    assert parse_typed_date(typed) == date(1985, 3, 14)


def test_numeric_dates_follow_the_locale_where_ambiguous() -> None:
    assert parse_typed_date("03/04/1985", month_first=True) == date(1985, 3, 4)
    assert parse_typed_date("03/04/1985", month_first=False) == date(1985, 4, 3)
    # where one number is over 12 it can only be the day, whatever the locale
    assert parse_typed_date("03/14/1985", month_first=False) == date(1985, 3, 14)
    assert parse_typed_date("14/03/1985", month_first=True) == date(1985, 3, 14)


def test_locale_month_names() -> None:
    assert parse_typed_date("14 mars 1985", month_names={"mars": 3}) == date(1985, 3, 14)


@pytest.mark.parametrize(
    "typed",
    ["", "14 Mar", "14 Mar 85", "14 Mar 198", "31 Feb 1985", "1985-13-01", "Smarch 3 1985", "x"],
)
def test_not_whole_dates(typed: str) -> None:
    assert parse_typed_date(typed) is None


def test_age() -> None:
    assert age_on("1985-03-14", date(2026, 3, 13)) == 40
    assert age_on("1985-03-14", date(2026, 3, 14)) == 41
    assert age_on("2000-02-29", date(2026, 2, 28)) == 25
    assert age_on("2030-01-01", date(2026, 1, 1)) is None
    assert age_on("not a date", date(2026, 1, 1)) is None
