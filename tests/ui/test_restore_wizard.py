"""First run on a new computer: "Restore from a backup file" in the wizard, then unlock
with the same passphrase and the same authenticator entry."""

from __future__ import annotations

from pathlib import Path

import keyring
import pyotp
from pytestqt.qtbot import QtBot

from tests.conftest import STRONG, STRONG2, FakeClock
from tests.support.memkeyring import MemoryKeyring
from tests.ui.conftest import Harness, make_ctx
from tests.unit.backup.conftest import fill
from therapynotes.backup.errors import BackupWrongKey
from therapynotes.services.backups import BackupService
from therapynotes.services.setup_flow import Mode, Step
from therapynotes.services.vault import VaultService
from therapynotes.services.vault_create import CreatedVault
from therapynotes.store.audit import AuditKind
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.setup_wizard import SetupWizardView


def _old_laptop(
    tmp_path: Path, clock: FakeClock, *, fill_bytes: int = 0
) -> tuple[CreatedVault, Path]:
    """A vault with a backup on a drive; `fill_bytes` grows it past one payload chunk."""
    svc = VaultService(tmp_path / "old-laptop", clock=clock)
    created = svc.create(STRONG)
    clock.advance(30)
    session = svc.unlock(STRONG, pyotp.TOTP(created.totp_secret).at(clock()))
    session.record(AuditKind.RECORD_CREATED, subject="client")
    if fill_bytes:
        fill(session, fill_bytes)
    drive = tmp_path / "usb"
    drive.mkdir()
    backup = BackupService(session, clock=clock).run(drive).path
    session.lock("done")
    return created, backup


def _new_laptop(qtbot: QtBot, tmp_path: Path, clock: FakeClock) -> MainWindow:
    keyring.set_keyring(MemoryKeyring())  # a new computer: nothing in its keyring
    window = MainWindow(make_ctx(tmp_path / "new-laptop", clock, tmp_path / "config"))
    qtbot.addWidget(window)
    window.show()
    return window


def _open(qtbot: QtBot, wizard: SetupWizardView, backup: Path, secret: str) -> None:
    wizard.restore_choose.file.setText(str(backup))
    wizard.restore_choose.secret.setText(secret)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: not wizard._busy, timeout=20_000)


def test_restore_with_passphrase_then_unlock_with_the_same_code(
    qtbot: QtBot, tmp_path: Path, clock: FakeClock
) -> None:
    created, backup = _old_laptop(tmp_path, clock)
    window = _new_laptop(qtbot, tmp_path, clock)
    wizard = window.gate
    assert isinstance(wizard, SetupWizardView)
    wizard.choose(Mode.RESTORE)

    _open(qtbot, wizard, backup, STRONG2)
    assert wizard.message.text() == BackupWrongKey().message
    assert wizard.flow.step is Step.RESTORE

    _open(qtbot, wizard, backup, STRONG)
    assert wizard.flow.step is Step.RESTORE_PREVIEW
    assert wizard.restore_choose.secret.text() == ""  # not kept on screen
    assert wizard.restore_preview.summary.text().startswith("Backup made on ")
    assert not (tmp_path / "new-laptop" / "vault.db").exists()  # nothing written yet

    wizard.next_button.click()  # "Restore"
    assert wizard.restore_preview.progress.isVisible()
    qtbot.waitUntil(lambda: window.gate is not wizard, timeout=20_000)

    h = Harness(window, window.ctx, clock, created, qtbot)
    h.unlock_ok()
    assert window.session is not None
    kinds = [r[0] for r in window.session.conn.execute("SELECT kind FROM audit_log")]
    assert AuditKind.RESTORED.value in kinds and AuditKind.RECORD_CREATED.value in kinds


def test_restore_with_recovery_key_sets_a_new_passphrase(
    qtbot: QtBot, tmp_path: Path, clock: FakeClock
) -> None:
    created, backup = _old_laptop(tmp_path, clock)
    window = _new_laptop(qtbot, tmp_path, clock)
    wizard = window.gate
    assert isinstance(wizard, SetupWizardView)
    wizard.choose(Mode.RESTORE)
    choose = wizard.restore_choose
    choose.use_recovery.setChecked(True)
    assert choose.new_passphrase.isVisibleTo(wizard)
    choose.new_passphrase.setText(STRONG2)
    choose.confirm.setText(STRONG2)
    _open(qtbot, wizard, backup, created.recovery_key)
    assert wizard.flow.step is Step.RESTORE_PREVIEW
    wizard.next_button.click()
    qtbot.waitUntil(lambda: window.gate is not wizard, timeout=20_000)

    h = Harness(window, window.ctx, clock, created, qtbot)
    h.unlock(STRONG2)
    qtbot.waitUntil(lambda: window.session is not None)
