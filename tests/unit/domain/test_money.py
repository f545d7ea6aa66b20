"""Money as integer cents: parsing what a therapist types, formatting what is shown,
and the ledger's arithmetic adding up to the cent whatever happens (property test)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from therapynotes.billing_errors import (
    AmountTooLarge,
    InvalidAmount,
    NegativeAmount,
    TooManyDecimals,
)
from therapynotes.domain.billing import (
    Allocation,
    Entry,
    EntryKind,
    Ledger,
    settle,
)
from therapynotes.domain.money import format_amount, format_money, format_plain, parse_amount


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("150", 15000),
        ("150.00", 15000),
        ("150.5", 15050),
        ("1,250.50", 125050),
        (" $1,250.50 ", 125050),
        ("0.01", 1),
        ("12,345,678.90", 1234567890),
        ("0", 0),
    ],
)
def test_parse_accepts_what_people_type(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("-5", NegativeAmount),
        ("$-5", NegativeAmount),
        ("(5.00)", NegativeAmount),
        ("1.005", TooManyDecimals),
        ("150.000", TooManyDecimals),
        ("abc", InvalidAmount),
        ("", InvalidAmount),
        ("1,25.00", InvalidAmount),
        ("1.2.3", InvalidAmount),
        ("1e3", InvalidAmount),
        ("١٢٣", InvalidAmount),
        ("nan", InvalidAmount),
        ("100000000.00", AmountTooLarge),
    ],
)
def test_parse_refuses_with_a_clear_message(text: str, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        parse_amount(text)
    assert text.strip() not in str(caught.value) or not text.strip()


def test_formats() -> None:
    assert format_plain(125050) == "1250.50"
    assert format_plain(-2000) == "-20.00"
    assert format_plain(7) == "0.07"
    assert format_amount(125050) == "1,250.50"
    assert format_money(125050, "USD") == "$1,250.50"
    assert format_money(-2000, "USD") == "-$20.00"
    assert format_money(99, "EUR") == "0.99 EUR"


@given(st.integers(min_value=0, max_value=99_999_999_99))
def test_format_then_parse_is_exact(cents: int) -> None:
    assert parse_amount(format_plain(cents)) == cents
    assert parse_amount(format_amount(cents)) == cents


# --- the ledger's arithmetic ---------------------------------------------------------

_cents = st.integers(min_value=1, max_value=500_00)
_step = st.one_of(
    st.tuples(st.just("charge"), _cents),
    st.tuples(st.just("pay"), _cents),
    st.tuples(st.just("adjust"), st.integers(min_value=-200_00, max_value=200_00)),
    st.tuples(st.just("write_off"), _cents),
    st.tuples(st.just("refund"), _cents),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=50)),
)


def _play(steps: list[tuple[str, int]]) -> Ledger:
    """What BillingService does, on plain lists: each step kept within the rules the
    service enforces (no write-off past what is open, refunds only from credit)."""
    entries: list[Entry] = []
    allocations: list[Allocation] = []

    def book() -> Ledger:
        return Ledger(tuple(entries), tuple(allocations))

    def add(kind: EntryKind, amount: int, applies_to: int | None = None) -> None:
        entries.append(
            Entry(
                len(entries) + 1,
                1,
                kind,
                f"2026-01-{len(entries) % 28 + 1:02d}",
                amount,
                session_id=1 if kind is EntryKind.CHARGE else None,
                applies_to=applies_to,
            )
        )

    for op, value in steps:
        now = book()
        live = [c for c in now.charges() if not c.reversed]
        if op == "charge":
            add(EntryKind.CHARGE, value)
        elif op == "pay":
            add(EntryKind.PAYMENT, -value)
        elif op == "adjust" and live and value:
            target = live[value % len(live)]
            if value > 0 or -value <= target.open:
                add(EntryKind.ADJUSTMENT, value, target.entry.id)
        elif op == "write_off" and live:
            target = live[value % len(live)]
            if 0 < value <= target.open:
                add(EntryKind.WRITE_OFF, -value, target.entry.id)
        elif op == "refund":
            credit = now.unapplied()
            if credit:
                payment_id, rest = next(iter(credit.items()))
                add(EntryKind.REFUND, min(rest, value), payment_id)
        elif op == "reverse" and entries:
            gone = now.reversed_ids
            target_entry = entries[value % len(entries)]
            if target_entry.kind is EntryKind.REVERSAL or target_entry.id in gone:
                continue
            follow = {
                EntryKind.CHARGE: (EntryKind.ADJUSTMENT, EntryKind.WRITE_OFF),
                EntryKind.PAYMENT: (EntryKind.REFUND,),
            }.get(target_entry.kind, ())
            for e in [
                x
                for x in entries
                if x.kind in follow and x.applies_to == target_entry.id and x.id not in gone
            ]:
                add(EntryKind.REVERSAL, -e.amount, e.id)
            add(EntryKind.REVERSAL, -target_entry.amount, target_entry.id)
        now = book()
        allocations.extend(settle(now))
    return book()


@settings(max_examples=300, deadline=None)
@given(st.lists(_step, max_size=40))
def test_balances_add_up_to_the_cent(steps: list[tuple[str, int]]) -> None:
    book = _play(steps)
    charges = book.charges()
    open_total = sum(c.open for c in charges)
    credit = sum(book.unapplied().values())
    # What is owed = what the charges still ask - the credit no charge took.
    assert book.balance == open_total - credit
    # Never both owing on a charge and holding unapplied credit: credit is applied.
    assert open_total == 0 or credit == 0
    # No charge paid past what it asks, no payment applied past what it paid.
    for line in charges:
        if not line.reversed:
            assert 0 <= line.paid <= line.amount
    gone = book.reversed_ids
    for payment in (e for e in book.entries if e.kind is EntryKind.PAYMENT):
        applied = sum(
            a.amount
            for a in book.allocations
            if a.payment_id == payment.id and a.charge_id not in gone
        )
        if payment.id not in gone:
            assert 0 <= applied <= -payment.amount
    assert all(isinstance(e.amount, int) for e in book.entries)
