"""Screenshots of the real app for docs/screenshots/ (run by `make screenshots`).

Starts the app the way `therapynotes run` does, in a throwaway vault and config folder,
walks the first-run wizard like a user, then the main window, settings, backups, the lock
screen, and a second first run that restores the backup made, saving a PNG of each.
Meant for Xvfb with QT_QPA_PLATFORM=xcb (see the Makefile); it also runs offscreen.
`--dark` adds dark-mode shots.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyotp
from PySide6.QtCore import QCoreApplication, QElapsedTimer
from PySide6.QtWidgets import QApplication, QWidget

from therapynotes.app import apply_palette, build_window, make_application
from therapynotes.services.setup_flow import Mode, Step
from therapynotes.ui.backup_view import BackupsView
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.setup_wizard import SetupWizardView
from therapynotes.ui.unlock_view import RecoveryDialog, UnlockView

OUT = Path(
    os.environ.get("THERAPYNOTES_SCREENSHOT_DIR")
    or Path(__file__).resolve().parent.parent / "docs" / "screenshots"
)
PASSPHRASE = "orange piano little sunset"
SIZE = (1120, 720)


def settle(ms: int = 150) -> None:
    timer = QElapsedTimer()
    timer.start()
    while timer.elapsed() < ms:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def wait_until(condition: Callable[[], bool], timeout_ms: int = 20_000) -> None:
    timer = QElapsedTimer()
    timer.start()
    while not condition():
        if timer.elapsed() > timeout_ms:
            raise TimeoutError("the app did not reach the expected state")
        QCoreApplication.processEvents()
        time.sleep(0.01)
    settle()


def shoot(widget: QWidget, name: str) -> None:
    settle()
    path = OUT / f"{name}.png"
    widget.window().grab().save(str(path))
    print(f"saved {path}")


def walk_wizard(window: MainWindow, backup_dir: Path, prefix: str) -> None:
    wizard = window.gate
    if not isinstance(wizard, SetupWizardView):
        raise RuntimeError("expected the first-run wizard (is there a vault already?)")
    shoot(window, f"{prefix}wizard-1-welcome")
    wizard.choose(Mode.CREATE)
    if wizard.flow.keyring_problem() is not None:
        wizard.passphrase_only.setChecked(True)
    wizard.passphrase.setText(PASSPHRASE)
    wizard.confirm.setText(PASSPHRASE)
    shoot(window, f"{prefix}wizard-2-passphrase")
    wizard.next_button.click()
    wait_until(lambda: wizard.flow.step is Step.TOTP and not wizard._busy)
    secret = wizard.totp_key.text().replace(" ", "")
    shoot(window, f"{prefix}wizard-3-authenticator")
    wizard.code.setText(pyotp.TOTP(secret).now())
    wizard.next_button.click()
    wait_until(lambda: wizard.flow.step is Step.RECOVERY_SHOW and not wizard._busy)
    shoot(window, f"{prefix}wizard-4-recovery-key")
    groups = [label.text() for label in wizard.group_labels]
    wizard.next_button.click()
    wizard.check_field.setText(groups[wizard.flow.check_group])
    shoot(window, f"{prefix}wizard-5-recovery-check")
    wizard.next_button.click()
    wizard.folder.setText(str(backup_dir))
    shoot(window, f"{prefix}wizard-6-backup-folder")
    wizard.next_button.click()
    wait_until(lambda: window.session is not None)


def main_window_shots(window: MainWindow, prefix: str) -> None:
    window.show_view("home")
    shoot(window, f"{prefix}main-home")
    window.show_view("clients")
    shoot(window, f"{prefix}main-clients")
    window.show_view("search")
    shoot(window, f"{prefix}main-search")
    window.show_view("settings")
    shoot(window, f"{prefix}settings")


def backup_shots(window: MainWindow, usb: Path, prefix: str) -> None:
    window.show_view("backups")
    page = window.pages["backups"]
    if not isinstance(page, BackupsView):
        raise RuntimeError("expected the Backups page")
    shoot(window, f"{prefix}backups-empty")
    page.run_button.click()
    wait_until(lambda: not window.backups.busy and page.model.rowCount() > 0)
    shoot(window, f"{prefix}backups")
    page.set_folder(usb.parent / "unplugged")
    shoot(window, f"{prefix}backups-drive-missing")
    page.set_folder(usb)
    settle()


def lock_shots(window: MainWindow, prefix: str) -> None:
    window.lock("manual")
    wait_until(lambda: window.gate is not None and window.gate.isEnabled())
    view = window.gate
    if not isinstance(view, UnlockView):
        raise RuntimeError("expected the unlock view after locking")
    shoot(window, f"{prefix}unlock")
    view.passphrase.setText("not my passphrase")
    view.code.setText("123456")
    view.unlock_button.click()
    wait_until(lambda: view.message.isVisible() and not view._busy)
    shoot(window, f"{prefix}unlock-wrong-passphrase")
    view.open_recovery()
    dialog = view.findChild(RecoveryDialog)
    if dialog is None:
        raise RuntimeError("the recovery dialog did not open")
    settle()
    dialog.grab().save(str(OUT / f"{prefix}unlock-recovery-dialog.png"))
    print(f"saved {OUT / f'{prefix}unlock-recovery-dialog.png'}")
    dialog.reject()


def restore_shots(app: QApplication, root: Path, prefix: str) -> None:
    """The first run on a new computer: restore the backup made above."""
    window = build_window(
        vault_dir=root / "new-vault", config_dir=root / "new-config", listen_to_os=False
    )
    window.resize(*SIZE)
    window.show()
    settle(400)
    wizard = window.gate
    if not isinstance(wizard, SetupWizardView):
        raise RuntimeError("expected the first-run wizard")
    wizard.choose(Mode.RESTORE)
    backup = sorted((root / "usb").glob("*.tnbackup"))[-1]
    choose = wizard.restore_choose
    choose.file.setText(str(backup))
    choose.secret.setText(PASSPHRASE)
    shoot(window, f"{prefix}wizard-restore-1-choose")
    choose.use_recovery.setChecked(True)
    choose.secret.setText("")
    shoot(window, f"{prefix}wizard-restore-1-recovery-key")
    choose.use_recovery.setChecked(False)
    choose.secret.setText(PASSPHRASE)
    wizard.next_button.click()
    wait_until(lambda: wizard.flow.step is Step.RESTORE_PREVIEW and not wizard._busy)
    shoot(window, f"{prefix}wizard-restore-2-preview")
    wizard.next_button.click()
    settle(50)
    shoot(window, f"{prefix}wizard-restore-3-restoring")
    wait_until(lambda: isinstance(window.gate, UnlockView))
    shoot(window, f"{prefix}wizard-restore-4-unlock")
    window.close()
    window.deleteLater()
    app.processEvents()


def session_run(app: QApplication, prefix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "usb").mkdir()
        window = build_window(
            vault_dir=root / "vault", config_dir=root / "config", listen_to_os=False
        )
        window.resize(*SIZE)
        window.show()
        window.raise_()
        window.activateWindow()
        settle(400)
        walk_wizard(window, root / "usb", prefix)
        main_window_shots(window, prefix)
        backup_shots(window, root / "usb", prefix)
        lock_shots(window, prefix)
        window.close()
        window.deleteLater()
        app.processEvents()
        restore_shots(app, root, prefix)


def main() -> int:
    os.umask(0o077)
    OUT.mkdir(parents=True, exist_ok=True)
    app = make_application(sys.argv[:1])
    session_run(app, "")
    if "--dark" in sys.argv:
        apply_palette(app, dark=True)
        session_run(app, "dark-")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
