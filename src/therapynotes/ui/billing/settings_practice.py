"""The "Practice and billing" part of Settings: the practice's details that superbills,
statements, receipts and Good Faith Estimates show (name, address, phone, tax id, the
practice's own NPI, the usual place of service) and how long financial records are
kept. Saved with the page's *Save changes* (ui/settings_apply.py), on the database
worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QSpinBox, QWidget

from therapynotes.billing_errors import InvalidTaxId
from therapynotes.domain.billing import MAX_FIELD, PLACES_OF_SERVICE, Practice
from therapynotes.errors import TherapyNotesError
from therapynotes.profile_errors import InvalidNpi
from therapynotes.services.billing import BillingService
from therapynotes.services.policy import UseCase, allowed
from therapynotes.services.session import VaultSession
from therapynotes.ui.settings_apply import Problem, SettingsSection
from therapynotes.ui.widgets import GRID, body, settings_form


def _field(parent: QWidget, name: str, placeholder: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setMaxLength(MAX_FIELD)
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleName(name)
    edit.setMinimumWidth(40 * GRID)
    return edit


def help_text(shows_profile: bool) -> str:
    """The section's help: the clinician profile is "above" only on the owner's page (an
    assistant's Settings has no profile section, issue 17)."""
    whose = (
        "Your own name, credentials, licence and NPI come from the clinician profile above."
        if shows_profile
        else "The therapist's own name, credentials, licence and NPI come from their "
        "clinician profile, which only they can change."
    )
    return (
        f"{whose} Video sessions are billed at the telehealth place of service with "
        "modifier 95. Financial records are kept this long after a client's last payment "
        "or charge, even when the clinical record could go sooner."
    )


class PracticeSettingsGroup(SettingsSection):
    key = "practice"

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
        self._layout()
        self.load()
        self.watch(
            self.name, self.address, self.phone, self.tax_id, self.npi, self.place, self.years
        )

    def _layout(self) -> None:
        form = settings_form()
        self.field(form, "Practice &name", self.name)
        self.field(form, "&Address", self.address)
        self.field(form, "&Phone", self.phone)
        self.field(form, "&Tax id", self.tax_id)
        self.field(form, "Practice NP&I", self.npi)
        self.field(form, "Usual place of ser&vice", self.place)
        self.field(form, "Keep financial records &for", self.years)
        self.lay_out(
            form,
            body(help_text(allowed(self.session.login.role, UseCase.PROFILE)), parent=self),
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

    # --- SettingsSection -------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "address": self.address.toPlainText(),
            "phone": self.phone.text(),
            "tax_id": self.tax_id.text(),
            "npi": self.npi.text(),
            "place": str(self.place.currentData()),
            "years": self.years.value(),
        }

    def set_values(self, values: dict[str, Any]) -> None:
        for key, edit in (
            ("name", self.name),
            ("phone", self.phone),
            ("tax_id", self.tax_id),
            ("npi", self.npi),
        ):
            edit.setText(str(values.get(key, "")))
        self.address.setPlainText(str(values.get("address", "")))
        self.place.setCurrentIndex(max(0, self.place.findData(str(values.get("place", "11")))))
        self.years.setValue(int(values.get("years", self.years.value())))

    def problems(self) -> list[Problem]:
        try:
            self.current().validated()
        except InvalidTaxId as exc:
            return [(self.tax_id, exc.message)]
        except InvalidNpi as exc:
            return [(self.npi, exc.message)]
        except TherapyNotesError as exc:  # the name, phone or address
            name = " ".join(self.name.text().split())
            if not name or len(name) > MAX_FIELD:
                return [(self.name, exc.message)]
            if len(" ".join(self.phone.text().split())) > MAX_FIELD:
                return [(self.phone, exc.message)]
            return [(self.address, exc.message)]
        return []

    def work(self) -> Callable[[], object]:
        practice, session, years = self.current().validated(), self.session, self.years.value()

        def save() -> bool:
            with session.db_lock:
                billing = BillingService(session)
                changed = bool(billing.set_practice(practice))
                if years != billing.retention_years():
                    billing.set_retention_years(years)
                    changed = True
                return changed

        return save
