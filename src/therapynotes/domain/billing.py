"""Billing vocabulary and the ledger's arithmetic, pure (no database).

The ledger is append-only: charges, adjustments, write-offs, payments and refunds are
never edited; a correction is a `reversal` entry whose amount is the negation of the
entry it reverses. Every entry's `amount` is signed cents by its effect on what the
client owes: a charge or refund is positive, a payment or write-off negative, an
adjustment either. So a client's balance is the plain sum of their entries (negative:
a credit). Payments are applied to charges through allocations; a charge's `paid` is
the sum of the allocations of payments not reversed, and a payment's unapplied rest is
the client's credit.

Practice details: a tax id shaped as an EIN (12-3456789) or an SSN (123-45-6789); the
practice's (type 2) NPI, optional, checked like the clinician's (domain/profile.py);
the default place of service (CMS POS codes 11, 10, 02).

Must not import PySide6, the store or the services.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from therapynotes.billing_errors import (
    InvalidPaymentMethod,
    InvalidPlaceOfService,
    InvalidPractice,
    InvalidServiceCode,
    InvalidTaxId,
)
from therapynotes.domain.profile import is_valid_npi
from therapynotes.profile_errors import InvalidNpi

MAX_FIELD = 200
MAX_ADDRESS = 1_000
LATE_CANCEL = "late_cancel"
NO_SHOW = "no_show"
PLACES_OF_SERVICE = {
    "11": "Office",
    "10": "Telehealth in the patient's home",
    "02": "Telehealth other than the patient's home",
}
_EIN = re.compile(r"[0-9]{2}-[0-9]{7}")
_SSN = re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{4}")
_CPT = re.compile(r"[0-9]{5}")


class EntryKind(StrEnum):
    CHARGE = "charge"
    ADJUSTMENT = "adjustment"
    WRITE_OFF = "write_off"
    PAYMENT = "payment"
    REFUND = "refund"
    REVERSAL = "reversal"


class PaymentMethod(StrEnum):
    CASH = "cash"
    CHEQUE = "cheque"
    CARD = "card"
    TRANSFER = "transfer"
    INSURANCE = "insurance"
    OTHER = "other"


def payment_method(text: str) -> PaymentMethod:
    word = text.strip().lower()
    word = "cheque" if word == "check" else word
    try:
        return PaymentMethod(word)
    except ValueError:
        raise InvalidPaymentMethod from None


def fee_code(text: str) -> str:
    """'90834' as is; 'late-cancel' / 'no-show' (any case, - or _) as stored."""
    word = text.strip().lower().replace("-", "_")
    if _CPT.fullmatch(word) or word in (LATE_CANCEL, NO_SHOW):
        return word
    raise InvalidServiceCode


def fee_code_label(code: str) -> str:
    return {LATE_CANCEL: "late-cancel", NO_SHOW: "no-show"}.get(code, code)


@dataclass(frozen=True)
class Practice:
    name: str
    address: str = ""
    phone: str = ""
    tax_id: str = ""
    npi: str = ""  # the practice's own (type 2) NPI; the clinician's is in the profile
    place_of_service: str = "11"

    def validated(self) -> Practice:
        name, phone = (" ".join(v.split()) for v in (self.name, self.phone))
        address = "\n".join(" ".join(line.split()) for line in self.address.strip().splitlines())
        if not name or len(name) > MAX_FIELD or len(phone) > MAX_FIELD:
            raise InvalidPractice
        if len(address) > MAX_ADDRESS:
            raise InvalidPractice
        tax_id = self.tax_id.strip()
        if tax_id and not (_EIN.fullmatch(tax_id) or _SSN.fullmatch(tax_id)):
            raise InvalidTaxId
        npi = "".join(self.npi.split())
        if npi and not is_valid_npi(npi):
            raise InvalidNpi
        if self.place_of_service not in PLACES_OF_SERVICE:
            raise InvalidPlaceOfService
        return replace(self, name=name, address=address, phone=phone, tax_id=tax_id, npi=npi)


@dataclass(frozen=True)
class Entry:
    id: int
    client_id: int
    kind: EntryKind
    entry_date: str
    amount: int  # signed cents: + owed more, - owed less
    session_id: int | None = None
    service_code: str = ""
    method: str = ""
    reference: str = ""
    reason: str = ""
    applies_to: int | None = None  # adjustment/write-off: the charge; refund: the
    # payment; reversal: the entry reversed


@dataclass(frozen=True)
class Allocation:
    payment_id: int
    charge_id: int
    amount: int  # cents; negative: released again (the charge came to ask less)


@dataclass(frozen=True)
class ChargeLine:
    entry: Entry
    amount: int  # charge after adjustments and write-offs
    paid: int
    written_off: int
    reversed: bool

    @property
    def open(self) -> int:
        return 0 if self.reversed else self.amount - self.paid

    @property
    def status(self) -> str:
        if self.reversed:
            return "reversed"
        if self.open <= 0:
            return "written off" if self.paid == 0 and self.written_off else "paid"
        return "partly paid" if self.paid else "open"


@dataclass(frozen=True)
class Ledger:
    entries: tuple[Entry, ...]
    allocations: tuple[Allocation, ...]

    @property
    def reversed_ids(self) -> frozenset[int]:
        return frozenset(
            e.applies_to
            for e in self.entries
            if e.kind is EntryKind.REVERSAL and e.applies_to is not None
        )

    @property
    def balance(self) -> int:
        return sum(e.amount for e in self.entries)

    def charges(self) -> list[ChargeLine]:
        """Every charge, oldest first (date of service, then entry id)."""
        gone = self.reversed_ids
        paid: dict[int, int] = {}
        for a in self.allocations:
            if a.payment_id not in gone:
                paid[a.charge_id] = paid.get(a.charge_id, 0) + a.amount
        changes: dict[int, int] = {}
        written: dict[int, int] = {}
        for e in self.entries:
            if e.kind in (EntryKind.ADJUSTMENT, EntryKind.WRITE_OFF) and e.id not in gone:
                target = e.applies_to or 0
                changes[target] = changes.get(target, 0) + e.amount
                if e.kind is EntryKind.WRITE_OFF:
                    written[target] = written.get(target, 0) - e.amount
        lines = [
            ChargeLine(
                e,
                e.amount + changes.get(e.id, 0),
                paid.get(e.id, 0),
                written.get(e.id, 0),
                e.id in gone,
            )
            for e in self.entries
            if e.kind is EntryKind.CHARGE
        ]
        return sorted(lines, key=lambda c: (c.entry.entry_date, c.entry.id))

    def unapplied(self) -> dict[int, int]:
        """Payment id -> the part of it neither applied to a live charge nor refunded
        (payments not reversed, oldest first). balance == sum of open - sum of this."""
        gone = self.reversed_ids
        charges = {e.id for e in self.entries if e.kind is EntryKind.CHARGE and e.id not in gone}
        used: dict[int, int] = {}
        for a in self.allocations:
            if a.charge_id in charges:
                used[a.payment_id] = used.get(a.payment_id, 0) + a.amount
        for e in self.entries:
            if e.kind is EntryKind.REFUND and e.id not in gone and e.applies_to is not None:
                used[e.applies_to] = used.get(e.applies_to, 0) + e.amount
        payments = sorted(
            (e for e in self.entries if e.kind is EntryKind.PAYMENT and e.id not in gone),
            key=lambda e: (e.entry_date, e.id),
        )
        rest = {p.id: -p.amount - used.get(p.id, 0) for p in payments}
        return {k: v for k, v in rest.items() if v > 0}


def oldest_first(payments: dict[int, int], charges: Sequence[ChargeLine]) -> list[Allocation]:
    """Apply each payment's unapplied rest (in the order given) to the open charges,
    oldest first. Pure: the allocations to record."""
    owed = [[c.entry.id, c.open] for c in charges if c.open > 0]
    made: list[Allocation] = []
    for payment_id, unapplied in payments.items():
        rest = unapplied
        for slot in owed:
            if rest <= 0:
                break
            take = min(rest, slot[1])
            if take > 0:
                made.append(Allocation(payment_id, slot[0], take))
                slot[1] -= take
                rest -= take
    return made


def release_overpaid(book: Ledger) -> list[Allocation]:
    """Where a charge now asks less than was applied to it (an upward adjustment was
    reversed), the excess goes back to its payments, newest first, to become credit."""
    gone = book.reversed_ids
    made: list[Allocation] = []
    for line in book.charges():
        excess = line.paid - line.amount
        if line.reversed or excess <= 0:
            continue
        net: dict[int, int] = {}
        for a in book.allocations:
            if a.charge_id == line.entry.id and a.payment_id not in gone:
                net[a.payment_id] = net.get(a.payment_id, 0) + a.amount
        for payment_id in sorted(net, reverse=True):
            take = min(net[payment_id], excess)
            if take > 0:
                made.append(Allocation(payment_id, line.entry.id, -take))
                excess -= take
    return made


def settle(book: Ledger) -> list[Allocation]:
    """The allocations that bring a ledger back to rest: overpaid charges released, then
    every unapplied payment applied to the open charges, oldest first."""
    released = release_overpaid(book)
    if released:
        book = Ledger(book.entries, (*book.allocations, *released))
    return [*released, *oldest_first(book.unapplied(), book.charges())]


def total(entries: Iterable[Entry], *kinds: EntryKind) -> int:
    return sum(e.amount for e in entries if e.kind in kinds)
