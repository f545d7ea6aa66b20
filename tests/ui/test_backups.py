"""The Backups page, the status bar and the backup schedule in the desktop app."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.conftest import STRONG
from tests.ui.conftest import Harness
from therapynotes.backup.schedule import DAY, HOUR
from therapynotes.services.backups import verify_backup
from therapynotes.store.audit import AuditKind
from therapynotes.ui.backup_view import BackupsView


def _view(h: Harness) -> BackupsView:
    h.window.show_view("backups")
    page = h.window.pages["backups"]
    assert isinstance(page, BackupsView)
    return page


def _drive(tmp_path: Path) -> Path:
    drive = tmp_path / "usb"
    drive.mkdir()
    return drive


def _wait_idle(h: Harness) -> None:
    h.qtbot.waitUntil(lambda: not h.window.backups.busy, timeout=20_000)


def _back_up(h: Harness, view: BackupsView) -> None:
    view.run_button.click()
    _wait_idle(h)
    h.qtbot.waitUntil(lambda: view.model.rowCount() > 0)


def test_back_up_now_makes_a_verified_backup_and_lists_it(
    unlocked: Harness, tmp_path: Path
) -> None:
    h, drive = unlocked, _drive(tmp_path)
    view = _view(h)
    assert "folder" in h.window.backup_label.text()  # "No backup folder yet"
    view.set_folder(drive)
    assert view.attention.isVisible()  # "There is no backup yet…"
    view.run_button.click()
    assert h.window.backups.busy and view.cancel_button.isVisible()
    assert not view.run_button.isEnabled()
    _wait_idle(h)
    h.qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    (made,) = drive.glob("*.tnbackup")
    verify_backup(made, tmp_path, passphrase=STRONG)
    assert view.model.rows[0].path == made
    assert view.model.verified(view.model.rows[0]) == "Yes"
    assert view.result.isVisible() and "checked" in view.result.text()
    assert view.last_good.text().startswith("Last good backup:")
    assert not view.attention.isVisible() and not view.cancel_button.isVisible()
    assert h.window.backup_label.text().startswith("Backed up ")


def test_cancel_leaves_nothing_and_is_not_a_failure(unlocked: Harness, tmp_path: Path) -> None:
    h, drive = unlocked, _drive(tmp_path)
    view = _view(h)
    view.set_folder(drive)
    view.run_button.click()
    view.cancel_button.click()
    _wait_idle(h)
    assert list(drive.iterdir()) == []  # not even a hidden temp file
    assert "cancelled" in view.result.text()
    assert h.window.backups.state().last_run_ok is None
    assert not list(h.ctx.vault.paths.root.glob(".backup-work-*"))
    h.ctx.settings.backup_folder = ""  # no backup at the teardown's quit


def test_missing_drive_is_said_plainly_and_skipped_quietly(
    unlocked: Harness, tmp_path: Path
) -> None:
    h = unlocked
    view = _view(h)
    view.set_folder(tmp_path / "unplugged")
    expected = "Your backup drive isn't connected. Connect it, or choose another folder."
    assert expected in view.warning.text()
    assert h.window.backup_label.text() == "Backup drive not connected"
    assert h.window.backup_label.toolTip() == expected
    view.run_button.click()
    assert not h.window.backups.busy and view.result.text() == expected
    h.clock.advance(5 * HOUR)
    h.window.backups.tick()  # the schedule skips quietly: no error box, no run
    assert not h.window.backups.busy


def test_lock_backs_up_first_when_something_changed(unlocked: Harness, tmp_path: Path) -> None:
    h, drive = unlocked, _drive(tmp_path)
    view = _view(h)
    view.set_folder(drive)
    _back_up(h, view)
    session = h.window.session
    assert session is not None

    h.window.lock("manual")  # nothing changed since that backup: locks at once
    assert not session.is_open and len(list(drive.glob("*.tnbackup"))) == 1

    h.unlock_ok()
    session = h.window.session
    assert session is not None
    session.record(AuditKind.RECORD_CREATED, subject="client")
    h.clock.advance(60)
    h.window.lock("manual")
    assert h.window.session is None and h.window.pages == {}  # records off screen at once
    assert not h.unlock_view.isEnabled()
    h.qtbot.waitUntil(lambda: not session.is_open, timeout=20_000)
    assert len(list(drive.glob("*.tnbackup"))) == 2
    assert h.unlock_view.isEnabled()


def test_timer_backs_up_every_few_hours_only_after_changes(
    unlocked: Harness, tmp_path: Path
) -> None:
    h, drive = unlocked, _drive(tmp_path)
    view = _view(h)
    view.set_folder(drive)
    _back_up(h, view)
    runner = h.window.backups
    h.clock.advance(5 * HOUR)
    runner.tick()
    assert not runner.busy  # nothing changed
    h.window.lock("manual")
    h.unlock_ok()
    runner = h.window.backups
    assert h.window.session is not None
    _back_up(h, _view(h))  # a fresh good backup, then a change right after it
    h.window.session.record(AuditKind.RECORD_EDITED, subject="note")
    h.clock.advance(1 * HOUR)
    runner.tick()
    assert not runner.busy  # changed, but the last backup is only an hour old
    h.clock.advance(4 * HOUR)
    runner.tick()
    assert runner.busy
    _wait_idle(h)
    assert len(list(drive.glob("*.tnbackup"))) == 3


def test_unlock_warns_when_the_last_backup_is_too_old(
    unlocked: Harness, tmp_path: Path, qtbot: QtBot
) -> None:
    h, drive = unlocked, _drive(tmp_path)
    view = _view(h)
    view.set_folder(drive)
    _back_up(h, view)
    h.window.lock("manual")
    h.clock.advance(8 * DAY)
    h.unlock_ok()
    boxes = [b for b in h.window.findChildren(QMessageBox) if b.isVisible()]
    assert any("more than 7 days old" in b.text() for b in boxes)
    assert h.window.backup_label.text() == "Last backup is too old"
    for box in boxes:
        box.close()


def test_quit_backs_up_first_when_something_changed(unlocked: Harness, tmp_path: Path) -> None:
    h, drive = unlocked, _drive(tmp_path)
    _view(h).set_folder(drive)
    session = h.window.session
    assert session is not None
    session.record(AuditKind.RECORD_CREATED, subject="client")
    h.window.close()
    assert h.window.isVisible() and h.window.pages == {}  # records gone, window waits
    h.qtbot.waitUntil(lambda: not h.window.isVisible(), timeout=20_000)
    assert not session.is_open
    (made,) = drive.glob("*.tnbackup")
    verify_backup(made, tmp_path, passphrase=STRONG)
