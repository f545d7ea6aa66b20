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


def test_look_inside_an_old_vault_read_only(unlocked: Harness) -> None:
    import hashlib  # noqa: PLC0415

    import pyotp  # noqa: PLC0415

    from tests.support.records import add_client  # noqa: PLC0415
    from therapynotes.services.records import RecordsService  # noqa: PLC0415
    from therapynotes.ui.admin.old_vault_look_dialog import LookDialog  # noqa: PLC0415

    h = unlocked
    root = h.ctx.vault.paths.root
    aside = root.with_name(f"{root.name}.before-restore-20260301T101500")
    old_svc = VaultService(aside, clock=h.clock)
    created = old_svc.create(STRONG)
    h.clock.advance(30)
    old = old_svc.unlock(STRONG, pyotp.TOTP(created.totp_secret).at(h.clock()))
    add_client(RecordsService(old, clock=h.clock), "Olga Oldvault")
    old.lock("test")

    def digest() -> str:
        """The data file and its write-ahead log (where a write would land first)."""
        wal = aside / "vault.db-wal"
        data = (aside / "vault.db").read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        return hashlib.sha256(data).hexdigest()

    before = digest()
    dialog = menu.open_old_vaults(h.window)
    assert isinstance(dialog, OldVaultsDialog)
    h.qtbot.waitUntil(lambda: dialog.loaded, timeout=WAIT)
    dialog.table.selectRow(0)
    assert dialog.look_button.isEnabled()
    dialog.ask_look()
    look = dialog.look_dialog
    assert isinstance(look, LookDialog)
    look.passphrase.setText("not the passphrase at all")
    h.clock.advance(30)
    look.code.setText(pyotp.TOTP(created.totp_secret).at(h.clock()))
    look.open_button.click()
    h.qtbot.waitUntil(
        lambda: look.message.isVisible() and look.open_button.isEnabled(), timeout=WAIT
    )
    assert look.found is None and look.passphrase.text() == ""
    h.clock.advance(600)  # past the back-off a wrong passphrase starts
    look.passphrase.setText(STRONG)
    look.code.setText(pyotp.TOTP(created.totp_secret).at(h.clock()))
    look.open_button.click()
    h.qtbot.waitUntil(lambda: look.found is not None, timeout=WAIT)
    assert [look.clients.item(i).text() for i in range(look.clients.count())] == ["Olga Oldvault"]
    assert "1 client" in look.summary.text()
    assert digest() == before  # read-only: the old vault's data file is unchanged
