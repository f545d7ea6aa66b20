"""The "Records" part of Settings: practice name (records-request PDFs), when a signature
counts as a late entry, and the retention rules. Saved with an explicit button, since
the practice name is typed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from therapynotes.domain.retention import RecordRetentionPolicy
from therapynotes.services.preferences import (
    MAX_PRACTICE_NAME,
    RecordSettings,
    load_record_settings,
    save_record_settings,
)
from therapynotes.services.session import VaultSession
from therapynotes.ui.errors import show_inline
from therapynotes.ui.widgets import (
    GRID,
    body,
    message_label,
    saved_section,
    settings_form,
)


def _spin(parent: QWidget, low: int, high: int, suffix: str, name: str) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    spin.setMinimumWidth(12 * GRID)
    spin.setAccessibleName(name)
    return spin


class RecordSettingsGroup(QGroupBox):
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
        self.message = message_label(self)
        self.saved = QLabel(self)
        self.save = QPushButton("Save", self)
        self.save.setAccessibleName("Save record settings")
        self._layout()
        self.load()
        self.save.clicked.connect(self.submit)

    def _layout(self) -> None:
        form = settings_form()
        self.practice.setMinimumWidth(40 * GRID)
        form.addRow("&Practice name", self.practice)
        form.addRow("Label as &late entry when signed after", self.late)
        form.addRow("Keep records &for", self.years)
        form.addRow("Age of &majority", self.majority)
        form.addRow("Keep minors' records after they come of age for", self.minor_years)
        saved_section(
            self,
            form,
            body(
                "Records are due for destruction after the later of: the years above after "
                "the last service, or the years above after a minor comes of age. Check your "
                "state's rules; a legal hold always keeps a record.",
                parent=self,
            ),
            save=self.save,
            saved=self.saved,
            message=self.message,
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

    def submit(self) -> None:
        try:
            with self.session.db_lock:
                changed = save_record_settings(self.session, self.current())
        except Exception as exc:  # noqa: BLE001 - shown inline
            show_inline(self.message, exc)
            return
        show_inline(self.message, None)
        self.saved.setText("Saved." if changed else "No changes.")
