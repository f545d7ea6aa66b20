"""Backup and restore failures. Each docstring is the message the user sees.

Messages never carry record content or secrets; `detail` holds only facts we chose
(an error kind, a byte offset, a file name we generated).
"""

from __future__ import annotations

import errno

from therapynotes.errors import TherapyNotesError


class BackupError(TherapyNotesError):
    """The backup could not be completed. Your vault and earlier backups are unchanged."""


class BackupCorrupt(BackupError):
    """This backup file is damaged or has been changed, so it cannot be trusted or restored.
    Use another backup file."""


class BackupTooNew(BackupError):
    """This backup file was made by a newer version of TherapyNotes. Update the app to open
    it."""


class NotABackup(BackupError):
    """This is not a TherapyNotes backup file (.tnbackup)."""


class BackupWrongKey(BackupError):
    """That passphrase or recovery key does not open this backup file. Backups open with the
    passphrase that was in use when they were made, or with the vault's recovery key."""


class BackupNotFound(BackupError):
    """That backup file was not found. Check the drive is connected and the name is right."""


class BackupDriveMissing(BackupError):
    """The backup folder is not available (is the drive connected?). No backup was written;
    earlier backups are unchanged."""


class BackupDiskFull(BackupError):
    """The backup drive is full. No backup was written; free some space or use another
    drive. Earlier backups are unchanged."""


class BackupReadOnly(BackupError):
    """The backup folder cannot be written to (read-only drive or no permission). No backup
    was written; earlier backups are unchanged."""


class BackupDriveFailed(BackupError):
    """The backup drive reported an error while writing. No backup was written; check the
    drive and try again. Earlier backups are unchanged."""


class BackupCancelled(BackupError):
    """The backup was cancelled. No backup was written; earlier backups are unchanged."""


class BackupNeedsVault(BackupError):
    """The vault must be unlocked to make a backup."""


class RestoreTargetBusy(BackupError):
    """The vault you are restoring over is open in TherapyNotes. Close it and try again."""


def from_os_error(exc: OSError) -> BackupError:
    """Map an OS failure on the backup drive to the message that tells the user what to do."""
    code = exc.errno
    kind = errno.errorcode.get(code or 0, type(exc).__name__)
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return BackupDiskFull(kind)
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return BackupReadOnly(kind)
    if code in (errno.ENOENT, errno.ENOTDIR, errno.ENODEV, errno.ENXIO, errno.ESTALE):
        return BackupDriveMissing(kind)
    return BackupDriveFailed(kind)
