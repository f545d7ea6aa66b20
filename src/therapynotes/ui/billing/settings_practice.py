"""The "Practice and billing" part of Settings: the practice's details that superbills,
statements, receipts and Good Faith Estimates show (name, address, phone, tax id, the
practice's own NPI, the usual place of service) and how long financial records are
kept. Saved with an explicit button, on the database worker."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from therapynotes.domain.billing import MAX_FIELD, PLACES_OF_SERVICE, Practice
from therapynotes.services.billing import BillingService
from therapynotes.services.session import VaultSession
from therapynotes.ui.errors import show_inline
from therapynotes.ui.ops import Op
from therapynotes.ui.widgets import (
    GRID,
    body,
    message_label,
    saved_section,
    settings_form,
)


def _field(parent: QWidget, name: str, placeholder: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setMaxLength(MAX_FIELD)
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleName(name)
    edit.setMinimumWidth(40 * GRID)
    return edit


class PracticeSettingsGroup(QGroupBox):
    def __init__(self, session: VaultSession, parent: QWidget | None = None) -> None:
        super().__init__("Practice and billing", parent)
        self.session = session
        self.name = _field(self, "Practice name", "As your bills show it")
        self.address = QPlainTextEdit(self)
        self.address.setAccessibleName("Practice address")
        self.address.setPlaceholderText("Street\nCity, State ZIP")
        self.address.setFixedHeight(8 * GRID)
        self.address.setMinimumWidth(40 * GRID)
        self.phone = _field(self, "Practice phone", "")
        self.tax_id = _field(self, "Tax id", "EIN 12-3456789 or SSN 123-45-6789")
        self.npi = _field(self, "Practice NPI", "Optional: the practice's own (type 2) NPI")
        self.place = QComboBox(self)
        self.place.setAccessibleName("Usual place of service")
        for code, words in PLACES_OF_SERVICE.items():
            self.place.addItem(f"{code}  {words}", code)
        self.years = QSpinBox(self)
        self.years.setAccessibleName("Keep financial records for")
        self.years.setRange(1, 100)
        self.years.setSuffix(" years")
        self.message = message_label(self)
        self.saved = QLabel(self)
        self.save = QPushButton("Save practice details", self)
        self.save.setAccessibleName("Save practice details")
        self.save.clicked.connect(self.submit)
        self._layout()
        self.load()

    def _layout(self) -> None:
        form = settings_form()
        form.addRow("Practice &name", self.name)
        form.addRow("&Address", self.address)
        form.addRow("&Phone", self.phone)
        form.addRow("&Tax id", self.tax_id)
        form.addRow("Practice NP&I", self.npi)
        form.addRow("Usual place of ser&vice", self.place)
        form.addRow("Keep financial records &for", self.years)
        saved_section(
            self,
            form,
            body(
                "Your own name, credentials, licence and NPI come from the clinician profile "
                "above. Video sessions are billed at the telehealth place of service with "
                "modifier 95. Financial records are kept this long after a client's last "
                "payment or charge, even when the clinical record could go sooner.",
                parent=self,
            ),
            save=self.save,
            saved=self.saved,
            message=self.message,
        )

    def load(self) -> None:
        with self.session.db_lock:
            billing = BillingService(self.session)
            current, years = billing.practice(), billing.retention_years()
        if current is not None:
            self.name.setText(current.name)
            self.address.setPlainText(current.address)
            self.phone.setText(current.phone)
            self.tax_id.setText(current.tax_id)
            self.npi.setText(current.npi)
            self.place.setCurrentIndex(max(0, self.place.findData(current.place_of_service)))
        self.years.setValue(years)

    def current(self) -> Practice:
        return Practice(
            name=self.name.text(),
            address=self.address.toPlainText(),
            phone=self.phone.text(),
            tax_id=self.tax_id.text(),
            npi=self.npi.text(),
            place_of_service=str(self.place.currentData()),
        )

    def submit(self) -> None:
        try:
            practice = self.current().validated()
        except Exception as exc:  # noqa: BLE001 - shown inline
            show_inline(self.message, exc)
            return
        session, years = self.session, self.years.value()

        def work() -> bool:
            with session.db_lock:
                billing = BillingService(session)
                changed = bool(billing.set_practice(practice))
                if years != billing.retention_years():
                    billing.set_retention_years(years)
                    changed = True
                return changed

        Op(self, work).busy(self._set_busy).success(self._saved).failure(
            lambda exc: show_inline(self.message, exc)
        ).run(database=True)

    def _set_busy(self, busy: bool) -> None:
        self.save.setEnabled(not busy)
        if busy:
            self.saved.setText("Saving…")

    def _saved(self, changed: bool) -> None:
        show_inline(self.message, None)
        self.saved.setText("Saved." if changed else "No changes.")
