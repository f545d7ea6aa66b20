"""Settings dialogs (passphrase, recovery key) and the wizard's edges."""

from __future__ import annotations

from pathlib import Path

import pyotp
import shiboken6
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from tests.conftest import STRONG, STRONG2, FakeClock
from tests.ui.conftest import Harness, make_ctx, save_settings
from therapynotes.backup.errors import BackupNotFound
from therapynotes.errors import WrongPassphrase
from therapynotes.services.setup_flow import Mode, Step
from therapynotes.services.vault import VaultService
from therapynotes.ui.emergency_kit import NewRecoveryKeyDialog
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.settings_dialog import ChangePassphraseDialog, SettingsPanel
from therapynotes.ui.setup_wizard import SetupWizardView


def _panel(h: Harness) -> SettingsPanel:
    panel = h.window.pages["settings"]
    assert isinstance(panel, SettingsPanel)
    return panel


def test_change_passphrase_from_settings(unlocked: Harness) -> None:
    panel = _panel(unlocked)
    panel.change_passphrase()
    dialog = panel.findChild(ChangePassphraseDialog)
    assert dialog is not None
    dialog.old.setText("wrong horse battery staple")
    dialog.new.setText(STRONG2)
    dialog.again.setText(STRONG2)
    dialog.ok.click()
    unlocked.qtbot.waitUntil(dialog.message.isVisible)
    assert dialog.message.text() == WrongPassphrase().message
    dialog.old.setText(STRONG)
    dialog.ok.click()
    unlocked.qtbot.waitUntil(lambda: not dialog.isVisible())
    unlocked.window.lock()
    unlocked.unlock(STRONG2)
    unlocked.qtbot.waitUntil(lambda: unlocked.window.session is not None)


def test_new_recovery_key_asks_first_then_shows_it_once(unlocked: Harness) -> None:
    panel = _panel(unlocked)
    panel.new_recovery_key()
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    question = next(b for b in boxes if b.isVisible())
    assert "stop working" in question.text()
    question.button(QMessageBox.StandardButton.Yes).click()

    unlocked.qtbot.waitUntil(lambda: panel.key_dialog is not None)
    box = panel.key_dialog
    assert isinstance(box, NewRecoveryKeyDialog) and box.isVisible()
    labels = [w.text() for w in box.findChildren(QLabel)]
    assert any("only this once" in t for t in labels)
    assert unlocked.created is not None
    new_key = next(t for t in labels if t.replace(" ", "-") == box._key_text)
    assert new_key.replace(" ", "-") != unlocked.created.recovery_key
    unlocked.window.lock()  # closes the dialog too
    assert not shiboken6.isValid(box) or not box.isVisible()


def test_restore_branch_says_when_the_file_is_missing(
    qtbot: QtBot, vault_dir: Path, clock: FakeClock, config_dir: Path
) -> None:
    window = MainWindow(make_ctx(vault_dir, clock, config_dir))
    qtbot.addWidget(window)
    window.show()
    wizard = window.gate
    assert isinstance(wizard, SetupWizardView)
    wizard.choose(Mode.RESTORE)
    assert wizard.flow.step is Step.RESTORE
    wizard.restore_choose.file.setText(str(vault_dir / "x.tnbackup"))
    wizard.restore_choose.secret.setText("anything")
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.message.isVisible() and not wizard._busy)
    assert wizard.message.text() == BackupNotFound().message
    wizard.go_back()
    assert wizard.flow.step is Step.CHOOSE


def test_closing_mid_wizard_locks_the_new_vault(
    qtbot: QtBot, vault_dir: Path, clock: FakeClock, config_dir: Path
) -> None:
    window = MainWindow(make_ctx(vault_dir, clock, config_dir))
    qtbot.addWidget(window)
    window.show()
    wizard = window.gate
    assert isinstance(wizard, SetupWizardView)
    wizard.choose(Mode.CREATE)
    wizard.passphrase.setText(STRONG)
    wizard.confirm.setText(STRONG)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.flow.step is Step.TOTP and not wizard._busy)
    secret = wizard.totp_key.text().replace(" ", "")
    wizard.code.setText(pyotp.TOTP(secret).at(clock()))
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.flow.step is Step.RECOVERY_SHOW and not wizard._busy)
    session = wizard.flow.session
    assert session is not None and session.is_open
    window.close()
    assert not session.is_open
    assert VaultService(vault_dir, clock=clock).setup_incomplete()

    # Next start: the unfinished vault (whose recovery key was never confirmed) is set
    # aside, nothing deleted, and the wizard starts again.
    again = MainWindow(make_ctx(vault_dir, clock, config_dir))
    qtbot.addWidget(again)
    assert isinstance(again.gate, SetupWizardView)
    assert "wasn't finished" in again.statusBar().currentMessage()
    aside = [p for p in vault_dir.parent.iterdir() if p.name.startswith("vault.unfinished-")]
    assert len(aside) == 1 and (aside[0] / "vault.keys").exists()
    assert not VaultService(vault_dir, clock=clock).exists()


def test_emergency_kit_pdf(
    qtbot: QtBot, vault_dir: Path, clock: FakeClock, config_dir: Path, tmp_path: Path
) -> None:
    window = MainWindow(make_ctx(vault_dir, clock, config_dir))
    qtbot.addWidget(window)
    window.show()
    wizard = window.gate
    assert isinstance(wizard, SetupWizardView)
    wizard.choose(Mode.CREATE)
    wizard.passphrase.setText(STRONG)
    wizard.confirm.setText(STRONG)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.flow.step is Step.TOTP and not wizard._busy)
    secret = wizard.totp_key.text().replace(" ", "")
    wizard.code.setText(pyotp.TOTP(secret).at(clock()))
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.flow.step is Step.RECOVERY_SHOW and not wizard._busy)
    pdf = tmp_path / "kit.pdf"
    wizard.save_emergency_kit(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "Print it" in wizard.message.text()
    window.close()


def test_record_settings_are_saved_and_audited(unlocked: Harness) -> None:
    from therapynotes.services.preferences import load_record_settings
    from therapynotes.store import audit

    group = _panel(unlocked).records
    group.practice.setText("Riverside Counselling")
    group.late.setValue(48)
    group.years.setValue(10)
    save_settings(unlocked)
    session = unlocked.window.session
    assert session is not None
    saved = load_record_settings(session)
    assert saved.practice_name == "Riverside Counselling"
    assert saved.late_entry_hours == 48 and saved.retention.years == 10
    rows = [e for e in audit.entries(session.conn) if e.kind == "settings.changed"]
    assert len(rows) >= 3
    assert all("Riverside" not in str(e.detail) for e in rows)  # names of settings only
    assert not _panel(unlocked).save_bar.save.isEnabled()  # nothing left to save


def test_backup_schedule_is_saved_with_the_page(unlocked: Harness) -> None:
    from therapynotes.services.backups import BackupService

    group = _panel(unlocked).backups
    session = unlocked.window.session
    assert session is not None
    service = BackupService(session)
    assert service.schedule_policy.every_hours == 4
    group.every.setValue(12)
    group.warn.setValue(3)
    assert service.schedule_policy.every_hours == 4  # not before Save (issue 16)
    save_settings(unlocked)
    assert service.schedule_policy.every_hours == 12
    assert service.schedule_policy.warn_after_days == 3


def test_new_phone_from_settings_needs_both_secrets(unlocked: Harness) -> None:
    import pyotp

    from therapynotes.ui.reset_totp_dialog import ResetTotpDialog

    assert unlocked.created is not None
    panel = _panel(unlocked)
    panel.new_phone.click()
    dialog = panel.findChild(ResetTotpDialog)
    assert dialog is not None
    dialog.passphrase.setText(STRONG)
    key = unlocked.created.recovery_key
    dialog.key.setText(key[:-1] + ("R" if key.endswith("Q") else "Q"))
    dialog.ok.click()
    unlocked.qtbot.waitUntil(lambda: "typing mistake" in dialog.message.text(), timeout=20_000)
    dialog.key.setText(unlocked.created.recovery_key)
    dialog.ok.click()
    unlocked.qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=20_000)
    secret = dialog.manual_key.text().replace(" ", "")
    dialog.accept()
    unlocked.window.lock()
    unlocked.clock.advance(30)
    unlocked.unlock(code=str(pyotp.TOTP(secret).at(unlocked.clock())))
    unlocked.qtbot.waitUntil(lambda: unlocked.window.session is not None, timeout=20_000)


def test_settings_scroll_instead_of_clipping_fields_in_a_short_window(unlocked: Harness) -> None:
    """On a short window (a 13-inch laptop at 200 %) every field keeps the height it
    needs to show its value, and the page scrolls to the last section."""
    from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QScrollArea

    window = unlocked.window
    window.resize(1000, 560)
    window.show_view("settings")
    panel = _panel(unlocked)
    unlocked.qtbot.waitUntil(panel.isVisible)
    QApplication.processEvents()
    fields = [*panel.findChildren(QAbstractSpinBox), *panel.findChildren(QLineEdit)]
    fields = [
        f for f in fields if f.isVisibleTo(panel) and not isinstance(f.parent(), QAbstractSpinBox)
    ]
    assert len(fields) >= 6
    for field in fields:
        assert field.height() >= field.minimumSizeHint().height(), field.accessibleName()
    (scroll,) = panel.findChildren(QScrollArea)
    scroll.ensureWidgetVisible(panel.rotate)
    QApplication.processEvents()
    assert scroll.verticalScrollBar().value() > 0


def test_clinician_profile_is_saved_on_the_worker_and_audited(
    unlocked: Harness, monkeypatch
) -> None:
    """Settings → Clinician profile: a bad NPI is one clear sentence and saves nothing;
    a good profile saves on the database worker (not the UI thread), is audited by
    field name only, and the next signature names the clinician."""
    import threading

    from therapynotes.domain.models import ClientFields
    from therapynotes.services.profile import ProfileService
    from therapynotes.services.records import RecordsService
    from therapynotes.store import audit

    session = unlocked.window.session
    assert session is not None
    group = _panel(unlocked).profile
    assert "treating clinician" in group.preview.text()
    savers: list[int | None] = []
    real_set = ProfileService.set

    def spy(self: ProfileService, new):  # type: ignore[no-untyped-def]
        savers.append(threading.get_ident())
        return real_set(self, new)

    monkeypatch.setattr(ProfileService, "set", spy)
    group.name.setText("Dana Reyes")
    group.credentials.setText("PsyD")
    group.license.setText("PSY 12345")
    group.state.setText("ca")
    group.npi.setText("1234567890")
    assert "Dana Reyes, PsyD, PSY 12345" in group.preview.text()
    panel = _panel(unlocked)
    assert not panel.forms.save()  # refused: the message is under the NPI field
    note = group.notes[group.npi]
    assert note.isVisibleTo(group) and "NPI is not valid" in note.text()
    assert savers == [] and ProfileService(session).get() is None

    group.npi.setText("1234567893")
    assert not note.isVisibleTo(group)  # an edit clears it
    save_settings(unlocked)
    assert savers and threading.main_thread().ident not in savers
    saved = ProfileService(session).get()
    assert saved is not None and saved.license_state == "CA" and saved.npi == "1234567893"
    rows = [e for e in audit.entries(session.conn) if e.detail.get("area") == "profile"]
    assert len(rows) == 1 and "Reyes" not in str(rows[0].detail)

    records = RecordsService(session, clock=unlocked.clock)
    client = records.create_client(ClientFields(legal_name="Ada"))
    note = records.sign_note(records.start_note(client, "freeform", sections={"text": "x"}))
    assert note.signed_by == "Dana Reyes, PsyD, PSY 12345"

    assert not panel.save_bar.save.isEnabled()  # nothing left to save
