"""The first-run wizard on a computer whose keyring is missing or locked: both "Create"
and "Restore from a backup file" explain it and offer passphrase-only mode (with the same
warning); a restore that fails goes back to the file page having written nothing."""

from __future__ import annotations

from pathlib import Path

import keyring
import pyotp
from keyring.backends import fail
from pytestqt.qtbot import QtBot

from tests.conftest import STRONG, FakeClock
from tests.support.memkeyring import MemoryKeyring
from tests.ui.conftest import Harness, make_ctx
from tests.ui.test_restore_wizard import _old_laptop
from therapynotes.backup.errors import BackupCorrupt, NotABackup
from therapynotes.services.setup_flow import PASSPHRASE_ONLY_WARNING, Mode, Step
from therapynotes.services.vault import VaultService
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.setup_wizard import SetupWizardView


def _locked_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    backend.locked = True
    return backend


def _new_laptop(qtbot: QtBot, tmp_path: Path, clock: FakeClock) -> SetupWizardView:
    window = MainWindow(make_ctx(tmp_path / "new-laptop", clock, tmp_path / "config"))
    qtbot.addWidget(window)
    window.show()
    wizard = window.gate
    assert isinstance(wizard, SetupWizardView)
    return wizard


def _next(qtbot: QtBot, wizard: SetupWizardView) -> None:
    wizard.next_button.click()
    qtbot.waitUntil(lambda: not wizard._busy, timeout=20_000)


def _open(qtbot: QtBot, wizard: SetupWizardView, backup: Path, secret: str = STRONG) -> None:
    wizard.restore_choose.file.setText(str(backup))
    wizard.restore_choose.secret.setText(secret)
    _next(qtbot, wizard)


def _restore_and_unlock(
    qtbot: QtBot, wizard: SetupWizardView, clock: FakeClock, created: object
) -> MainWindow:
    window = wizard.window()
    assert isinstance(window, MainWindow)
    assert wizard.flow.step is Step.RESTORE_PREVIEW
    wizard.next_button.click()  # "Restore"
    assert wizard.restore_preview.progress.isVisible()  # the slow part runs with progress
    qtbot.waitUntil(lambda: window.gate is not wizard, timeout=20_000)
    Harness(window, window.ctx, clock, created, qtbot).unlock_ok()  # type: ignore[arg-type]
    return window


def test_no_keyring_restore_offers_passphrase_only_and_unlocks_without_one(
    qtbot: QtBot, tmp_path: Path, clock: FakeClock
) -> None:
    created, backup = _old_laptop(tmp_path, clock)
    keyring.set_keyring(fail.Keyring())  # a new computer without any keyring
    wizard = _new_laptop(qtbot, tmp_path, clock)
    wizard.choose(Mode.RESTORE)
    choice = wizard.restore_choose.keyring
    assert choice.isVisibleTo(wizard) and not choice.checkbox.isChecked()
    assert "no system keyring" in choice.note.text()
    assert "restore your records without it" in choice.note.text()
    assert choice.warning.text() == PASSPHRASE_ONLY_WARNING

    _open(qtbot, wizard, backup)  # not ticked: refused, with the way on
    assert wizard.flow.step is Step.RESTORE
    assert wizard.message.text() == wizard.flow.keyring_next_step()
    assert not (tmp_path / "new-laptop" / "vault.keys").exists()

    choice.checkbox.setChecked(True)
    _open(qtbot, wizard, backup)
    window = _restore_and_unlock(qtbot, wizard, clock, created)
    assert window.session is not None
    status = VaultService(tmp_path / "new-laptop").status()
    assert status.device_binding == "none"


def test_locked_keyring_is_found_on_open_then_restore_passphrase_only(
    qtbot: QtBot, tmp_path: Path, clock: FakeClock
) -> None:
    created, backup = _old_laptop(tmp_path, clock)
    locked = _locked_keyring()
    keyring.set_keyring(locked)
    wizard = _new_laptop(qtbot, tmp_path, clock)
    wizard.choose(Mode.RESTORE)
    choice = wizard.restore_choose.keyring
    assert not choice.isVisibleTo(wizard)  # a locked keyring shows only when tried

    _open(qtbot, wizard, backup)
    assert wizard.flow.step is Step.RESTORE
    assert choice.isVisibleTo(wizard) and "keyring is locked" in choice.note.text()
    assert wizard.message.text() == wizard.flow.keyring_next_step()
    assert wizard.restore_choose.secret.text() == STRONG  # kept for the next try

    choice.checkbox.setChecked(True)
    _next(qtbot, wizard)
    _restore_and_unlock(qtbot, wizard, clock, created)
    assert locked.locked and locked.store == {}


def test_keyring_locked_after_the_preview_goes_back_with_the_choice(
    qtbot: QtBot, tmp_path: Path, clock: FakeClock
) -> None:
    created, backup = _old_laptop(tmp_path, clock)
    new_keyring = MemoryKeyring()
    keyring.set_keyring(new_keyring)
    wizard = _new_laptop(qtbot, tmp_path, clock)
    wizard.choose(Mode.RESTORE)
    _open(qtbot, wizard, backup)
    assert wizard.flow.step is Step.RESTORE_PREVIEW
    new_keyring.locked = True  # e.g. the session's keyring locked while the preview showed

    _next(qtbot, wizard)
    assert wizard.flow.step is Step.RESTORE
    assert wizard.stack.currentWidget() is wizard.pages[Step.RESTORE]
    assert wizard.restore_choose.keyring.isVisibleTo(wizard)
    assert wizard.message.text() == wizard.flow.keyring_next_step()
    assert [p.name for p in tmp_path.iterdir() if "new-laptop" in p.name] == []
    assert new_keyring.store == {}


def test_damaged_or_wrong_file_is_refused_with_a_message(
    qtbot: QtBot, tmp_path: Path, clock: FakeClock
) -> None:
    # More than one 1 MiB payload chunk (backup format 4), so the damage below lands past
    # the chunk that holds the manifest the preview reads.
    created, backup = _old_laptop(tmp_path, clock, fill_bytes=1_500_000)
    new_keyring = MemoryKeyring()
    keyring.set_keyring(new_keyring)
    wizard = _new_laptop(qtbot, tmp_path, clock)
    wizard.choose(Mode.RESTORE)

    junk = tmp_path / "notes.tnbackup"
    junk.write_bytes(b"not a backup at all" * 10)
    _open(qtbot, wizard, junk)
    assert wizard.message.text() == NotABackup().message

    data = bytearray(backup.read_bytes())
    data[-100] ^= 0x10  # the last chunk: found only by the full check when restoring
    damaged = tmp_path / "damaged.tnbackup"
    damaged.write_bytes(bytes(data))
    _open(qtbot, wizard, damaged)
    assert wizard.flow.step is Step.RESTORE_PREVIEW
    _next(qtbot, wizard)
    assert wizard.flow.step is Step.RESTORE  # pick another file
    assert wizard.message.text().startswith(BackupCorrupt().message)
    assert [p.name for p in tmp_path.iterdir() if "new-laptop" in p.name] == []
    assert new_keyring.store == {}

    _open(qtbot, wizard, backup)  # the good file still restores from here
    _restore_and_unlock(qtbot, wizard, clock, created)


def test_create_with_a_locked_keyring_offers_passphrase_only_too(
    qtbot: QtBot, tmp_path: Path, clock: FakeClock
) -> None:
    keyring.set_keyring(_locked_keyring())
    wizard = _new_laptop(qtbot, tmp_path, clock)
    wizard.choose(Mode.CREATE)
    choice = wizard.create_keyring
    assert not choice.isVisibleTo(wizard)
    wizard.passphrase.setText(STRONG)
    wizard.confirm.setText(STRONG)
    _next(qtbot, wizard)
    assert wizard.flow.step is Step.PASSPHRASE
    assert choice.isVisibleTo(wizard) and "keyring is locked" in choice.note.text()
    assert "create the vault without it" in choice.note.text()
    assert choice.warning.text() == PASSPHRASE_ONLY_WARNING  # the same words as restore's

    choice.checkbox.setChecked(True)
    _next(qtbot, wizard)
    assert wizard.flow.step is Step.TOTP
    secret = wizard.totp_key.text().replace(" ", "")
    wizard.code.setText(pyotp.TOTP(secret).at(clock()))
    _next(qtbot, wizard)
    assert wizard.flow.step is Step.RECOVERY_SHOW
    assert VaultService(tmp_path / "new-laptop").status().device_binding == "none"
