"""Device checks in the window (issue 16): Settings → This computer shows all the checks
as run for real here; Home warns about a failing one (recorded outputs make one fail)
until it is dismissed with a reason, which the vault keeps and the audit trail notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.conftest import Harness
from therapynotes.services.device import dismissals
from therapynotes.services.device.model import CHECKS, DeviceCheck, Status
from therapynotes.services.records import RecordsService
from therapynotes.store import audit
from therapynotes.ui.admin import this_computer
from therapynotes.ui.home_view import HomePage
from therapynotes.ui.settings_dialog import SettingsPanel

WAIT = 20000


def test_settings_shows_every_check(unlocked: Harness) -> None:
    panel = unlocked.window.pages["settings"]
    assert isinstance(panel, SettingsPanel)
    group = panel.this_computer
    unlocked.qtbot.waitUntil(lambda: len(group.checks) == len(CHECKS), timeout=WAIT)
    assert [c.name for c in group.checks] == list(CHECKS)
    states = {
        w.accessibleName() for w in group.findChildren(this_computer.QLabel) if w.accessibleName()
    }
    assert {name.split(":")[0] for name in states} == {this_computer.TITLES[n] for n in CHECKS}


def test_this_computer_checks_the_backup_folder_drive(unlocked: Harness, tmp_path: Path) -> None:
    """The backup drive's check follows the folder chosen for backups: none set says so;
    a folder set is looked up for real (findmnt/lsblk here)."""
    panel = unlocked.window.pages["settings"]
    assert isinstance(panel, SettingsPanel)
    group = panel.this_computer

    def backup_advice() -> str:
        return next((c.advice for c in group.checks if c.name == "backup-drive-encryption"), "")

    unlocked.ctx.settings.backup_folder = ""
    group.refresh()
    unlocked.qtbot.waitUntil(lambda: "no backup folder" in backup_advice(), timeout=WAIT)
    unlocked.ctx.settings.backup_folder = str(tmp_path)
    group.refresh()
    unlocked.qtbot.waitUntil(
        lambda: bool(backup_advice()) and "no backup folder" not in backup_advice(),
        timeout=WAIT,
    )
    by = {c.name: c for c in group.checks}
    assert by["app-version"].advice  # the app's own version age, whatever it is here


def test_home_warns_until_dismissed_with_a_reason(
    unlocked: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = DeviceCheck("disk-encryption", Status.FAIL, "The disk is not encrypted.")
    fine = [DeviceCheck(n, Status.OK, "fine") for n in CHECKS[1:]]
    monkeypatch.setattr(this_computer, "run_checks", lambda _root, **_kw: [bad, *fine])
    h = unlocked
    h.window.lock("manual")
    h.unlock_ok()
    home = h.window.pages["home"]
    assert isinstance(home, HomePage)
    card = home.device_card
    h.qtbot.waitUntil(lambda: card.shown == [bad], timeout=WAIT)
    assert not card.isHidden()
    card.ask_dismiss(bad)
    assert card.dialog is not None
    card.dialog.ok.click()  # no reason: refused
    assert card.dialog.isVisible() and card.dialog.message.isVisible()
    card.dialog.reason.setText("encrypted by the practice's own tool")
    card.dialog.ok.click()
    h.qtbot.waitUntil(card.isHidden, timeout=WAIT)
    session = h.window.session
    assert session is not None
    records = RecordsService(session, clock=h.clock)
    assert dismissals.dismissed(records) == {
        "disk-encryption": "encrypted by the practice's own tool"
    }
    keys = [e.detail.get("key") for e in audit.entries(session.conn)]
    assert "device_dismissed.disk-encryption" in keys
    # after the next unlock it stays dismissed
    h.window.lock("manual")
    h.unlock_ok()
    home = h.window.pages["home"]
    assert isinstance(home, HomePage)
    h.qtbot.waitUntil(lambda: home.device_card.checked, timeout=WAIT)
    assert home.device_card.shown == [] and home.device_card.isHidden()
