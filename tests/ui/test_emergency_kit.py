"""The Emergency Kit PDF, read back with pdftotext: the recovery key, the vault id, where
backups are, the restore steps; saved from Settings after "Make a new recovery key"."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.support.pdf import pdf_text
from tests.ui.conftest import Harness
from therapynotes.ui.emergency_kit import NewRecoveryKeyDialog, write_emergency_kit
from therapynotes.ui.settings_dialog import SettingsPanel

KEY = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567-ABCD-EFGH-IJKL-MNOP-QRST-UVWX"


def test_kit_holds_key_vault_backups_and_steps(qapp: object, tmp_path: Path) -> None:
    del qapp
    pdf = tmp_path / "kit.pdf"
    write_emergency_kit(
        pdf,
        recovery_key=KEY,
        vault_id="0123456789abcdef",
        backup_folder="/media/usb/Practice backups",
        made_on=date(2027, 1, 2),
    )
    text = pdf_text(pdf)
    flat = " ".join(text.split())
    assert "ABCD EFGH IJKL MNOP QRST UVWX YZ23" in flat
    assert "4567 ABCD EFGH IJKL MNOP QRST UVWX" in flat
    assert "0123456789abcdef" in flat
    assert "/media/usb/Practice backups" in flat
    assert "Restore on a new computer" in flat and "Restore from a backup file" in flat
    assert "Use recovery key" in flat
    assert "Page 1 of" in flat
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["kit.pdf"]


def test_kit_without_backup_folder_says_where_to_write_it(qapp: object, tmp_path: Path) -> None:
    del qapp
    pdf = tmp_path / "kit.pdf"
    write_emergency_kit(pdf, recovery_key=KEY, vault_id="v", backup_folder="")
    assert "No backup folder was chosen" in pdf_text(pdf)


def test_settings_new_recovery_key_offers_the_kit(
    qtbot: QtBot, unlocked: Harness, tmp_path: Path
) -> None:
    unlocked.ctx.settings.backup_folder = str(tmp_path / "usb")
    unlocked.window.show_view("settings")
    panel = unlocked.window.pages["settings"]
    assert isinstance(panel, SettingsPanel)
    panel._make_key()
    qtbot.waitUntil(lambda: panel.key_dialog is not None)
    dialog = panel.key_dialog
    assert isinstance(dialog, NewRecoveryKeyDialog)
    pdf = tmp_path / "new-kit.pdf"
    dialog.save_kit(pdf)
    assert "Print it" in dialog.message.text()
    flat = " ".join(pdf_text(pdf).split())
    key_groups = dialog._key_text.split("-")
    assert " ".join(key_groups[:7]) in flat
    session = unlocked.window.session
    assert session is not None and session.vault_id in flat
    assert str(tmp_path / "usb") in "".join(flat.split())  # a long path may wrap


def test_kit_write_failure_is_shown_inline(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = NewRecoveryKeyDialog(KEY, vault_id="v", backup_folder="")
    qtbot.addWidget(dialog)
    dialog.save_kit(tmp_path / "missing" / "kit.pdf")
    assert "could not be saved" in dialog.message.text()
    assert not (tmp_path / "missing").exists()
