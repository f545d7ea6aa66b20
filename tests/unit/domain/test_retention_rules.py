"""Retention dates: adults, minors, leap days, policies, holds."""

from __future__ import annotations

from datetime import date

from therapynotes.domain.retention import (
    RecordRetentionPolicy,
    RetentionStatus,
    add_years,
    retention_date,
)

DEFAULT = RecordRetentionPolicy()


def test_adult_seven_years_after_last_service() -> None:
    got = retention_date(
        last_service=date(2020, 5, 17), date_of_birth=date(1980, 1, 1), policy=DEFAULT
    )
    assert got == date(2027, 5, 17)


def test_adult_without_birth_date() -> None:
    got = retention_date(last_service=date(2020, 5, 17), date_of_birth=None, policy=DEFAULT)
    assert got == date(2027, 5, 17)


def test_minor_kept_until_three_years_after_majority_when_later() -> None:
    # Seen at 6 in 2020: majority 2032, + 3 = 2035, later than 2020 + 7 = 2027.
    got = retention_date(
        last_service=date(2020, 5, 17), date_of_birth=date(2014, 9, 2), policy=DEFAULT
    )
    assert got == date(2035, 9, 2)


def test_minor_close_to_majority_uses_the_service_rule() -> None:
    # Seen at 17 in 2020: majority 2021, + 3 = 2024, earlier than 2027.
    got = retention_date(
        last_service=date(2020, 5, 17), date_of_birth=date(2003, 1, 1), policy=DEFAULT
    )
    assert got == date(2027, 5, 17)


def test_policy_is_a_setting() -> None:
    pa = RecordRetentionPolicy(years=5, age_of_majority=21, minor_years=1)
    got = retention_date(last_service=date(2020, 1, 10), date_of_birth=date(2010, 3, 4), policy=pa)
    assert got == date(2032, 3, 4)
    alone = retention_date(last_service=date(2020, 1, 10), date_of_birth=None, policy=pa)
    assert alone == date(2025, 1, 10)


def test_leap_day_moves_later_never_earlier() -> None:
    assert add_years(date(2020, 2, 29), 7) == date(2027, 3, 1)
    assert add_years(date(2020, 2, 29), 4) == date(2024, 2, 29)


def test_hold_is_never_due() -> None:
    past = RetentionStatus(1, date(2000, 1, 1), date(2007, 1, 1), on_hold=False)
    held = RetentionStatus(2, date(2000, 1, 1), date(2007, 1, 1), on_hold=True)
    future = RetentionStatus(3, date(2024, 1, 1), date(2031, 1, 1), on_hold=False)
    today = date(2026, 1, 1)
    assert past.is_due(today)
    assert not held.is_due(today)
    assert not future.is_due(today)
    assert past.is_due(date(2007, 1, 1))


def test_policy_validation() -> None:
    assert DEFAULT.is_valid()
    assert not RecordRetentionPolicy(years=0).is_valid()
    assert not RecordRetentionPolicy(age_of_majority=0).is_valid()
    assert not RecordRetentionPolicy(minor_years=-1).is_valid()
