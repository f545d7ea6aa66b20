"""Export and import in the window (issue 16): "Export all records…" says the copy is not
encrypted and refuses until the therapist says they understand, then writes the open
JSON export; the first-run wizard's "Move from another computer or app" checks that
export, creates a new vault as usual and brings every record into it."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import STRONG, FakeClock
from tests.support.records import add_client
from tests.ui.conftest import Harness, make_ctx
from therapynotes.portable import format as fmt
from therapynotes.services.records import RecordsService
from therapynotes.services.setup_flow import Step
from therapynotes.ui.admin import menu
from therapynotes.ui.admin.export_dialog import ExportDialog, folder_name
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.setup_wizard import SetupWizardView

WAIT = 20000


def _export(h: Harness, where: Path) -> Path:
    dialog = menu.open_export(h.window)
    assert isinstance(dialog, ExportDialog)
    assert "NOT encrypted" in dialog.warning.text()
    dialog.export_button.click()
    assert "Choose the folder" in dialog.message.text()
    dialog.set_folder(where)
    assert folder_name(h.clock) in dialog.where.text()
    dialog.export_button.click()
    assert "Tick the box" in dialog.message.text()
    assert not any(where.iterdir())  # nothing written before the box is ticked
    dialog.understood.setChecked(True)
    dialog.export_button.click()
    h.qtbot.waitUntil(lambda: dialog.done_folder is not None, timeout=WAIT)
    assert "Exported 2 clients" in dialog.message.text()
    assert dialog.done_folder is not None
    return dialog.done_folder


def test_export_then_move_in_from_the_wizard(
    unlocked: Harness, qtbot: QtBot, tmp_path: Path, clock: FakeClock
) -> None:
    session = unlocked.window.session
    assert session is not None
    records = RecordsService(session, clock=unlocked.clock)
    add_client(records, "Ada Movedin")
    add_client(records, "Bo Alsomoved")
    where = tmp_path / "usb"
    where.mkdir()
    exported = _export(unlocked, where)
    document = json.loads((exported / fmt.JSON_NAME).read_text())
    assert len(document["clients"]) == 2
    unlocked.window.lock("manual")
    qtbot.waitUntil(lambda: not session.is_open, timeout=WAIT)

    # a new computer: the first-run wizard
    window = MainWindow(make_ctx(tmp_path / "new-vault", clock, tmp_path / "new-config"))
    qtbot.addWidget(window)
    window.show()
    wizard = window.gate
    assert isinstance(wizard, SetupWizardView)
    assert any(
        b.accessibleName() == "Move from another computer or app"
        for b in wizard.findChildren(QWidget)
    )
    wizard.choose_import(tmp_path)  # not an export: refused, still on the first page
    qtbot.waitUntil(lambda: wizard.message.isVisible() and not wizard._busy, timeout=WAIT)
    assert wizard.flow.step is Step.CHOOSE
    wizard.choose_import(exported)
    qtbot.waitUntil(lambda: not wizard._busy and wizard.flow.step is Step.PASSPHRASE, timeout=WAIT)
    wizard.passphrase.setText(STRONG)
    wizard.confirm.setText(STRONG)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: not wizard._busy, timeout=WAIT)
    assert wizard.flow.step is Step.TOTP, wizard.message.text()
    secret = wizard.totp_key.text().replace(" ", "")
    wizard.code.setText(pyotp.TOTP(secret).at(clock()))
    wizard.next_button.click()
    qtbot.waitUntil(lambda: not wizard._busy, timeout=WAIT)  # the page is shown, not just the step
    assert wizard.flow.step is Step.RECOVERY_SHOW, wizard.message.text()
    groups = [label.text() for label in wizard.group_labels]
    wizard.next_button.click()
    wizard.check_field.setText(groups[wizard.flow.check_group])
    wizard.next_button.click()
    assert wizard.flow.step is Step.BACKUP_FOLDER
    wizard.skip_button.click()
    qtbot.waitUntil(lambda: window.session is not None, timeout=WAIT)
    moved = RecordsService(window.session, clock=clock)
    names = sorted(c.display_name for c in moved.list_clients(include_all=True))
    assert names == ["Ada Movedin", "Bo Alsomoved"]
