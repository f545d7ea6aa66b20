"""Screenshots of the real app for docs/screenshots/ (run by `make screenshots`).

Starts the app the way `therapynotes run` does, in a throwaway vault and config folder,
walks the first-run wizard like a user, shoots the empty main window, the Backups page,
fills the vault with a small demo practice (services/demo.py), then shoots the record
screens (client list, every chart tab, a diagnosis marked resolved, the note editor with
a draft and a signed note, search with results, the record dialogs), settings, the lock
screen, and a second first run that restores the backup made, saving a PNG of each. Meant for Xvfb with
QT_QPA_PLATFORM=xcb (see the Makefile); it also runs offscreen. `--dark` adds dark-mode
shots.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyotp
from PySide6.QtCore import QCoreApplication, QElapsedTimer
from PySide6.QtWidgets import QApplication, QWidget

from therapynotes.app import apply_palette, build_window, make_application
from therapynotes.domain.enums import NoteState
from therapynotes.services import demo
from therapynotes.services.setup_flow import Mode, Step
from therapynotes.ui.backup_view import BackupsView
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.clients_page import ClientsPage
from therapynotes.ui.home_view import HomePage
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.search_view import SearchView
from therapynotes.ui.setup_wizard import SetupWizardView
from therapynotes.ui.unlock_view import RecoveryDialog, UnlockView

OUT = Path(
    os.environ.get("THERAPYNOTES_SCREENSHOT_DIR")
    or Path(__file__).resolve().parent.parent / "docs" / "screenshots"
)
PASSPHRASE = "orange piano little sunset"
SIZE = (1280, 800)


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


def shoot_dialog(dialog: QWidget, name: str) -> None:
    settle()
    dialog.grab().save(str(OUT / f"{name}.png"))
    print(f"saved {OUT / f'{name}.png'}")
    dialog.close()


def main_window_shots(window: MainWindow, prefix: str) -> None:
    window.show_view("home")
    shoot(window, f"{prefix}main-home-empty")
    window.show_view("clients")
    shoot(window, f"{prefix}main-clients-empty")
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


def fill_demo(window: MainWindow) -> None:
    """A small demo practice, then the record pages rebuilt over it."""
    session = window.session
    if session is None:
        raise RuntimeError("expected an unlocked vault")
    demo.build(session.conn, demo.DemoSpec(clients=14, years=1, seed=7), today=date.today())
    window._destroy_pages()
    window._build_pages(session)
    settle()


def session_actions(chart: ClientChartView, prefix: str) -> None:
    """The newest session chosen (its actions enabled) and the Set attendance dialog."""
    tab = chart.sessions
    if tab.model.rowCount():
        tab.table.selectRow(0)
        dialog = tab.set_attendance()
        if dialog is not None:
            shoot_dialog(dialog, f"{prefix}dialog-set-attendance")


def resolve_a_diagnosis(chart: ClientChartView, prefix: str) -> None:
    """The last diagnosis (a secondary one when there are two) marked resolved through
    its dialog, so the tab shows a resolved diagnosis and History its row."""
    tab = chart.diagnoses
    if not tab.model.rowCount():
        return
    tab.table.selectRow(tab.model.rowCount() - 1)
    dialog = tab.resolve()
    if dialog is None:
        return
    shoot_dialog(dialog, f"{prefix}dialog-resolve-diagnosis")
    dialog = tab.resolve()
    if dialog is not None:
        dialog.accept()
        wait_until(
            lambda: any(d.resolved_date for d in tab.model.rows) and chart._loading == 0
        )


def record_shots(window: MainWindow, prefix: str) -> None:
    window.show_view("home")
    home = window.pages["home"]
    assert isinstance(home, HomePage)
    shoot(window, f"{prefix}main-home")
    window.show_view("clients")
    page = window.pages["clients"]
    assert isinstance(page, ClientsPage)
    shoot(window, f"{prefix}main-clients")
    shoot_dialog(page.list.add_client(), f"{prefix}dialog-add-client")
    client = page.list.model.rows[0].id
    chart = page.open_client(client)
    assert chart is not None
    wait_until(lambda: chart.chart is not None and chart._loading == 0)
    shoot(window, f"{prefix}chart-overview")
    for index, name in enumerate(
        ("overview", "sessions", "notes", "plan", "diagnoses", "attachments", "history")
    ):
        if index == 0:
            continue
        chart.tabs.setCurrentIndex(index)
        wait_until(lambda: window.busy.isHidden())
        if name == "sessions":
            session_actions(chart, prefix)
        elif name == "diagnoses":
            resolve_a_diagnosis(chart, prefix)
        shoot(window, f"{prefix}chart-{name}")
    chart.tabs.setCurrentIndex(3)
    plan_dialog = chart.plan.new_version()
    if plan_dialog is not None:
        shoot_dialog(plan_dialog, f"{prefix}dialog-plan-version")
    chart.tabs.setCurrentIndex(1)
    shoot_dialog(chart.sessions.log_session(), f"{prefix}dialog-log-session")
    chart.show_notes()
    signed = next(n for n in chart.notes.model.rows if n.state is NoteState.SIGNED)
    chart.notes.open_note(signed.id)
    shoot(window, f"{prefix}note-signed")
    void = chart.notes.editor.void()
    if void is not None:
        shoot_dialog(void, f"{prefix}dialog-void-note")
    dialog = chart.notes.new_note()
    if dialog is not None:
        shoot_dialog(dialog, f"{prefix}dialog-new-note")
    due, _name = home.due_model.rows[0]
    window._open_due(int(due.client_id), int(due.session_id))  # as a click on Home does
    chart = page.chart
    assert chart is not None
    wait_until(lambda: chart.chart is not None and chart._loading == 0)
    first = next(iter(chart.notes.editor.editors.values()))
    first.append("Client reports a calmer week.")
    chart.notes.editor.save_draft()
    shoot(window, f"{prefix}note-draft")
    sign = chart.notes.editor.sign()
    if sign is not None:
        shoot_dialog(sign, f"{prefix}dialog-sign-note")
    window.show_view("search")
    search = window.pages["search"]
    assert isinstance(search, SearchView)
    search.field.setText("sleep")
    search.run_search()
    wait_until(lambda: search.model.rowCount() > 0)
    shoot(window, f"{prefix}search-results")


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


def admin_shots(window: MainWindow, usb: Path, prefix: str) -> None:
    """Issue 16: the Records menu's dialogs over the demo practice."""
    from therapynotes.ui.admin import menu  # noqa: PLC0415
    from therapynotes.ui.admin.audit_dialog import AuditTrailDialog  # noqa: PLC0415
    from therapynotes.ui.admin.export_dialog import ExportDialog  # noqa: PLC0415
    from therapynotes.ui.admin.old_vaults_dialog import OldVaultsDialog  # noqa: PLC0415
    from therapynotes.ui.admin.retention_dialog import RetentionDialog  # noqa: PLC0415

    retention = menu.open_retention(window)
    assert isinstance(retention, RetentionDialog)
    retention.show_which.setCurrentIndex(1)
    wait_until(lambda: bool(retention.rows))
    retention.table.selectRow(0)
    settle()
    retention.grab().save(str(OUT / f"{prefix}dialog-retention.png"))
    retention.ask_purge()
    wait_until(lambda: retention.purge_dialog is not None)
    purge = retention.purge_dialog
    assert purge is not None
    purge.understood.setChecked(True)
    shoot_dialog(purge, f"{prefix}dialog-purge-1")
    retention.close()
    audit_trail = menu.open_audit_trail(window)
    assert isinstance(audit_trail, AuditTrailDialog)
    wait_until(lambda: bool(audit_trail.rows))
    audit_trail.table.selectRow(0)
    audit_trail.verify()
    wait_until(lambda: audit_trail.report is not None)
    shoot_dialog(audit_trail, f"{prefix}dialog-audit-trail")
    export = menu.open_export(window)
    assert isinstance(export, ExportDialog)
    export.set_folder(usb)
    shoot_dialog(export, f"{prefix}dialog-export")
    old = menu.open_old_vaults(window)
    assert isinstance(old, OldVaultsDialog)
    wait_until(lambda: old.loaded)
    shoot_dialog(old, f"{prefix}dialog-old-vaults")
    rehearsal = menu.open_rehearsal(window)
    assert rehearsal is not None
    shoot_dialog(rehearsal, f"{prefix}dialog-recovery-rehearsal")


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
        fill_demo(window)
        record_shots(window, prefix)
        admin_shots(window, root / "usb", prefix)
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
