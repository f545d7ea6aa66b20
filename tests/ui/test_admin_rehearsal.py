"""The recovery rehearsal in the window (issue 16): a wrong recovery key fails with a
plain message and nothing passed; the right one passes on the newest backup, the field
never keeps the key, and Home then says when the last rehearsal passed."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import STRONG
from tests.ui.conftest import Harness
from therapynotes.services.backups import BackupService
from therapynotes.services.rehearsal import RehearsalService
from therapynotes.services.vault import VaultService
from therapynotes.ui.admin import menu
from therapynotes.ui.admin.rehearsal_dialog import RehearsalDialog
from therapynotes.ui.home_view import HomePage

WAIT = 20000


def test_rehearsal_from_the_window(unlocked: Harness, tmp_path: Path) -> None:
    h = unlocked
    assert h.created is not None
    session = h.window.session
    assert session is not None
    drive = tmp_path / "drive"
    drive.mkdir()
    BackupService(session, clock=h.clock).run(drive)
    h.ctx.settings.backup_folder = str(drive)
    home = h.window.pages["home"]
    assert isinstance(home, HomePage)
    h.qtbot.waitUntil(lambda: home.rehearsal_card.loaded, timeout=WAIT)
    assert "No recovery rehearsal yet" in home.rehearsal_card.text.text()
    other = VaultService(tmp_path / "other" / "vault", clock=h.clock).create(STRONG)

    before = {p.name: p.stat().st_mtime_ns for p in drive.iterdir()}
    dialog = menu.open_rehearsal(h.window)
    assert isinstance(dialog, RehearsalDialog)
    h.qtbot.waitUntil(lambda: not dialog._loading_every, timeout=WAIT)
    assert dialog.every.value() == 6
    dialog.every.setValue(12)
    h.records_settled()
    assert RehearsalService(session, clock=h.clock).every_months() == 12
    dialog.key.setText(other.recovery_key)
    dialog.start.click()
    assert dialog.key.text() == ""  # never kept in the field
    h.qtbot.waitUntil(lambda: dialog.failed is not None, timeout=WAIT)
    assert "recovery key" in dialog.message.text().lower() and dialog.outcome is None
    dialog.key.setText(h.created.recovery_key)
    dialog.start.click()
    h.qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=WAIT)
    assert "The rehearsal passed" in dialog.message.text()
    assert {p.name: p.stat().st_mtime_ns for p in drive.iterdir()} == before  # only read
    dialog.reject()
    h.window.lock("manual")
    h.unlock_ok()
    home = h.window.pages["home"]
    assert isinstance(home, HomePage)
    h.qtbot.waitUntil(lambda: home.rehearsal_card.loaded, timeout=WAIT)
    assert "The last recovery rehearsal passed on" in home.rehearsal_card.text.text()
