"""Pure retention rules: when a client's record may be destroyed.

A record is kept until the later of
- the last date of service plus the retention period (default 7 years), and
- the day the client reaches the age of majority (default 18) plus the period after
  majority (default 3 years) -- which only matters for clients seen as minors.
A legal hold keeps the record regardless. Dates are ISO 'YYYY-MM-DD' strings.

Must not import PySide6, the store or the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DEFAULT_YEARS = 7
DEFAULT_AGE_OF_MAJORITY = 18
DEFAULT_MINOR_YEARS = 3

MAX_YEARS = 100


@dataclass(frozen=True)
class RecordRetentionPolicy:
    years: int = DEFAULT_YEARS
    age_of_majority: int = DEFAULT_AGE_OF_MAJORITY
    minor_years: int = DEFAULT_MINOR_YEARS

    def is_valid(self) -> bool:
        return (
            1 <= self.years <= MAX_YEARS
            and 1 <= self.age_of_majority <= 30
            and 0 <= self.minor_years <= MAX_YEARS
        )


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 1 March in common years (keeping
    a record a day longer is harmless, a day shorter is not)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def retention_date(
    *, last_service: date, date_of_birth: date | None, policy: RecordRetentionPolicy
) -> date:
    """The first day the record may be destroyed."""
    after_service = add_years(last_service, policy.years)
    if date_of_birth is None:
        return after_service
    majority = add_years(date_of_birth, policy.age_of_majority)
    return max(after_service, add_years(majority, policy.minor_years))


@dataclass(frozen=True)
class RetentionStatus:
    client_id: int
    last_service: date
    retention_date: date
    on_hold: bool

    def is_due(self, today: date) -> bool:
        """Due for destruction: past its retention date and not on legal hold."""
        return not self.on_hold and self.retention_date <= today
