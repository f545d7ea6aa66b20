"""Settings keeps one way to apply changes (issue 16, ui/settings_apply.py): every section
of values waits for *Save changes*, which checks them all first (a wrong value gets its
message under its field and nothing is saved), *Discard changes* puts back what is
saved, leaving the page asks, and a lock (Ctrl+L or idle) keeps what was typed in the
vault and brings it back after unlock, unsaved, until it is saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.conftest import Harness, save_settings
from tests.ui.test_records_flow import clients
from therapynotes.services.backups import stored_schedule
from therapynotes.services.preferences import load_record_settings
from therapynotes.services.profile import ProfileService
from therapynotes.services.spelling import SpellingService
from therapynotes.settings import load_security
from therapynotes.ui.settings_apply import SettingsSection
from therapynotes.ui.settings_dialog import SettingsPanel

CANARY = "Settingscanary"
WAIT = 20000


def _panel(h: Harness) -> SettingsPanel:
    h.window.show_view("settings")
    panel = h.window.pages["settings"]
    assert isinstance(panel, SettingsPanel)
    return panel


def test_every_section_of_values_is_one_of_the_page(unlocked: Harness) -> None:
    panel = _panel(unlocked)
    sections = set(panel.forms.sections)
    for name in ("locking", "profile", "practice", "records", "backups", "spelling", "schedule"):
        section = getattr(panel, name)
        assert isinstance(section, SettingsSection) and section in sections, name
    # no section keeps a Save button of its own
    buttons = {b.text() for s in sections for b in s.findChildren(type(panel.save_bar.save))}
    assert not [t for t in buttons if t.startswith("Save")]
    assert not panel.save_bar.save.isEnabled()
    assert panel.save_bar.status.text() == "All changes are saved."


def test_changes_wait_for_save_and_discard_puts_them_back(unlocked: Harness) -> None:
    h = unlocked
    panel = _panel(h)
    session = h.window.session
    assert session is not None
    idle = load_security(session.conn).idle_timeout_minutes
    panel.idle.setValue(idle + 1)
    panel.records.practice.setText("Riverside Counselling")
    panel.backups.every.setValue(9)
    panel.spelling.enabled.setChecked(not panel.spelling.enabled.isChecked())
    status = panel.save_bar.status.text()
    assert status.startswith("Unsaved changes in ")
    for title in ("Locking", "Records", "Backups", "Spelling"):
        assert title in status
    assert panel.save_bar.save.isEnabled() and panel.save_bar.discard.isEnabled()
    # nothing is applied yet
    assert load_security(session.conn).idle_timeout_minutes == idle
    assert h.window.idle.timeout_seconds == idle * 60
    assert load_record_settings(session).practice_name == ""
    assert stored_schedule(session).every_hours != 9
    panel.save_bar.discard.click()
    assert panel.idle.value() == idle and panel.records.practice.text() == ""
    assert panel.backups.every.value() == int(stored_schedule(session).every_hours)
    assert not panel.forms.dirty() and not panel.save_bar.save.isEnabled()
    # and Save applies them all, the window's lock time at once
    panel.idle.setValue(idle + 1)
    panel.records.practice.setText("Riverside Counselling")
    spell = not panel.spelling.enabled.isChecked()
    panel.spelling.enabled.setChecked(spell)
    save_settings(h)
    assert load_security(session.conn).idle_timeout_minutes == idle + 1
    assert h.window.idle.timeout_seconds == (idle + 1) * 60
    assert load_record_settings(session).practice_name == "Riverside Counselling"
    with session.db_lock:
        assert SpellingService(session).enabled() is spell


def test_a_wrong_value_is_refused_next_to_its_field_and_nothing_is_saved(
    unlocked: Harness,
) -> None:
    h = unlocked
    panel = _panel(h)
    session = h.window.session
    assert session is not None
    profile = panel.profile
    profile.credentials.setText("PsyD")
    profile.license.setText("PSY 12345")  # the name is missing
    panel.records.practice.setText("Fine Practice")  # right, but saved only with the rest
    assert not panel.forms.save()
    note = profile.notes[profile.name]
    assert note.isVisibleTo(profile) and "fill in your name" in note.text()
    assert profile.name.accessibleDescription() == note.text()
    assert QApplication.focusWidget() in (profile.name, None)  # offscreen may not focus
    assert "nothing was saved" in panel.save_bar.status.text()
    h.records_settled()
    assert ProfileService(session).get() is None
    assert load_record_settings(session).practice_name == ""
    assert h.window.current_view() == "settings"  # the page stays, with what was typed
    assert profile.credentials.text() == "PsyD"
    profile.name.setText("Dana Reyes")
    assert not note.isVisibleTo(profile)  # typing clears the message
    save_settings(h)
    found = ProfileService(session).get()
    assert found is not None and found.name == "Dana Reyes"
    assert load_record_settings(session).practice_name == "Fine Practice"


def _answer(h: Harness, panel: SettingsPanel, button: QMessageBox.StandardButton) -> None:
    h.qtbot.waitUntil(panel.leave_box.isVisible, timeout=WAIT)
    panel.leave_box.button(button).click()


def test_leaving_with_unsaved_changes_asks(unlocked: Harness) -> None:
    h = unlocked
    panel = _panel(h)
    session = h.window.session
    assert session is not None
    panel.records.late.setValue(30)
    h.window.show_view("home")
    assert h.window.current_view() == "settings"  # asked first
    _answer(h, panel, QMessageBox.StandardButton.Cancel)  # Keep editing
    assert h.window.current_view() == "settings" and panel.records.late.value() == 30
    h.window.show_view("home")
    _answer(h, panel, QMessageBox.StandardButton.Discard)
    assert h.window.current_view() == "home"
    assert panel.records.late.value() == load_record_settings(session).late_entry_hours != 30
    _panel(h).records.late.setValue(31)
    h.window.show_view("clients")
    _answer(h, panel, QMessageBox.StandardButton.Save)
    h.qtbot.waitUntil(lambda: h.window.current_view() == "clients", timeout=WAIT)
    assert load_record_settings(session).late_entry_hours == 31
    h.window.show_view("settings")
    h.window.show_view("home")  # nothing unsaved: no question
    assert h.window.current_view() == "home"


def _no_plaintext_in_files(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in (CANARY.encode(), CANARY.encode("utf-16-le")):
                assert needle not in data, path.name


@pytest.mark.parametrize("how", ["ctrl+l", "idle"])
def test_a_lock_keeps_half_typed_settings(unlocked: Harness, tmp_path: Path, how: str) -> None:
    h = unlocked
    panel = _panel(h)
    session = h.window.session
    assert session is not None
    idle = load_security(session.conn).idle_timeout_minutes
    panel.profile.name.setText(f"Dana {CANARY}")  # half a profile: not savable yet
    panel.profile.credentials.setText("Psy")
    panel.records.practice.setText(f"Elm {CANARY}")
    panel.clipboard.setValue(panel.clipboard.value() + 5)
    clip = panel.clipboard.value()
    h.records_settled()
    if how == "ctrl+l":
        h.window.activateWindow()
        h.qtbot.keyClick(panel.profile.name, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        if h.window.session is not None:  # offscreen without focus: the menu action
            h.window.lock_action.trigger()
    else:
        h.clock.advance(idle * 60 + 1)
        h.window.idle.tick()
    assert h.window.session is None
    h.flush_deletes()
    _no_plaintext_in_files(tmp_path)
    h.unlock_ok()
    h.qtbot.waitUntil(lambda: h.window.current_view() == "settings", timeout=WAIT)
    back = h.window.pages["settings"]
    assert isinstance(back, SettingsPanel) and back is not panel
    h.qtbot.waitUntil(lambda: back.profile.name.text() == f"Dana {CANARY}", timeout=WAIT)
    assert back.profile.credentials.text() == "Psy"
    assert back.records.practice.text() == f"Elm {CANARY}"
    assert back.clipboard.value() == clip
    assert back.save_bar.status.text().startswith("Unsaved changes in ")
    session = h.window.session
    assert session is not None
    assert ProfileService(session).get() is None  # still not saved
    records = clients(h).records
    assert len(records.call(lambda s: s.form_drafts())) == 1
    back.profile.license.setText("PSY 1")
    back.profile.credentials.setText("PsyD")
    save_settings(h)
    h.records_settled()
    assert load_record_settings(session).practice_name == f"Elm {CANARY}"
    assert records.call(lambda s: s.form_drafts()) == []  # the kept draft is gone once used


def test_settings_and_a_dialog_both_come_back_without_a_question(unlocked: Harness) -> None:
    """A lock with Settings changed and an Add client dialog open: after unlock the
    dialog is back over Clients and Settings last, with its changes, and nothing asks
    about leaving Settings on the way."""
    from therapynotes.ui.client_dialog import ClientDialog  # noqa: PLC0415

    h = unlocked
    h.window.show_view("clients")
    dialog = clients(h).list.add_client()
    dialog.legal_name.setText("Bea Kept")
    panel = _panel(h)
    panel.records.late.setValue(33)
    h.records_settled()
    h.window.lock_action.trigger()
    assert h.window.session is None
    h.flush_deletes()
    h.unlock_ok()

    def back() -> list[ClientDialog]:
        return [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, ClientDialog) and w.isVisible()
        ]

    h.qtbot.waitUntil(lambda: len(back()) == 1, timeout=WAIT)
    assert back()[0].legal_name.text() == "Bea Kept"
    settings = h.window.pages["settings"]
    assert isinstance(settings, SettingsPanel)
    h.qtbot.waitUntil(lambda: settings.records.late.value() == 33, timeout=WAIT)
    assert h.window.current_view() == "settings"
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
