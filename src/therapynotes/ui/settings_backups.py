"""The "Backups" part of Settings: how often to back up while unlocked, and when to warn
that the last good backup is too old. Saved with the page's *Save changes*
(ui/settings_apply.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QSpinBox, QWidget

from therapynotes.services.backups import (
    MAX_EVERY_HOURS,
    MAX_WARN_DAYS,
    save_schedule,
    stored_schedule,
)
from therapynotes.services.session import VaultSession
from therapynotes.ui.settings_apply import SettingsSection
from therapynotes.ui.widgets import GRID, settings_form


class BackupSettingsGroup(SettingsSection):
    key = "backups"

    def __init__(self, session: VaultSession, parent: QWidget | None = None) -> None:
        super().__init__("Backups", parent)
        self.session = session
        current = stored_schedule(session)
        self.every = QSpinBox(self)
        self.every.setRange(1, MAX_EVERY_HOURS)
        self.every.setSuffix(" h")
        self.every.setValue(int(current.every_hours))
        self.every.setAccessibleName("Back up every hours while unlocked")
        self.warn = QSpinBox(self)
        self.warn.setRange(1, MAX_WARN_DAYS)
        self.warn.setSuffix(" days")
        self.warn.setValue(int(current.warn_after_days))
        self.warn.setAccessibleName("Warn when the last backup is older than days")
        for spin in (self.every, self.warn):
            spin.setMinimumWidth(12 * GRID)
        form = settings_form()
        self.field(form, "While unlocked, back up &every", self.every)
        self.field(form, "&Warn when the last good backup is older than", self.warn)
        self.lay_out(form)
        self.watch(self.every, self.warn)

    def values(self) -> dict[str, Any]:
        return {"every": self.every.value(), "warn": self.warn.value()}

    def set_values(self, values: dict[str, Any]) -> None:
        self.every.setValue(int(values.get("every", self.every.value())))
        self.warn.setValue(int(values.get("warn", self.warn.value())))

    def work(self) -> Callable[[], object]:
        session, every, warn = self.session, self.every.value(), self.warn.value()

        def save() -> None:
            with session.db_lock:
                save_schedule(session, every_hours=every, warn_after_days=warn)

        return save
