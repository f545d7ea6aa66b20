"""Errors of the schedule. As in therapynotes.errors, each docstring is the message shown
to the user; none ever carries record content (names, memos): `detail` holds at most a
local time or a count."""

from __future__ import annotations

from therapynotes.errors import TherapyNotesError
from therapynotes.records_errors import RecordNotFound


class AppointmentNotFound(RecordNotFound):
    """No appointment has that id. List them with `therapynotes appointments list`."""


class DoubleBooked(TherapyNotesError):
    """That time overlaps another appointment. Choose another time, or book it anyway
    (--allow-overlap)."""


class AlreadyHappened(TherapyNotesError):
    """This appointment has already taken place and is in the session log, so its time
    cannot change. Mark what happened instead."""


class NotASeries(TherapyNotesError):
    """This appointment is not part of a repeating series. Change it on its own."""


class SeriesStatus(TherapyNotesError):
    """Only a cancellation applies to the rest of a series. Mark what happened one
    appointment at a time."""
