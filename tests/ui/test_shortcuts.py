"""Menus and shortcuts a desktop user expects."""

from __future__ import annotations

import shutil

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.support.settings_file import assert_geometry_and_ids_only
from tests.ui.conftest import Harness
from therapynotes import APP_NAME
from therapynotes.settings import AppSettings
from therapynotes.ui.search_view import SearchView


def _activate(h: Harness) -> None:
    h.window.activateWindow()
    h.qtbot.waitUntil(h.window.isActiveWindow)


def test_ctrl_k_opens_search_with_the_field_focused(unlocked: Harness) -> None:
    _activate(unlocked)
    unlocked.qtbot.keyClick(
        unlocked.window.sidebar, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier
    )
    page = unlocked.window.pages["search"]
    assert isinstance(page, SearchView)
    assert unlocked.window.content.currentWidget() is page
    assert QApplication.focusWidget() is page.field


def test_menus_and_shortcuts(unlocked: Harness) -> None:
    w = unlocked.window
    menus = [a.text() for a in w.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Records", "&Help"]
    assert w.lock_action.shortcut().toString() == "Ctrl+L"
    assert w.quit_action.shortcut().toString() == "Ctrl+Q"
    assert w.new_note_action.shortcut().toString() == "Ctrl+N"
    assert w.new_note_action.isEnabled()  # asks for a chart when none is open
    assert w.view_actions["search"].shortcut().toString() == "Ctrl+K"


def test_locked_window_disables_record_actions(harness: Harness) -> None:
    w = harness.window
    assert not w.lock_action.isEnabled()
    assert not w.view_actions["clients"].isEnabled()
    assert w.quit_action.isEnabled()


def test_quit_locks_and_remembers_geometry_and_view(unlocked: Harness) -> None:
    w = unlocked.window
    w.show_view("backups")
    session = w.session
    assert session is not None
    _activate(unlocked)
    unlocked.qtbot.keyClick(w.sidebar, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not session.is_open
    saved = AppSettings.load(unlocked.ctx.config_dir)
    assert saved.last_view == "backups"
    assert AppSettings.decode_blob(saved.window_geometry)
    assert w.windowTitle() == APP_NAME
    text = AppSettings.path(unlocked.ctx.config_dir).read_text()
    assert "client" not in text.lower()  # no chart was open
    saved_file = assert_geometry_and_ids_only(AppSettings.path(unlocked.ctx.config_dir), [])
    assert saved_file["places"] == []
    assert AppSettings.decode_blob(saved_file["splitters"]["sidebar"])


def test_every_control_has_an_accessible_name(unlocked: Harness) -> None:
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QLineEdit

    w = unlocked.window
    for page in w.pages.values():
        for kind in (QAbstractButton, QLineEdit, QAbstractSpinBox):
            for control in page.findChildren(kind):
                if isinstance(control.parent(), (QLineEdit, QAbstractSpinBox)):
                    continue  # Qt's own buttons inside a field
                assert control.accessibleName(), control


def test_quit_locks_even_when_the_settings_file_cannot_be_written(unlocked: Harness) -> None:
    """An unwritable config folder (here: a file where the folder should be, which even
    root cannot write into) costs the window layout, never the lock: the vault closes."""
    w = unlocked.window
    session = w.session
    assert session is not None and session.is_open
    config = unlocked.ctx.config_dir
    shutil.rmtree(config, ignore_errors=True)
    config.write_bytes(b"not a folder")
    w.close()
    assert not session.is_open
    assert w.session is None
    assert "not saved" in w.statusBar().currentMessage()
