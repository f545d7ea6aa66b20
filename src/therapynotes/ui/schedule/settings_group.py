"""Settings › Schedule: the week view's working hours and the reminder before each
appointment (for the therapist only, while the app runs; nothing is ever sent to a
client). Kept in the app's settings file: numbers only, never a name. Saved with the
page's *Save changes* (ui/settings_apply.py); working hours that end before they start
are refused next to the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QSpinBox, QWidget

from therapynotes.settings import AppSettings
from therapynotes.ui.settings_apply import Problem, SettingsSection
from therapynotes.ui.widgets import GRID, body, settings_form

HOURS_BACKWARDS = "Working hours must end after they start."


class ScheduleSettingsGroup(SettingsSection):
    key = "schedule"

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__("Schedule", parent)
        self.settings = settings
        form = settings_form()
        self.starts = self._spin(0, 23, settings.work_starts, ":00", "Working hours start")
        self.ends = self._spin(1, 24, settings.work_ends, ":00", "Working hours end")
        self.reminder = self._spin(0, 120, settings.reminder_minutes, " min", "Remind me before")
        self.reminder.setSpecialValueText("No reminder")
        self.field(form, "Working hours from", self.starts)
        self.field(form, "to", self.ends)
        self.field(form, "Remind me before each appointment", self.reminder)
        self.lay_out(
            form,
            body(
                "Reminders are for you only, shown on this computer while the app runs. "
                "They give the time, never who with: the system can show them on its lock "
                "screen. Click one to open the Schedule. Nothing is sent to clients.",
                parent=self,
            ),
        )
        self.watch(self.starts, self.ends, self.reminder)

    def _spin(self, low: int, high: int, value: int, suffix: str, name: str) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(low, high)
        spin.setValue(min(high, max(low, value)))
        spin.setSuffix(suffix)
        spin.setAccessibleName(name)
        spin.setMinimumWidth(12 * GRID)
        return spin

    def values(self) -> dict[str, Any]:
        return {
            "starts": self.starts.value(),
            "ends": self.ends.value(),
            "reminder": self.reminder.value(),
        }

    def set_values(self, values: dict[str, Any]) -> None:
        for key, spin in (
            ("starts", self.starts),
            ("ends", self.ends),
            ("reminder", self.reminder),
        ):
            spin.setValue(int(values.get(key, spin.value())))

    def problems(self) -> list[Problem]:
        if self.ends.value() <= self.starts.value():
            return [(self.ends, HOURS_BACKWARDS)]
        return []

    def work(self) -> Callable[[], object]:
        return lambda: None  # the settings file is written by the window (after_saved)

    def after_saved(self) -> None:
        self.settings.work_starts, self.settings.work_ends = self.starts.value(), self.ends.value()
        self.settings.reminder_minutes = self.reminder.value()


def working_hours(settings: AppSettings | None) -> tuple[int, int]:
    if settings is None:
        return (8, 19)
    starts = min(23, max(0, settings.work_starts))
    return starts, min(24, max(starts + 1, settings.work_ends))
