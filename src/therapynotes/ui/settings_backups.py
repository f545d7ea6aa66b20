"""The "Backups" part of Settings: how often to back up while unlocked, and when to warn
that the last good backup is too old. Applied as soon as a value changes."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QSpinBox, QWidget

from therapynotes.services.backups import (
    MAX_EVERY_HOURS,
    MAX_WARN_DAYS,
    save_schedule,
    stored_schedule,
)
from therapynotes.services.session import VaultSession
from therapynotes.ui.errors import show_inline
from therapynotes.ui.widgets import GRID, message_label, settings_form, vbox


class BackupSettingsGroup(QGroupBox):
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
        self.message = message_label(self)
        form = settings_form()
        form.addRow("While unlocked, back up &every", self.every)
        form.addRow("&Warn when the last good backup is older than", self.warn)
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.every.valueChanged.connect(self.apply)
        self.warn.valueChanged.connect(self.apply)

    def apply(self) -> None:
        try:
            save_schedule(
                self.session, every_hours=self.every.value(), warn_after_days=self.warn.value()
            )
        except Exception as exc:  # noqa: BLE001 - shown inline
            show_inline(self.message, exc)
            return
        show_inline(self.message, None)
