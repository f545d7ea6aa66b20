"""Add or edit a client: the demographics records.md lists. Knows no database; the
caller saves the `ClientFields` it returns. What was typed survives a lock
(`form_state`/`restore_state`, ui/form_drafts.py)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from therapynotes.domain.enums import ClientStatus
from therapynotes.domain.models import ClientFields
from therapynotes.ui.clipboard import RecordPlainTextEdit, conceal_copies
from therapynotes.ui.widgets import GRID, DateField, message_label, plain_buttons, vbox

STATUS_WORDS = {
    ClientStatus.ACTIVE: "Active",
    ClientStatus.INACTIVE: "Inactive",
    ClientStatus.DISCHARGED: "Discharged",
}
LINE_FIELDS = (
    "legal_name",
    "preferred_name",
    "pronouns",
    "phone",
    "email",
    "address",
    "emergency_contact",
    "guardian",
    "referral_source",
)
DATE_FIELDS = ("date_of_birth", "intake_date", "discharge_date")

DOB_CALENDAR_YEARS_AGO = 35  # an empty date of birth's calendar opens about here


class ClientDialog(QDialog):
    def __init__(self, fields: ClientFields | None = None, *, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edit client" if fields else "Add client")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(60 * GRID)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        form = QFormLayout()
        form.setHorizontalSpacing(2 * GRID)
        form.setVerticalSpacing(GRID)
        self.legal_name = self._line(form, "Legal name")
        self.preferred_name = self._line(form, "Preferred name")
        self.pronouns = self._line(form, "Pronouns")
        self.date_of_birth = self._date(form, "Date of birth", DOB_CALENDAR_YEARS_AGO)
        self.phone = self._line(form, "Phone")
        self.email = self._line(form, "Email")
        self.address = self._line(form, "Address")
        self.emergency_contact = self._line(form, "Emergency contact")
        self.guardian = self._line(form, "Guardian (for minors)")
        self.referral_source = self._line(form, "Referral source")
        self.intake_date = self._date(form, "Intake date")
        self.status = QComboBox(self)
        self.status.setAccessibleName("Status")
        for status, word in STATUS_WORDS.items():
            self.status.addItem(word, status)
        form.addRow("Status", self.status)
        self.discharge_date = self._date(form, "Discharge date")
        self.alerts = RecordPlainTextEdit(self)
        self.alerts.setAccessibleName("Alerts")
        self.alerts.setPlaceholderText("For example risk flags. Shown at the top of the chart.")
        self.alerts.setFixedHeight(8 * GRID)
        form.addRow("Alerts", self.alerts)
        layout.addLayout(form)
        self.message = message_label(self)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        plain_buttons(buttons)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if fields is None:
            self.intake_date.setDate(QDate.currentDate())
        else:
            self.fill(fields)

    def _line(self, form: QFormLayout, label: str) -> QLineEdit:
        field = QLineEdit(self)
        field.setAccessibleName(label)
        conceal_copies(field)
        form.addRow(label, field)
        return field

    def _date(self, form: QFormLayout, label: str, years_ago: int = 0) -> DateField:
        field = DateField(label, self, empty_years_ago=years_ago)
        form.addRow(label, field)
        return field

    def fill(self, f: ClientFields) -> None:
        for name in LINE_FIELDS:
            getattr(self, name).setText(getattr(f, name))
        self.date_of_birth.set_iso(f.date_of_birth)
        self.intake_date.set_iso(f.intake_date)
        self.discharge_date.set_iso(f.discharge_date)
        self.status.setCurrentIndex(list(STATUS_WORDS).index(f.status))
        self.alerts.setPlainText(f.alerts)

    def fields(self) -> ClientFields:
        return ClientFields(
            legal_name=self.legal_name.text().strip(),
            preferred_name=self.preferred_name.text().strip(),
            pronouns=self.pronouns.text().strip(),
            date_of_birth=self.date_of_birth.iso(),
            phone=self.phone.text().strip(),
            email=self.email.text().strip(),
            address=self.address.text().strip(),
            emergency_contact=self.emergency_contact.text().strip(),
            guardian=self.guardian.text().strip(),
            referral_source=self.referral_source.text().strip(),
            intake_date=self.intake_date.iso(),
            status=self.status.currentData(),
            discharge_date=self.discharge_date.iso(),
            alerts=self.alerts.toPlainText().strip(),
        )

    def form_state(self) -> dict[str, Any]:
        """Every field as typed (not trimmed), for a lock to keep."""
        state: dict[str, Any] = {name: getattr(self, name).text() for name in LINE_FIELDS}
        state.update({name: getattr(self, name).iso() for name in DATE_FIELDS})
        state["status"] = str(self.status.currentData())
        state["alerts"] = self.alerts.toPlainText()
        return state

    def restore_state(self, state: dict[str, Any]) -> None:
        for name in LINE_FIELDS:
            getattr(self, name).setText(str(state.get(name, "")))
        for name in DATE_FIELDS:
            value = state.get(name)
            getattr(self, name).set_iso(str(value) if value else None)
        words = [str(status) for status in STATUS_WORDS]
        status = str(state.get("status", ""))
        if status in words:
            self.status.setCurrentIndex(words.index(status))
        self.alerts.setPlainText(str(state.get("alerts", "")))

    def _check(self) -> None:
        f = self.fields()
        dates = (self.date_of_birth, self.intake_date, self.discharge_date)
        problem = next((p for p in (d.problem() for d in dates) if p), "")
        if not problem and not f.legal_name:
            problem = "Enter the client's legal name."
        elif not problem and f.status is ClientStatus.DISCHARGED and not f.discharge_date:
            problem = "A discharged client needs a discharge date."
        self.message.setText(problem)
        self.message.setVisible(bool(problem))
        if not problem:
            self.accept()
