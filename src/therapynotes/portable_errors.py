"""Errors of the portable JSON export and import. Each docstring is the message shown
to the user; the detail names where in the file (e.g. `notes[3].body`), never a value."""

from __future__ import annotations

from therapynotes.errors import TherapyNotesError


class ImportRefused(TherapyNotesError):
    """The export was not imported and nothing was changed"""


class VaultNotEmpty(TherapyNotesError):
    """Import works only into a new or empty vault, and this one already holds records.
    Nothing was changed. Create a new vault and import there."""


class ExportTargetNotEmpty(TherapyNotesError):
    """The export folder is not empty. Choose an empty or new folder, or pass --force to
    write into it anyway. Nothing was written."""


class ExportTargetInvalid(TherapyNotesError):
    """The export folder cannot be used (it is a file or a symbolic link, or holds a
    folder or link where the export puts a file). Nothing was written."""


class ExportFailed(TherapyNotesError):
    """The export could not be written, and nothing of it was left behind (no file, no
    partial export). Choose a folder you can write to, with free space, and try
    again."""
