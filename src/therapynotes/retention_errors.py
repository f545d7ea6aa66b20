"""Errors of retention and purge. As in therapynotes.errors, each docstring is the
message shown to the user; none ever carries record content."""

from __future__ import annotations

from therapynotes.errors import InputError, TherapyNotesError


class LegalHoldActive(TherapyNotesError):
    """This client's record is on legal hold, so it cannot be purged. Nothing was
    removed. Release the hold first (`therapynotes hold CLIENT_ID --release`)."""


class InvalidRetentionPolicy(InputError):
    """Retention settings must be 1 to 100 years after last service, an age of majority
    of 1 to 30, and 0 to 100 years after majority. Nothing was changed."""


class RetentionDateNotReached(TherapyNotesError):
    """This client's record must be kept until its retention date, so nothing was
    removed. To destroy it earlier anyway, confirm the early purge and give the reason
    (`therapynotes purge CLIENT_ID --confirm --before-retention-date "REASON"`)."""


class PurgeReasonMissing(InputError):
    """Purging before the retention date needs a reason of a few words (at most 500
    characters, without the client's name: it stays in the audit log). Nothing was
    removed."""


class HoldReasonInvalid(InputError):
    """A legal hold's reason must be a few words (at most 500 characters, without the
    client's name: it stays in the audit log). Nothing was changed."""
