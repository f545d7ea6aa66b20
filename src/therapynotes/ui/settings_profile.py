"""The "Clinician profile" part of Settings: the name, credentials, licence and NPI that
signatures name from now on. Saved with the page's *Save changes* (ui/settings_apply.py),
on the database worker; signatures already made keep the name they were signed with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLineEdit, QWidget

from therapynotes.domain.profile import MAX_FIELD, MAX_REGION, ClinicianProfile, signature_line
from therapynotes.errors import InputError
from therapynotes.profile_errors import InvalidLicenseState, InvalidNpi
from therapynotes.services.profile import ProfileService
from therapynotes.services.session import VaultSession
from therapynotes.ui.settings_apply import Problem, SettingsSection
from therapynotes.ui.widgets import GRID, body, settings_form

_NO_PROFILE = "Signatures say \u201csigned by the treating clinician\u201d until you fill this in."


def _field(parent: QWidget, name: str, placeholder: str, limit: int = MAX_FIELD) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setMaxLength(limit)
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleName(name)
    edit.setMinimumWidth(40 * GRID)
    return edit


class ProfileSettingsGroup(SettingsSection):
    key = "profile"

    def __init__(self, session: VaultSession, parent: QWidget | None = None) -> None:
        super().__init__("Clinician profile", parent)
        self.session = session
        self.name = _field(self, "Your name", "As signatures show it, e.g. Dana Reyes")
        self.credentials = _field(self, "Credentials", "e.g. PsyD, LCSW, LMFT")
        self.license = _field(self, "Licence number", "e.g. PSY 12345")
        self.state = _field(
            self, "Licence state", "e.g. CA, or the region outside the US", MAX_REGION
        )
        self.npi = _field(self, "NPI", "Optional: 10 digits", 14)
        self.preview = body("", parent=self)
        self.preview.setAccessibleName("Signatures will read")
        self._layout()
        self.load()
        for edit in (self.name, self.credentials, self.license):
            edit.textChanged.connect(self._show_preview)
        self.watch(self.name, self.credentials, self.license, self.state, self.npi)

    def _layout(self) -> None:
        form = settings_form()
        self.field(form, "&Name", self.name)
        self.field(form, "&Credentials", self.credentials)
        self.field(form, "&Licence number", self.license)
        self.field(form, "Licence &state", self.state)
        self.field(form, "&NPI", self.npi)
        self.lay_out(
            form,
            self.preview,
            body(
                "Each signature keeps the name it was signed with: changing your profile "
                "later does not change notes, addenda or voids already signed.",
                parent=self,
            ),
        )

    def load(self) -> None:
        with self.session.db_lock:  # the background worker may be using the connection
            current = ProfileService(self.session).get()
        if current is not None:
            self.name.setText(current.name)
            self.credentials.setText(current.credentials)
            self.license.setText(current.license_number)
            self.state.setText(current.license_state)
            self.npi.setText(current.npi)
        self._show_preview()

    def current(self) -> ClinicianProfile:
        return ClinicianProfile(
            name=self.name.text(),
            credentials=self.credentials.text(),
            license_number=self.license.text(),
            license_state=self.state.text(),
            npi=self.npi.text(),
        )

    def _show_preview(self) -> None:
        fields = (self.name, self.credentials, self.license)
        if not all(f.text().strip() for f in fields):
            self.preview.setText(_NO_PROFILE)
            return
        signer = " ".join(self.current().signer.split())
        self.preview.setText(f"Signatures will read: {signature_line(signer, 'date and time')}")

    # --- SettingsSection -------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "credentials": self.credentials.text(),
            "license": self.license.text(),
            "state": self.state.text(),
            "npi": self.npi.text(),
        }

    def set_values(self, values: dict[str, Any]) -> None:
        for key, edit in (
            ("name", self.name),
            ("credentials", self.credentials),
            ("license", self.license),
            ("state", self.state),
            ("npi", self.npi),
        ):
            edit.setText(str(values.get(key, "")))

    def problems(self) -> list[Problem]:
        try:
            self.current().validated()
        except InvalidNpi as exc:
            return [(self.npi, exc.message)]
        except InvalidLicenseState as exc:
            return [(self.state, exc.message)]
        except InputError as exc:  # name, credentials or licence number missing or long
            fields = (self.name, self.credentials, self.license)
            bad = [f for f in fields if not f.text().strip() or len(f.text()) > MAX_FIELD]
            return [(bad[0] if bad else self.name, exc.message)]
        return []

    def work(self) -> Callable[[], object]:
        profile, session = self.current().validated(), self.session

        def save() -> list[str]:
            with session.db_lock:
                return ProfileService(session).set(profile)

        return save
