"""Old vaults in the window (issue 16): a real vault set aside beside the live one is
listed with its date and keyring state, "Keep it" changes nothing, and "Remove" deletes
its folder and its keyring entry while the live vault still opens."""

from __future__ import annotations

import keyring
from PySide6.QtWidgets import QMessageBox

from tests.conftest import STRONG
from tests.ui.conftest import Harness
from therapynotes.services.vault import VaultService
from therapynotes.ui.admin import menu
from therapynotes.ui.admin.old_vaults_dialog import OldVaultsDialog

WAIT = 20000


def _answer(dialog: OldVaultsDialog, text: str) -> None:
    box = dialog.confirm
    assert box is not None
    [button] = [b for b in box.buttons() if b.text() == text]
    button.click()


def test_list_and_remove_an_old_vault(unlocked: Harness) -> None:
    h = unlocked
    root = h.ctx.vault.paths.root
    aside = root.with_name(f"{root.name}.before-restore-20260301T101500")
    VaultService(aside, clock=h.clock).create(STRONG)
    entry = VaultService(aside)._read_keys()[1].device_entry
    assert keyring.get_password("therapynotes", entry) is not None
    dialog = menu.open_old_vaults(h.window)
    assert isinstance(dialog, OldVaultsDialog)
    h.qtbot.waitUntil(lambda: dialog.loaded, timeout=WAIT)
    assert [r.old.name for r in dialog.rows] == [aside.name]
    assert dialog.table.item(0, 1).text() == "Kept after a restore"
    assert "2026" in dialog.table.item(0, 0).text()
    assert dialog.table.item(0, 3).text().startswith("keyring entry kept")
    assert not dialog.remove_button.isEnabled()
    dialog.table.selectRow(0)
    dialog.ask_remove()
    _answer(dialog, "Keep it")
    assert aside.is_dir()
    dialog.ask_remove()
    assert isinstance(dialog.confirm, QMessageBox)
    _answer(dialog, "Remove")
    h.qtbot.waitUntil(lambda: dialog.loaded and dialog.rows == [], timeout=WAIT)
    assert not aside.exists()
    assert "and its keyring entry" in dialog.message.text()
    assert dialog.empty.isVisible()
    assert keyring.get_password("therapynotes", entry) is None
    assert VaultService(root)._read_keys()[1].device_entry != entry
