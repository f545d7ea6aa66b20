"""Errors of billing (fees, the ledger, practice details, billing documents). As in
therapynotes.errors, each docstring is the message shown to the user (one line in the
CLI); none carries the value typed or any record content."""

from __future__ import annotations

from therapynotes.errors import InputError


class InvalidAmount(InputError):
    """That amount is not valid: type it as 150, 150.00 or 1,250.50. Nothing was changed."""


class NegativeAmount(InputError):
    """Amounts cannot be negative: record a refund or a correction instead. Nothing was
    changed."""


class TooManyDecimals(InputError):
    """Amounts have at most two decimals (cents). Nothing was changed."""


class AmountTooLarge(InputError):
    """That amount is larger than TherapyNotes accepts (99,999,999.99). Nothing was
    changed."""


class ZeroAmount(InputError):
    """The amount must be more than zero. Nothing was changed."""


class InvalidTaxId(InputError):
    """The tax id must be an EIN (12-3456789) or an SSN-style number (123-45-6789).
    Nothing was changed."""


class InvalidPlaceOfService(InputError):
    """The place of service must be 11 (office), 10 (telehealth in the client's home) or
    02 (telehealth elsewhere). Nothing was changed."""


class InvalidPractice(InputError):
    """Please give the practice a name (each field at most 200 characters; the address at
    most 1,000). Nothing was changed."""


class InvalidServiceCode(InputError):
    """The service code must be a 5-digit CPT code (such as 90834), late-cancel or no-show.
    Nothing was changed."""


class InvalidPaymentMethod(InputError):
    """The payment method must be cash, cheque, card, transfer, insurance or other.
    Nothing was changed."""


class InvalidBillingDate(InputError):
    """Dates are written YYYY-MM-DD (such as 2026-03-14), and a range must not end before
    it starts. Nothing was changed."""


class InvalidReason(InputError):
    """Please give a reason (at most 500 characters). Nothing was changed."""


class EntryNotFound(InputError):
    """There is no such ledger entry for this client. Nothing was changed."""


class EntryAlreadyReversed(InputError):
    """That entry has already been reversed. Nothing was changed."""


class OverAllocated(InputError):
    """A payment cannot be applied to more than it pays, nor to more than a charge still
    owes. Nothing was changed."""


class InvalidSessionCount(InputError):
    """The number of sessions must be a whole number from 1 to 520. Nothing was changed."""


class NoFee(InputError):
    """There is no fee for that service code on that date: set one with `billing fees
    set` or in Billing → Fees. Nothing was changed."""


class InvalidRetention(InputError):
    """The financial retention period is a whole number of years from 1 to 100. Nothing
    was changed."""
