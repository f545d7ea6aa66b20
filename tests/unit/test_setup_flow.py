"""The first-run wizard's state machine, driven without Qt."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pyotp
import pytest

from tests.conftest import STRONG, STRONG2, FakeClock
from therapynotes.backup.errors import BackupCorrupt
from therapynotes.errors import (
    KeyringInsecure,
    KeyringIsLocked,
    KeyringUnavailable,
    TotpRejected,
    WeakPassphrase,
)
from therapynotes.services.setup_flow import (
    BackupFolderUnusable,
    Mode,
    NoBackupChosen,
    PassphrasesDiffer,
    RecoveryGroupWrong,
    RestoreRequest,
    RestoreUnavailable,
    SetupFlow,
    Step,
    StepNotAllowed,
)
from therapynotes.services.vault import VaultService


def _flow(vault_dir: Path, clock: FakeClock, **kw: object) -> SetupFlow:
    return SetupFlow(
        VaultService(vault_dir, clock=clock), clock=clock, pick_group=lambda _n: 2, **kw
    )  # type: ignore[arg-type]


def _code(flow: SetupFlow, clock: FakeClock, offset: float = 0) -> str:
    secret = flow.totp_key_text().replace(" ", "")
    return str(pyotp.TOTP(secret).at(clock() + offset))


def _to_totp(flow: SetupFlow) -> None:
    flow.choose(Mode.CREATE)
    flow.submit_passphrase(STRONG, STRONG)


def test_create_branch_end_to_end(vault_dir: Path, clock: FakeClock, tmp_path: Path) -> None:
    flow = _flow(vault_dir, clock)
    assert flow.step is Step.CHOOSE
    _to_totp(flow)
    assert flow.step is Step.TOTP and flow.vault.exists()
    assert flow.totp_qr_png().startswith(b"\x89PNG")
    assert b"<svg" in flow.totp_qr_svg()
    assert flow.totp_uri().startswith("otpauth://totp/")
    flow.confirm_code(_code(flow, clock))
    assert flow.step is Step.RECOVERY_SHOW and flow.session is not None
    assert flow.session.is_open
    groups = flow.recovery_groups()
    assert len(groups) == 14
    flow.recovery_shown()
    assert flow.check_group == 2
    flow.check_recovery_group(groups[2].lower())
    assert flow.step is Step.BACKUP_FOLDER
    with pytest.raises(StepNotAllowed):
        flow.recovery_key()  # shown once, then forgotten
    folder = tmp_path / "usb"
    folder.mkdir()
    flow.choose_backup_folder(folder)
    assert flow.step is Step.DONE
    assert flow.result is not None
    assert flow.result.backup_folder == folder and not flow.result.backup_reminder
    assert flow.result.session is not None
    flow.result.session.lock()


def test_weak_and_mismatched_passphrases_refused(vault_dir: Path, clock: FakeClock) -> None:
    flow = _flow(vault_dir, clock)
    flow.choose(Mode.CREATE)
    assert not flow.strength("password1").acceptable
    with pytest.raises(WeakPassphrase) as weak:
        flow.submit_passphrase("password1", "password1")
    assert weak.value.message
    with pytest.raises(PassphrasesDiffer):
        flow.submit_passphrase(STRONG, STRONG + "x")
    assert flow.step is Step.PASSPHRASE and not flow.vault.exists()
    flow.back()
    assert flow.step is Step.CHOOSE


def test_code_window_is_one_step_each_side(vault_dir: Path, clock: FakeClock) -> None:
    flow = _flow(vault_dir, clock)
    _to_totp(flow)
    assert flow.code_is_current(_code(flow, clock, -30))
    assert flow.code_is_current(_code(flow, clock, +30))
    assert not flow.code_is_current(_code(flow, clock, -90))
    assert not flow.code_is_current("12ab56")
    with pytest.raises(TotpRejected):
        flow.confirm_code(_code(flow, clock, +120))
    assert flow.step is Step.TOTP and flow.session is None


def test_setup_reads_a_code_in_other_digits_as_unlock_does(vault_dir: Path, clock) -> None:
    """Issue 12: the confirm step agrees with unlock on Arabic-Indic and full-width digits."""
    flow = _flow(vault_dir, clock)
    _to_totp(flow)
    arabic = _code(flow, clock, 0).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert flow.code_is_current(arabic)
    assert not flow.code_is_current("١٢٣")
    flow.confirm_code(arabic)
    assert flow.session is not None
    flow.session.lock()


def test_wrong_recovery_group_and_going_back(vault_dir: Path, clock: FakeClock) -> None:
    flow = _flow(vault_dir, clock)
    _to_totp(flow)
    flow.confirm_code(_code(flow, clock))
    flow.recovery_shown()
    with pytest.raises(RecoveryGroupWrong):
        flow.check_recovery_group("ZZZZ")
    assert flow.can_go_back()
    flow.back()
    assert flow.step is Step.RECOVERY_SHOW
    flow.recovery_shown()
    flow.check_recovery_group(flow.recovery_groups()[2])
    assert not flow.can_go_back()
    with pytest.raises(BackupFolderUnusable):
        flow.choose_backup_folder(vault_dir / "missing")
    flow.choose_backup_folder(None)
    assert flow.result is not None and flow.result.backup_reminder
    flow.abandon()
    assert flow.session is not None and not flow.session.is_open


def test_steps_out_of_order_refused(vault_dir: Path, clock: FakeClock) -> None:
    flow = _flow(vault_dir, clock)
    with pytest.raises(StepNotAllowed):
        flow.confirm_code("123456")
    with pytest.raises(StepNotAllowed):
        flow.back()


class _Prepared:
    def __init__(self) -> None:
        self.preview = SimpleNamespace(
            created_at=datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
            counts={"clients": 12, "notes": 340, "audit_log": 9},
        )
        self.restored = False
        self.closed = False
        self.fails: Exception | None = None

    def restore(self, progress: object) -> None:
        del progress
        if self.fails is not None:
            raise self.fails
        self.restored = True

    def close(self) -> None:
        self.closed = True


def test_restore_branch_previews_then_restores(
    vault_dir: Path, clock: FakeClock, tmp_path: Path
) -> None:
    seen: list[RestoreRequest] = []
    prepared = _Prepared()

    def open_file(request: RestoreRequest) -> _Prepared:
        seen.append(request)
        return prepared

    flow = _flow(vault_dir, clock, restore_from_file=open_file)
    flow.choose(Mode.RESTORE)
    assert flow.step is Step.RESTORE
    with pytest.raises(NoBackupChosen):
        flow.open_backup(None, "secret words")
    with pytest.raises(PassphrasesDiffer):
        flow.open_backup(
            tmp_path / "a.tnbackup", "KEY", new_passphrase=STRONG, confirmation=STRONG2
        )
    assert not seen  # checked before any file is opened
    flow.open_backup(tmp_path / "a.tnbackup", "secret words")
    assert flow.step is Step.RESTORE_PREVIEW and seen[0].backup_file.name == "a.tnbackup"
    assert seen[0].new_passphrase is None and "secret" not in repr(seen[0])
    lines = flow.preview_lines()
    assert lines[0].startswith("Backup made on 28 Nov 2026")
    assert lines[1] == "It holds 12 clients, 340 notes."
    flow.back()
    assert flow.step is Step.RESTORE and prepared.closed and not prepared.restored
    flow.open_backup(tmp_path / "a.tnbackup", "KEY", new_passphrase=STRONG, confirmation=STRONG)
    assert seen[-1].new_passphrase == STRONG
    flow.restore(lambda *_: None)
    assert prepared.restored
    assert flow.step is Step.DONE
    assert flow.result is not None and flow.result.session is None

    bare = _flow(tmp_path / "other", clock)
    bare.choose(Mode.RESTORE)
    with pytest.raises(RestoreUnavailable):
        bare.open_backup(tmp_path / "a.tnbackup", "x")


def test_the_vault_is_provisional_until_setup_finishes(tmp_path, clock) -> None:
    from therapynotes.services.setup_flow import Mode, SetupFlow
    from therapynotes.services.vault import VaultService

    vault = VaultService(tmp_path / "vault", clock=clock)
    flow = SetupFlow(vault, clock=clock, pick_group=lambda _n: 0)
    flow.choose(Mode.CREATE)
    flow.submit_passphrase(STRONG, STRONG)
    assert vault.setup_incomplete()
    flow.confirm_code(pyotp.TOTP(flow._require_created().totp_secret).at(clock()))
    flow.recovery_shown()
    flow.check_recovery_group(flow.recovery_groups()[0])
    assert vault.setup_incomplete()  # still: the backup folder step is part of setup
    flow.choose_backup_folder(None)
    assert not vault.setup_incomplete()
    if flow.session is not None:
        flow.session.lock()


def test_restore_request_carries_the_passphrase_only_choice(
    vault_dir: Path, clock: FakeClock, tmp_path: Path
) -> None:
    seen: list[RestoreRequest] = []

    def open_file(request: RestoreRequest) -> _Prepared:
        seen.append(request)
        return _Prepared()

    flow = _flow(vault_dir, clock, restore_from_file=open_file)
    flow.choose(Mode.RESTORE)
    flow.open_backup(tmp_path / "a.tnbackup", "secret words")
    assert seen[-1].passphrase_only is False
    flow.back()
    flow.passphrase_only = True
    flow.open_backup(tmp_path / "a.tnbackup", "secret words")
    assert seen[-1].passphrase_only is True


def test_a_failed_restore_goes_back_to_the_file_step(
    vault_dir: Path, clock: FakeClock, tmp_path: Path
) -> None:
    prepared = _Prepared()
    prepared.fails = BackupCorrupt("chunk 3")
    flow = _flow(vault_dir, clock, restore_from_file=lambda _r: prepared)
    flow.choose(Mode.RESTORE)
    flow.open_backup(tmp_path / "a.tnbackup", "secret words")
    with pytest.raises(BackupCorrupt):
        flow.restore(lambda *_: None)
    assert flow.step is Step.RESTORE and prepared.closed and flow.result is None
    with pytest.raises(StepNotAllowed):
        flow.restore(lambda *_: None)
    flow.open_backup(tmp_path / "a.tnbackup", "secret words")  # another try from here
    assert flow.step is Step.RESTORE_PREVIEW


def test_keyring_words_name_the_problem_and_the_way_on(vault_dir: Path, clock: FakeClock) -> None:
    flow = _flow(vault_dir, clock)
    flow.choose(Mode.RESTORE)
    locked = flow.keyring_words(KeyringIsLocked())
    assert locked.startswith("This computer's keyring is locked.")
    assert locked.endswith("or restore your records without it.")
    assert "no system keyring" in flow.keyring_words(KeyringUnavailable())
    assert "without encryption" in flow.keyring_words(KeyringInsecure())
    create = _flow(vault_dir, clock)
    create.choose(Mode.CREATE)
    assert create.keyring_words(KeyringIsLocked()).endswith("create the vault without it.")
