"""Errors of the clinical record. As in therapynotes.errors, each docstring is the
message shown to the user; none ever carries record content (names, note text)."""

from __future__ import annotations

from therapynotes.errors import InputError, TherapyNotesError


class RecordNotFound(TherapyNotesError):
    """That record does not exist (it may have been removed). Refresh and try again."""


class ClientNotFound(RecordNotFound):
    """No client has that id. List clients with `therapynotes clients --all`."""


class SessionNotFound(RecordNotFound):
    """That session does not exist."""


class DiagnosisNotFound(RecordNotFound):
    """That diagnosis does not exist (it may have been removed). Refresh and try again."""


class NoteNotFound(RecordNotFound):
    """That note does not exist."""


class AttachmentNotFound(RecordNotFound):
    """That attachment does not exist."""


class NoteSigned(TherapyNotesError):
    """This note is signed and can no longer be changed. Add a signed addendum instead."""


class NoteNotSigned(TherapyNotesError):
    """Only a signed note can be amended or voided. Edit or discard the draft instead."""


class NoteEmpty(TherapyNotesError):
    """This note is empty. Write something before signing it."""


class DuplicateNote(TherapyNotesError):
    """This client already has a note for that session. Open it instead of starting a new
    one."""


class NotAParticipant(TherapyNotesError):
    """That client did not take part in this session, so the note cannot be filed there."""


class NotInSession(TherapyNotesError):
    """That client is not listed in this session, so their attendance cannot be set there.
    Refresh the chart and try again."""


class DiagnosisResolved(TherapyNotesError):
    """This diagnosis is already marked resolved. If it has come back, add it again as a
    new diagnosis."""


class ResolvedNotPrimary(TherapyNotesError):
    """A resolved diagnosis cannot be the primary one. Choose a current diagnosis."""


class ResolvedBeforeOnset(InputError):
    """The resolved date is before the diagnosis's onset date. Choose the onset date or a
    later day."""


class DateInFuture(InputError):
    """That date is in the future. Choose today or an earlier day."""


class UnknownTemplate(InputError):
    """There is no note template by that name."""


class SectionsMismatch(InputError):
    """The note has sections its template does not know. Nothing was saved."""


class UnknownServiceCode(InputError):
    """That is not a service (CPT) code TherapyNotes knows."""


class UnknownDiagnosisCode(InputError):
    """That is not a billable ICD-10-CM code. Search by name or by the code's first
    letters to find the right one."""


class InvalidRecord(InputError):
    """Some of the details are not valid (for example an end time before the start, or a
    discharge without a discharge date). Nothing was saved."""


class VoidReasonRequired(InputError):
    """Give a reason for voiding the note (for example: written in the wrong chart)."""


class AttachmentTooLarge(TherapyNotesError):
    """That file is larger than the attachment limit. Scan it at a lower resolution or
    split it, or raise the limit in Settings."""


class AttachmentCorrupt(TherapyNotesError):
    """That attachment is damaged (its checksum no longer matches). Restore the vault from
    a backup to get it back."""


class DemoNeedsEmptyVault(TherapyNotesError):
    """Demo data goes only into a new, empty vault. Nothing was changed."""


# --- outcome measures (domain/measures.py, services/measures.py) ----------------------


class UnknownInstrument(InputError):
    """That measure is not known. The measures are PHQ-9, GAD-7 and PCL-5."""


class InvalidAnswers(InputError):
    """Every item needs one answer from its scale. Check the answers and try again."""


class MeasureNotFound(RecordNotFound):
    """That measure does not exist (it may have been removed). Refresh and try again."""


class RiskAlreadyAddressed(TherapyNotesError):
    """This safety flag has already been marked as addressed."""


class RiskNoteEmpty(InputError):
    """Write a short note of how the risk was addressed before clearing the flag."""


# --- review and co-signing (issue 17 phase B) ---------------------------------------


class NotCosignable(TherapyNotesError):
    """Only a signed note can be co-signed: not a draft, a voided note or a psychotherapy
    note."""


class AlreadyCosigned(TherapyNotesError):
    """You have already co-signed this note. A note is co-signed once by each supervisor."""


class SignatureLineMissing(InputError):
    """Set your signing line first (your name and credentials as they should appear under
    a co-signed note), then co-sign."""


class SignatureLineInvalid(InputError):
    """A signing line is one line of up to 200 characters, for example "Dr. R. Lee, PhD,
    licensed psychologist #12345"."""


class CommentEmpty(InputError):
    """The comment is empty. Type the comment, then add it."""
