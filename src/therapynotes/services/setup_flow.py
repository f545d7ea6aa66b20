"""The first-run wizard as a state machine without Qt (Electrum style).

Create branch: choose → passphrase (strength meter, refuse weak, confirmation) → the vault
is created → authenticator enrolment (QR code + key as text; a current code must be
entered before going on; that code also performs the first real unlock, so the code is
checked against the vault itself) → recovery key shown once → the user re-types one group
→ backup folder (may be skipped; a reminder is kept) → done.

Restore branch: choose → restore (file, passphrase or recovery key plus a new passphrase;
the injected `restore_from_file` opens the file) → preview (backup date, counts; nothing
written yet) → restore (verify fully, put the vault in place) → done; the therapist then
unlocks with the passphrase and the same authenticator code. A restore that fails goes
back to the restore step (another file, or passphrase-only), having written nothing.

No usable keyring (none, a plaintext one, or a locked one): both branches can go on in
passphrase-only mode once the therapist has ticked it, after the same explanation
(`keyring_words`) and the same warning (PASSPHRASE_ONLY_WARNING).

Methods marked *slow* run the KDF; the Qt views call them through ui/ops.py. Every other
method is instant. Errors are TherapyNotesError subclasses whose `.message` is shown.

Must not import PySide6.
"""

from __future__ import annotations

import hmac
import io
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import pyotp
import segno

from therapynotes.domain import formatting
from therapynotes.domain.formatting import plural
from therapynotes.errors import (  # PassphrasesDiffer: here since issue 18, still named here
    InputError,
    KeyringInsecure,
    KeyringIsLocked,
    KeyringUnavailable,
    PassphrasesDiffer,
    TherapyNotesError,
    TotpRejected,
)
from therapynotes.security import totp
from therapynotes.security.passphrase import Strength, assess, require_acceptable
from therapynotes.services.portable import PortableService, export_counts
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.services.vault_create import CreatedVault


class Step(StrEnum):
    CHOOSE = "choose"
    PASSPHRASE = "passphrase"
    TOTP = "totp"
    RECOVERY_SHOW = "recovery_show"
    RECOVERY_CHECK = "recovery_check"
    BACKUP_FOLDER = "backup_folder"
    RESTORE = "restore"
    RESTORE_PREVIEW = "restore_preview"
    DONE = "done"


class Mode(StrEnum):
    CREATE = "create"
    RESTORE = "restore"


class RecoveryGroupWrong(InputError):
    """Those letters don't match that group of your recovery key. Go back, look at the key
    again, and check what you wrote down."""


class BackupFolderUnusable(InputError):
    """TherapyNotes can't write to that folder. Choose another folder, or skip this step."""


class RestoreUnavailable(TherapyNotesError):
    """Restoring from a backup file isn't available in this version yet. Create a new vault
    instead, or update TherapyNotes."""


class StepNotAllowed(TherapyNotesError):
    """That step isn't available now. Please go back and try again."""


class NoBackupChosen(InputError):
    """Choose a backup file first."""


@dataclass(frozen=True)
class RestoreRequest:
    """What the backup engine needs to restore a vault on this computer."""

    backup_file: Path
    secret: str  # the backup's passphrase, or the recovery key as typed
    vault: VaultService
    new_passphrase: str | None = None  # set when `secret` is the recovery key
    passphrase_only: bool = False  # no usable keyring here: the passphrase alone protects

    def __repr__(self) -> str:
        return f"<RestoreRequest {self.backup_file.name}>"


class RestorePreview(Protocol):
    @property
    def created_at(self) -> datetime: ...

    @property
    def counts(self) -> dict[str, int]: ...


class PreparedRestore(Protocol):
    """An opened backup file, nothing written yet (services/restore.py)."""

    @property
    def preview(self) -> RestorePreview: ...

    def restore(self, progress: Callable[[str, int, int], None]) -> object: ...

    def close(self) -> None: ...


# The backup engine's entry point: *slow* (Argon2id), opens the file for a preview.
RestoreFromFile = Callable[[RestoreRequest], PreparedRestore]

PASSPHRASE_ONLY_LABEL = "Protect the vault by the passphrase alone (less safe)"
PASSPHRASE_ONLY_WARNING = (
    "Less safe: without the keyring, your passphrase alone protects the records on this "
    "computer, so anyone who gets a copy of its files can try to guess it as fast as their "
    "computer allows. Use a long passphrase and keep the disk encrypted. Once the keyring "
    'works, "Use recovery key" on the unlock screen binds the vault to it.'
)
_KEYRING_WHAT = {
    KeyringUnavailable: "This computer has no system keyring that TherapyNotes can use.",
    KeyringIsLocked: "This computer's keyring is locked.",
    KeyringInsecure: (
        "The only keyring on this computer keeps secrets without encryption, so "
        "TherapyNotes won't use it."
    ),
}
_KEYRING_WHY = (
    "Normally the keyring keeps a secret for this computer that, together with your "
    "passphrase, locks your records, so a copy of the files alone is of no use to anyone."
)
_KEYRING_WAY = {
    Mode.CREATE: "create the vault without it",
    Mode.RESTORE: "restore your records without it",
}

# Tables whose counts mean something to a therapist, in the words to show.
PREVIEW_WORDS = (
    ("clients", "client"),
    ("sessions", "session"),
    ("notes", "note"),
    ("attachments", "attachment"),
)


@dataclass(frozen=True)
class SetupResult:
    session: VaultSession | None
    backup_folder: Path | None
    backup_reminder: bool  # True when the backup folder step was skipped


_BACK = {
    Step.PASSPHRASE: Step.CHOOSE,
    Step.RESTORE: Step.CHOOSE,
    Step.RESTORE_PREVIEW: Step.RESTORE,
    Step.RECOVERY_CHECK: Step.RECOVERY_SHOW,
}


class SetupFlow:
    def __init__(
        self,
        vault: VaultService,
        *,
        clock: totp.Clock = time.time,
        restore_from_file: RestoreFromFile | None = None,
        pick_group: Callable[[int], int] = secrets.randbelow,
    ) -> None:
        self.vault = vault
        self.clock = clock
        self.restore_from_file = restore_from_file
        self._pick_group = pick_group
        self.step = Step.CHOOSE
        self.mode: Mode | None = None
        self.passphrase_only = False
        self._passphrase: str | None = None
        self._created: CreatedVault | None = None
        self._recovery_key: str | None = None
        self.check_group: int = 0  # 0-based index of the group to re-type
        self.session: VaultSession | None = None
        self._prepared: PreparedRestore | None = None
        self.result: SetupResult | None = None
        self.import_from: Path | None = None  # "Move from another computer or app"

    # --- navigation ----------------------------------------------------------------

    def _expect(self, *steps: Step) -> None:
        if self.step not in steps:
            raise StepNotAllowed(self.step.value)

    def can_go_back(self) -> bool:
        return self.step in _BACK

    def back(self) -> None:
        if self.step not in _BACK:
            raise StepNotAllowed(self.step.value)
        if self.step is Step.RESTORE_PREVIEW:
            self._close_prepared()
        self.step = _BACK[self.step]

    def choose(self, mode: Mode) -> None:
        self._expect(Step.CHOOSE)
        self.mode = mode
        self.import_from = None
        self.step = Step.PASSPHRASE if mode is Mode.CREATE else Step.RESTORE

    # --- passphrase ----------------------------------------------------------------

    @staticmethod
    def strength(passphrase: str) -> Strength:
        return assess(passphrase)

    @staticmethod
    def keyring_problem() -> TherapyNotesError | None:
        """Instant: no keyring, or a plaintext one. A locked keyring shows only when the
        slow step tries it (creating the vault, opening a backup, restoring)."""
        return VaultService.keyring_problem()

    def keyring_words(self, problem: BaseException) -> str:
        """The keyring problem in a therapist's words, and the two ways on."""
        what = next(
            (text for kind, text in _KEYRING_WHAT.items() if isinstance(problem, kind)),
            _KEYRING_WHAT[KeyringUnavailable],
        )
        way = _KEYRING_WAY[self.mode or Mode.CREATE]
        return (
            f"{what} {_KEYRING_WHY} Start or unlock your desktop's keyring (logging out and "
            f"in again often does it) and try again, or {way}."
        )

    @staticmethod
    def keyring_next_step() -> str:
        return (
            f'To go on without the keyring, tick "{PASSPHRASE_ONLY_LABEL}" below. Or fix '
            "the keyring and try again."
        )

    def check_passphrase(self, passphrase: str, confirmation: str) -> None:
        """Instant validation (strength, then the confirmation); raises with the reason."""
        require_acceptable(passphrase)
        if not hmac.compare_digest(passphrase.encode(), confirmation.encode()):
            raise PassphrasesDiffer

    def submit_passphrase(self, passphrase: str, confirmation: str) -> None:
        """*Slow*: validates, then creates the vault. On success the step is TOTP."""
        self._expect(Step.PASSPHRASE)
        self.check_passphrase(passphrase, confirmation)
        self._created = self.vault.create(passphrase, passphrase_only=self.passphrase_only)
        # until the recovery key has been shown and confirmed, this vault is provisional
        self.vault.mark_setup_incomplete()
        self._passphrase = passphrase
        self._recovery_key = self._created.recovery_key
        self.step = Step.TOTP

    # --- authenticator enrolment ----------------------------------------------------

    def _require_created(self) -> CreatedVault:
        if self._created is None:
            raise StepNotAllowed("no vault yet")
        return self._created

    def vault_id(self) -> str:
        return self._require_created().vault_id

    def totp_uri(self) -> str:
        return self._require_created().totp_uri

    def totp_key_text(self) -> str:
        """The key for typing into an authenticator app by hand, in groups of four."""
        secret = self._require_created().totp_secret
        return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))

    def totp_qr_png(self, *, scale: int = 6) -> bytes:
        buf = io.BytesIO()
        segno.make(self.totp_uri(), error="m").save(buf, kind="png", scale=scale, border=2)
        return buf.getvalue()

    def totp_qr_svg(self, *, scale: int = 6) -> bytes:
        buf = io.BytesIO()
        segno.make(self.totp_uri(), error="m").save(buf, kind="svg", scale=scale, border=2)
        return buf.getvalue()

    def code_is_current(self, code: str) -> bool:
        """Instant check with pyotp against the new secret, one 30-s step either side."""
        normal = totp.normalize_code(code)  # any script's digits, as at unlock
        if normal is None:
            return False
        code = normal
        secret = self._require_created().totp_secret
        return bool(pyotp.TOTP(secret).verify(code, for_time=self.clock(), valid_window=1))

    def confirm_code(self, code: str) -> None:
        """*Slow*: the code must be current; it then unlocks the new vault for real."""
        self._expect(Step.TOTP)
        if not self.code_is_current(code):
            raise TotpRejected
        if self._passphrase is None:
            raise StepNotAllowed("passphrase already used")
        self.session = self.vault.unlock(self._passphrase, code)
        self._passphrase = None
        self.step = Step.RECOVERY_SHOW

    # --- recovery key ---------------------------------------------------------------

    def recovery_key(self) -> str:
        """Shown once; gone from this object after the check step."""
        if self._recovery_key is None:
            raise StepNotAllowed("recovery key already confirmed")
        return self._recovery_key

    def recovery_groups(self) -> list[str]:
        return self.recovery_key().split("-")

    def recovery_shown(self) -> None:
        self._expect(Step.RECOVERY_SHOW)
        self.check_group = self._pick_group(len(self.recovery_groups()))
        self.step = Step.RECOVERY_CHECK

    def check_recovery_group(self, typed: str) -> None:
        self._expect(Step.RECOVERY_CHECK)
        cleaned = "".join(typed.split()).upper()
        expected = self.recovery_groups()[self.check_group]
        if not hmac.compare_digest(cleaned.encode(), expected.encode()):
            raise RecoveryGroupWrong
        self._recovery_key = None
        self._created = None
        self.step = Step.BACKUP_FOLDER

    # --- backup folder --------------------------------------------------------------

    def choose_backup_folder(self, folder: Path | None) -> None:
        """`None` skips the step; the app then reminds the therapist later."""
        self._expect(Step.BACKUP_FOLDER)
        if folder is not None and not (folder.is_dir() and os.access(folder, os.W_OK)):
            raise BackupFolderUnusable
        self._finish(backup_folder=folder)

    # --- restore --------------------------------------------------------------------

    def open_backup(
        self,
        backup_file: Path | None,
        secret: str,
        *,
        new_passphrase: str | None = None,
        confirmation: str | None = None,
    ) -> None:
        """*Slow*: open the file with the passphrase, or with the recovery key and a new
        passphrase (checked first, instantly). On success the step is RESTORE_PREVIEW."""
        self._expect(Step.RESTORE)
        if self.restore_from_file is None:
            raise RestoreUnavailable
        if backup_file is None:
            raise NoBackupChosen
        if new_passphrase is not None:
            self.check_passphrase(new_passphrase, confirmation or "")
        request = RestoreRequest(
            backup_file, secret, self.vault, new_passphrase, passphrase_only=self.passphrase_only
        )
        self._prepared = self.restore_from_file(request)
        self.step = Step.RESTORE_PREVIEW

    def preview_lines(self) -> list[str]:
        """What will be restored, in words: the backup's date, then what it holds."""
        if self._prepared is None:
            raise StepNotAllowed(self.step.value)
        preview = self._prepared.preview
        made = formatting.day_time(preview.created_at)
        counts = preview.counts
        held = [plural(counts[t], word) for t, word in PREVIEW_WORDS if t in counts]
        lines = [f"Backup made on {made}."]
        lines.append(
            f"It holds {', '.join(held)}." if held else "It holds your vault and its history."
        )
        return lines

    def restore(self, progress: Callable[[str, int, int], None]) -> None:
        """*Slow*: verify the whole file, then put the restored vault in place. On failure
        (a damaged file, a keyring that locked meanwhile) nothing was written and the step
        is RESTORE again: choose another file, or go on without the keyring."""
        self._expect(Step.RESTORE_PREVIEW)
        if self._prepared is None:
            raise StepNotAllowed(self.step.value)
        try:
            self._prepared.restore(progress)
        except BaseException:
            self.step = Step.RESTORE
            raise
        finally:
            self._close_prepared()
        self._finish(backup_folder=None, reminder=False)

    def _close_prepared(self) -> None:
        if self._prepared is not None:
            self._prepared.close()
            self._prepared = None

    # --- moving in from an export (issue 16) ------------------------------------------

    def choose_import(self, folder: Path) -> dict[str, int]:
        """Check a whole export folder (slow: it reads everything), then create a new
        vault as usual; `import_export` fills it once it exists. Returns the counts."""
        self._expect(Step.CHOOSE)
        counts = export_counts(folder)
        self.mode = Mode.CREATE
        self.import_from = folder
        self.step = Step.PASSPHRASE
        return counts

    def import_export(self) -> dict[str, int] | None:
        """Import the chosen export into the new vault (slow); None when none was chosen."""
        if self.import_from is None or self.session is None:
            return None
        with self.session.db_lock:
            counts = PortableService(self.session, clock=self.clock).import_json(self.import_from)
        self.import_from = None
        return counts

    # --- end ------------------------------------------------------------------------

    def _finish(self, *, backup_folder: Path | None, reminder: bool | None = None) -> None:
        if self.mode is Mode.CREATE:
            self.vault.mark_setup_complete()
        self.result = SetupResult(
            session=self.session,
            backup_folder=backup_folder,
            backup_reminder=backup_folder is None if reminder is None else reminder,
        )
        self.step = Step.DONE

    def abandon(self) -> None:
        """Cancel: lock anything opened; an already created vault stays on disk."""
        if self.session is not None:
            self.session.lock("setup cancelled")
        self._close_prepared()
        self._passphrase = None
        self._recovery_key = None
