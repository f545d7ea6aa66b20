"""Settings › Schedule: the week view's working hours and the reminder before each
appointment (for the therapist only, while the app runs; nothing is ever sent to a
client). Kept in the app's settings file: numbers only, never a name."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QSpinBox, QWidget

from therapynotes.settings import AppSettings
from therapynotes.ui.widgets import GRID, body, settings_form


class ScheduleSettingsGroup(QGroupBox):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__("Schedule", parent)
        self.settings = settings
        form = settings_form(self, margins=2 * GRID)
        self.starts = self._spin(0, 23, settings.work_starts, ":00", "Working hours start")
        self.ends = self._spin(1, 24, settings.work_ends, ":00", "Working hours end")
        self.reminder = self._spin(0, 120, settings.reminder_minutes, " min", "Remind me before")
        self.reminder.setSpecialValueText("No reminder")
        form.addRow("Working hours from", self.starts)
        form.addRow("to", self.ends)
        form.addRow("Remind me before each appointment", self.reminder)
        form.addRow(
            body(
                "Reminders are for you only, shown on this computer while the app runs. "
                "They give the time, never who with: the system can show them on its lock "
                "screen. Click one to open the Schedule. Nothing is sent to clients."
            )
        )
        for spin in (self.starts, self.ends, self.reminder):
            spin.valueChanged.connect(self._save)

    def _spin(self, low: int, high: int, value: int, suffix: str, name: str) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(low, high)
        spin.setValue(min(high, max(low, value)))
        spin.setSuffix(suffix)
        spin.setAccessibleName(name)
        spin.setMinimumWidth(12 * GRID)
        return spin

    def _save(self) -> None:
        starts, ends = self.starts.value(), self.ends.value()
        if ends <= starts:
            ends = starts + 1
            self.ends.setValue(ends)
        self.settings.work_starts, self.settings.work_ends = starts, ends
        self.settings.reminder_minutes = self.reminder.value()


def working_hours(settings: AppSettings | None) -> tuple[int, int]:
    if settings is None:
        return (8, 19)
    starts = min(23, max(0, settings.work_starts))
    return starts, min(24, max(starts + 1, settings.work_ends))
