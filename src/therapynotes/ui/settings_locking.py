"""The "Locking" part of Settings: lock after minutes without use, lock when minimised,
clear copied text after seconds. Kept in the vault (settings.py) and audited; saved with
the page's *Save changes* (ui/settings_apply.py), after which `applied` gives the window
the new values to use at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QSpinBox, QWidget

from therapynotes.services.preferences import save_security_settings
from therapynotes.services.session import VaultSession
from therapynotes.settings import (
    CLIPBOARD_MAX_SECONDS,
    CLIPBOARD_MIN_SECONDS,
    IDLE_MAX_MINUTES,
    IDLE_MIN_MINUTES,
    SecuritySettings,
    load_security,
)
from therapynotes.ui.settings_apply import SettingsSection
from therapynotes.ui.widgets import GRID, settings_form


class LockingSettingsGroup(SettingsSection):
    key = "locking"
    applied = Signal(object)  # SecuritySettings, once saved

    def __init__(self, session: VaultSession, parent: QWidget | None = None) -> None:
        super().__init__("Locking", parent)
        self.session = session
        current = load_security(session.conn)
        self.idle = QSpinBox(self)
        self.idle.setRange(IDLE_MIN_MINUTES, IDLE_MAX_MINUTES)
        self.idle.setSuffix(" min")
        self.idle.setValue(current.idle_timeout_minutes)
        self.idle.setAccessibleName("Lock after minutes without use")
        self.minimize = QCheckBox("Lock when the window is minimized", self)
        self.minimize.setChecked(current.lock_on_minimize)
        self.minimize.setAccessibleName("Lock when the window is minimized")
        self.clipboard = QSpinBox(self)
        self.clipboard.setRange(CLIPBOARD_MIN_SECONDS, CLIPBOARD_MAX_SECONDS)
        self.clipboard.setSuffix(" s")
        self.clipboard.setValue(current.clipboard_clear_seconds)
        self.clipboard.setAccessibleName("Clear copied text after seconds")
        for spin in (self.idle, self.clipboard):
            spin.setMinimumWidth(12 * GRID)
        form = settings_form()
        self.field(form, "Lock after &no use for", self.idle)
        self.field(form, "", self.minimize)
        self.field(form, "Clear &copied text after", self.clipboard)
        self.lay_out(form)
        self.watch(self.idle, self.minimize, self.clipboard)

    def current(self) -> SecuritySettings:
        return SecuritySettings(
            idle_timeout_minutes=self.idle.value(),
            lock_on_minimize=self.minimize.isChecked(),
            clipboard_clear_seconds=self.clipboard.value(),
        )

    def values(self) -> dict[str, Any]:
        return {
            "idle": self.idle.value(),
            "minimize": self.minimize.isChecked(),
            "clipboard": self.clipboard.value(),
        }

    def set_values(self, values: dict[str, Any]) -> None:
        self.idle.setValue(int(values.get("idle", self.idle.value())))
        self.minimize.setChecked(bool(values.get("minimize", self.minimize.isChecked())))
        self.clipboard.setValue(int(values.get("clipboard", self.clipboard.value())))

    def work(self) -> Callable[[], object]:
        settings, session = self.current(), self.session

        def save() -> None:
            with session.db_lock:  # the background worker may be searching
                save_security_settings(session, settings)

        return save

    def after_saved(self) -> None:
        self.applied.emit(self.current())
