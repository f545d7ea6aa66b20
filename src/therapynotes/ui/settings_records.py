"""The "Records" part of Settings: practice name (records-request PDFs), when a signature
counts as a late entry, and the retention rules. Saved with the page's *Save changes*
(ui/settings_apply.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLineEdit, QSpinBox, QWidget

from therapynotes.domain.retention import RecordRetentionPolicy
from therapynotes.errors import TherapyNotesError
from therapynotes.services.preferences import (
    MAX_PRACTICE_NAME,
    InvalidRecordSettings,
    RecordSettings,
    load_record_settings,
    save_record_settings,
)
from therapynotes.services.session import VaultSession
from therapynotes.ui.settings_apply import Problem, SettingsSection
from therapynotes.ui.widgets import GRID, body, settings_form


def _spin(parent: QWidget, low: int, high: int, suffix: str, name: str) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    spin.setMinimumWidth(12 * GRID)
    spin.setAccessibleName(name)
    return spin


class RecordSettingsGroup(SettingsSection):
    key = "records"

    def __init__(self, session: VaultSession, parent: QWidget | None = None) -> None:
        super().__init__("Records", parent)
        self.session = session
        self.practice = QLineEdit(self)
        self.practice.setMaxLength(MAX_PRACTICE_NAME)
        self.practice.setPlaceholderText("Shown at the top of records-request PDFs")
        self.practice.setAccessibleName("Practice name")
        self.late = _spin(self, 1, 720, " h", "Late entry after hours")
        self.years = _spin(self, 1, 50, " years", "Keep records for years after last service")
        self.majority = _spin(self, 1, 30, "", "Age of majority")
        self.minor_years = _spin(self, 0, 50, " years", "Keep minors' records years after majority")
        self._layout()
        self.load()
        self.watch(self.practice, self.late, self.years, self.majority, self.minor_years)

    def _layout(self) -> None:
        form = settings_form()
        self.practice.setMinimumWidth(40 * GRID)
        self.field(form, "&Practice name", self.practice)
        self.field(form, "Label as &late entry when signed after", self.late)
        self.field(form, "Keep records &for", self.years)
        self.field(form, "Age of &majority", self.majority)
        self.field(form, "Keep minors' records after they come of age for", self.minor_years)
        self.lay_out(
            form,
            body(
                "Records are due for destruction after the later of: the years above after "
                "the last service, or the years above after a minor comes of age. Check your "
                "state's rules; a legal hold always keeps a record.",
                parent=self,
            ),
        )

    def load(self) -> None:
        with self.session.db_lock:  # the background worker may be using the connection
            current = load_record_settings(self.session)
        self.practice.setText(current.practice_name)
        self.late.setValue(current.late_entry_hours)
        self.years.setValue(current.retention.years)
        self.majority.setValue(current.retention.age_of_majority)
        self.minor_years.setValue(current.retention.minor_years)

    def current(self) -> RecordSettings:
        return RecordSettings(
            practice_name=self.practice.text().strip(),
            late_entry_hours=self.late.value(),
            retention=RecordRetentionPolicy(
                years=self.years.value(),
                age_of_majority=self.majority.value(),
                minor_years=self.minor_years.value(),
            ),
        )

    # --- SettingsSection -------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        return {
            "practice": self.practice.text(),
            "late": self.late.value(),
            "years": self.years.value(),
            "majority": self.majority.value(),
            "minor_years": self.minor_years.value(),
        }

    def set_values(self, values: dict[str, Any]) -> None:
        self.practice.setText(str(values.get("practice", "")))
        for key, spin in (
            ("late", self.late),
            ("years", self.years),
            ("majority", self.majority),
            ("minor_years", self.minor_years),
        ):
            spin.setValue(int(values.get(key, spin.value())))

    def problems(self) -> list[Problem]:
        try:
            self.current().validated()
        except InvalidRecordSettings as exc:
            return [(self.practice, exc.message)]
        except TherapyNotesError as exc:  # the retention rules
            return [(self.years, exc.message)]
        return []

    def work(self) -> Callable[[], object]:
        settings, session = self.current(), self.session

        def save() -> list[str]:
            with session.db_lock:
                return save_record_settings(session, settings)

        return save
