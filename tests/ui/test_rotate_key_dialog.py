"""Settings → "Change the encryption key…": explanation, secrets, the new recovery key
shown before anything changes, a second explicit step, progress off the UI thread, and
"Back up now" after it."""

from __future__ import annotations

from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from tests.conftest import STRONG, STRONG2
from tests.support.pages import data_keys
from tests.support.rotation import opens_with_key
from tests.ui.conftest import Harness
from therapynotes.errors import StorageError, WrongPassphrase, WrongRecoveryKey
from therapynotes.services.backups import verify_backup
from therapynotes.services.rotation import BackupInProgress
from therapynotes.services.session import VaultSession
from therapynotes.store import rotation_files
from therapynotes.ui import rotate_key_dialog as dialog_module
from therapynotes.ui.rotate_key_dialog import RotateKeyDialog
from therapynotes.ui.settings_dialog import SettingsPanel
from therapynotes.ui.unlock_view import UnlockView


def _open(h: Harness) -> tuple[RotateKeyDialog, VaultSession]:
    h.window.show_view("settings")
    panel = h.window.pages["settings"]
    assert isinstance(panel, SettingsPanel)
    panel.rotate.click()
    dialog = panel.findChild(RotateKeyDialog)
    assert dialog is not None and dialog.isVisible()
    assert h.window.session is not None
    return dialog, h.window.session


def _texts(dialog: RotateKeyDialog) -> str:
    page = dialog.pages.currentWidget()
    return " ".join(label.text() for label in page.findChildren(QLabel))


def _page(h: Harness, dialog: RotateKeyDialog, index: int) -> None:
    h.qtbot.waitUntil(lambda: dialog.pages.currentIndex() == index, timeout=20_000)


def _confirm_page(h: Harness, dialog: RotateKeyDialog) -> None:
    _page(h, dialog, dialog_module.CONFIRM_PAGE)


def test_keeping_the_recovery_key(unlocked: Harness) -> None:
    h = unlocked
    assert h.created is not None
    dialog, session = _open(h)
    assert "brand-new key" in _texts(dialog)
    keys = h.ctx.vault.paths.keys.read_bytes()
    old = session.dek.reveal()
    old_keys = data_keys(session)

    dialog.passphrase.setText(STRONG2)
    dialog.key.setText(h.created.recovery_key)
    dialog.ok.click()
    h.qtbot.waitUntil(dialog.message.isVisible)
    assert dialog.message.text() == WrongPassphrase().message
    dialog.passphrase.setText(STRONG)
    dialog.ok.click()
    _confirm_page(h, dialog)
    assert dialog.passphrase.text() == "" and dialog.key.text() == ""  # not kept on screen
    assert "Change the encryption key now?" in _texts(dialog)
    assert h.ctx.vault.paths.keys.read_bytes() == keys  # nothing changed before the 2nd step

    dialog.go.click()
    assert dialog.pages.currentIndex() == dialog_module.WORKING
    dialog.reject()  # Esc while working does nothing
    assert dialog.isVisible()
    _page(h, dialog, dialog_module.DONE_PAGE)
    assert "still open with the passphrase and recovery key they were made with" in _texts(dialog)
    assert dialog.progress.value() == 100
    assert session.is_open and session.dek.reveal() != old
    assert h.window.backups.timer.isActive()  # scheduled backups carry on
    dialog.accept()

    h.window.lock()
    assert not opens_with_key(h.ctx.vault.paths.db, old_keys)
    h.unlock_ok()


def test_a_new_recovery_key_is_shown_and_confirmed_first(unlocked: Harness) -> None:
    h = unlocked
    assert h.created is not None
    dialog, _ = _open(h)
    dialog.make_new.setChecked(True)
    assert not dialog.key.isEnabled()
    dialog.passphrase.setText(STRONG)
    dialog.ok.click()
    _page(h, dialog, dialog_module.NEW_KEY)
    shown = dialog.new_key.text().replace(" ", "-")
    assert dialog.plan is not None and shown == dialog.plan.new_recovery_key
    assert not dialog.key_ok.isEnabled()
    dialog.written.setChecked(True)
    dialog.key_ok.click()
    _confirm_page(h, dialog)
    dialog.go.click()
    _page(h, dialog, dialog_module.DONE_PAGE)
    dialog.accept()
    assert dialog.new_key.text() == ""

    h.window.lock()
    h.clock.advance(30)
    with pytest.raises(WrongRecoveryKey):
        h.ctx.vault.recover(h.created.recovery_key, STRONG2)
    h.clock.advance(30)
    h.ctx.vault.recover(shown, STRONG2).lock()


def test_refuses_while_a_backup_runs_then_backs_up_after(unlocked: Harness, tmp_path: Path) -> None:
    h = unlocked
    assert h.created is not None
    drive = tmp_path / "usb"
    drive.mkdir()
    h.ctx.settings.backup_folder = str(drive)
    dialog, _ = _open(h)
    dialog.passphrase.setText(STRONG)
    dialog.key.setText(h.created.recovery_key)
    dialog.ok.click()
    _confirm_page(h, dialog)
    runner = h.window.backups
    runner._pending = object()  # type: ignore[assignment] # a backup in flight
    dialog.go.click()
    assert dialog.confirm_message.text() == BackupInProgress().message
    assert dialog.pages.currentIndex() == dialog_module.CONFIRM_PAGE
    runner._pending = None

    dialog.go.click()
    _page(h, dialog, dialog_module.DONE_PAGE)
    dialog.back_up.click()
    assert runner.busy
    h.qtbot.waitUntil(lambda: not runner.busy, timeout=20_000)
    (made,) = drive.glob("*.tnbackup")
    verify_backup(made, tmp_path, recovery_text=h.created.recovery_key)
    h.ctx.settings.backup_folder = ""  # no backup at the teardown's quit


def test_a_failure_shows_why_and_changes_nothing(unlocked: Harness) -> None:
    h = unlocked
    assert h.created is not None
    dialog, session = _open(h)
    old = session.dek.reveal()
    dialog.passphrase.setText(STRONG)
    dialog.key.setText(h.created.recovery_key)
    dialog.ok.click()
    _confirm_page(h, dialog)

    def full_disk(*_args: object, **_kwargs: object) -> None:
        raise StorageError("ENOSPC")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("therapynotes.services.rotation.atomic_write_bytes", full_disk)
        dialog.go.click()
        _page(h, dialog, dialog_module.ASK)
    assert "disk is not full" in dialog.message.text()
    assert session.is_open and session.dek.reveal() == old
    assert h.window.backups.timer.isActive()


def test_unfinished_switch_locks_and_the_next_unlock_finishes_it(unlocked: Harness) -> None:
    h = unlocked
    assert h.created is not None
    dialog, session = _open(h)
    old_keys = data_keys(session)
    dialog.passphrase.setText(STRONG)
    dialog.key.setText(h.created.recovery_key)
    dialog.ok.click()
    _confirm_page(h, dialog)

    def read_only(_paths: object) -> None:
        raise StorageError("EROFS")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rotation_files, "switch", read_only)
        dialog.go.click()
        h.qtbot.waitUntil(lambda: h.window.session is None, timeout=20_000)
    assert isinstance(h.window.gate, UnlockView)
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert any("open it again" in b.text() for b in boxes if shiboken6.isValid(b))
    h.unlock_ok()  # the open-time rule finishes the switch
    assert not opens_with_key(h.ctx.vault.paths.db, old_keys)
