"""The one exception root of therapynotes.

Each leaf's docstring is the message shown to the user (CLI and dialogs alike), so it
must say what happened and what to do, in one or two sentences. Exception text never
carries record content or secrets: extra detail goes through `detail`, which callers
fill only with non-sensitive facts (a file name we chose, a count, a number of seconds).

Must not import: PySide6, anything from therapynotes except nothing (this is a leaf).
"""

from __future__ import annotations


class TherapyNotesError(Exception):
    """Something went wrong. Please try again."""

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = " ".join((self.__doc__ or "").split())
        return f"{text} ({self.detail})" if self.detail else text


# --- the vault and its files -------------------------------------------------------


class VaultNotFound(TherapyNotesError):
    """No vault was found here. Create one with `therapynotes init`, or restore one from a
    backup file."""


class VaultExists(TherapyNotesError):
    """A vault already exists here. Nothing was changed."""


class VaultLocked(TherapyNotesError):
    """The vault is locked. Unlock it first."""


class VaultInUse(TherapyNotesError):
    """The vault is already open in another TherapyNotes window or command. Close it there
    and try again."""


class VaultBusy(TherapyNotesError):
    """Your records are busy with another task (most likely a backup). Nothing was
    changed. Wait for it to finish, then try again."""


class KeysFileCorrupt(TherapyNotesError):
    """The vault's key file is damaged or has been changed. Restore it from a backup, or
    restore the whole vault from a backup file."""


class KeysFileTooNew(TherapyNotesError):
    """This vault was made by a newer version of TherapyNotes. Update the app to open it."""


class VaultCorrupt(TherapyNotesError):
    """The vault's data file is damaged. Restore it from your most recent backup."""


class SqlCipherMissing(TherapyNotesError):
    """The encryption library (SQLCipher) is missing, so TherapyNotes refuses to open or
    create any records. Reinstall TherapyNotes."""


class SchemaTooNew(TherapyNotesError):
    """This vault was written by a newer version of TherapyNotes. Update the app to open
    it."""


class StorageError(TherapyNotesError):
    """TherapyNotes could not write to its data folder. Check that the disk is not full and
    that the folder is writable, then try again."""


class DiskFull(StorageError):
    """The disk that holds your vault is full, so TherapyNotes could not open it. Your
    records are not damaged: free some space on that disk (empty the trash, move large
    files elsewhere), then try again."""


# --- unlocking -------------------------------------------------------------------


class WrongPassphrase(TherapyNotesError):
    """That passphrase didn't match. Check Caps Lock and try again."""


class TotpRejected(TherapyNotesError):
    """That code didn't match. Check that your phone's clock is right and enter the
    current 6-digit code from your authenticator app."""


class TotpClockOff(TotpRejected):
    """That code didn't match the time here: your computer's clock or your phone's clock
    looks wrong. Set both to the correct time and time zone, then enter the current
    code."""


class TotpReplayed(TherapyNotesError):
    """That code was already used. Wait for the next code in your authenticator app and
    enter that one."""


class UnknownUser(TherapyNotesError):
    """There is no login with that name in this vault. Check the name and try again."""


class UserExists(TherapyNotesError):
    """A login with that name already exists in this vault. Choose another name."""


class BadUserName(TherapyNotesError):
    """A login name is 1 to 40 letters, digits, spaces, dots, hyphens or underscores,
    starting with a letter or digit. Choose another name."""


class UnknownRole(TherapyNotesError):
    """A login's role is "assistant" or "supervisor". Choose one of them."""


class OwnerMustUpdate(TherapyNotesError):
    """This vault must first be opened by its owner with this version of TherapyNotes (to
    bring it up to date); then your login works."""


class TooManyAttempts(TherapyNotesError):
    """Too many failed attempts. Wait before trying again."""

    def __init__(self, seconds_left: int) -> None:
        self.seconds_left = seconds_left
        super().__init__(f"try again in {seconds_left} s")


class RecoveryKeyTypo(TherapyNotesError):
    """That recovery key has a typing mistake (its check letters don't match). Compare it
    with your Emergency Kit, group by group, and type it again."""


class WrongRecoveryKey(TherapyNotesError):
    """That recovery key is valid but does not belong to this vault. Check that you are
    using the Emergency Kit made for this vault."""


class WeakPassphrase(TherapyNotesError):
    """That passphrase is too weak to protect client records."""  # the reason: the detail


# --- the OS keyring --------------------------------------------------------------


class KeyringUnavailable(TherapyNotesError):
    """No secure system keyring is available on this computer. Start your desktop's
    keyring (for example GNOME Keyring or KWallet), or create the vault in
    passphrase-only mode (less safe: see the security guide)."""


class KeyringIsLocked(TherapyNotesError):
    """The system keyring is locked. Unlock it (usually by logging in to your desktop
    again) and try again."""


class KeyringInsecure(TherapyNotesError):
    """The only keyring available stores secrets without encryption, so TherapyNotes will
    not use it. Start your desktop's keyring, or use passphrase-only mode."""


class DeviceNotBound(TherapyNotesError):
    """This computer is no longer bound to your vault (its keyring entry is missing, for
    example after a new desktop or keyring). Unlock with your recovery key:
    `therapynotes recover --recovery-key-stdin`, or "Use recovery key" in the app."""


# What a new binding to this computer's keyring can fail with; each has a way on without
# a keyring (passphrase-only mode, chosen explicitly).
KEYRING_PROBLEMS = (KeyringUnavailable, KeyringIsLocked, KeyringInsecure)


# --- input -----------------------------------------------------------------------


class InputError(TherapyNotesError):
    """That input is not valid."""


class PassphrasesDiffer(InputError):
    """The two passphrases are not the same. Type the passphrase again in both fields."""


# --- roles (issue 17) ---------------------------------------------------------------


class RoleRefused(TherapyNotesError):
    """This login's role does not allow that. Ask the vault's owner."""

    def __init__(self, role: str, what: str) -> None:
        self.role = str(role)
        self.what = what
        super().__init__()

    @property
    def message(self) -> str:
        if self.role == "owner":
            return f"The owner's login cannot {self.what}."
        article = "An" if self.role[:1].lower() in "aeiou" else "A"
        return f"{article} {self.role}'s login cannot {self.what}."
