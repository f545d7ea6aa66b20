"""Money as integer cents, end to end: parsing what is typed, formatting what is shown.

Never a float. One currency per vault (billing.currency, set once from the locale); the
amounts themselves carry no currency. Parsing accepts "150", "150.00", "1,250.50" (and a
leading currency sign such as "$"), refuses negatives, more than two decimals and
anything else with a clear message (billing_errors). Must not import PySide6, the store
or the services.
"""

from __future__ import annotations

import re

from therapynotes.billing_errors import (
    AmountTooLarge,
    InvalidAmount,
    NegativeAmount,
    TooManyDecimals,
)

MAX_CENTS = 99_999_999_99
_SIGNS = "$€£¥₹"
_PLAIN = re.compile(r"(?P<units>[0-9]+)(?:\.(?P<frac>[0-9]+))?")
_GROUPED = re.compile(r"(?P<units>[0-9]{1,3}(?:,[0-9]{3})+)(?:\.(?P<frac>[0-9]+))?")


def parse_amount(text: str) -> int:
    """'1,250.50' -> 125050. Raises an InputError naming what is wrong."""
    value = "".join(text.split())
    if value.startswith(("-", "(")):
        raise NegativeAmount
    if value[:1] in _SIGNS:
        value = value[1:]
    if value.startswith(("-", "(")):
        raise NegativeAmount
    match = _PLAIN.fullmatch(value) or _GROUPED.fullmatch(value)
    if match is None or not value.isascii():
        raise InvalidAmount
    frac = match.group("frac")
    if frac is not None and len(frac) > 2:
        raise TooManyDecimals
    units = int(match.group("units").replace(",", ""))
    cents = units * 100 + int((frac or "0").ljust(2, "0"))
    if cents > MAX_CENTS:
        raise AmountTooLarge
    return cents


def format_plain(cents: int) -> str:
    """125050 -> '1250.50'; -2000 -> '-20.00' (scripts: the CLI's AMOUNT)."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units}.{rest:02d}"


def format_amount(cents: int) -> str:
    """125050 -> '1,250.50'; -2000 -> '-20.00' (on screen and in documents)."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units:,}.{rest:02d}"


def format_money(cents: int, currency: str) -> str:
    """'$1,250.50' for USD, '1,250.50 EUR' otherwise: unambiguous in any locale."""
    if currency == "USD":
        return f"-${format_amount(-cents)}" if cents < 0 else f"${format_amount(cents)}"
    return f"{format_amount(cents)} {currency}"
