"""The "Clinician profile" part of Settings: the name, credentials, licence and NPI that
signatures name from now on. Saved with an explicit button, on the database worker;
signatures already made keep the name they were signed with."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QLabel, QLineEdit, QPushButton, QWidget

from therapynotes.domain.profile import MAX_FIELD, MAX_REGION, ClinicianProfile, signature_line
from therapynotes.services.profile import ProfileService
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

_NO_PROFILE = "Signatures say \u201csigned by the treating clinician\u201d until you fill this in."


def _field(parent: QWidget, name: str, placeholder: str, limit: int = MAX_FIELD) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setMaxLength(limit)
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleName(name)
    edit.setMinimumWidth(40 * GRID)
    return edit


class ProfileSettingsGroup(QGroupBox):
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
        self.message = message_label(self)
        self.saved = QLabel(self)
        self.save = QPushButton("Save profile", self)
        self.save.setAccessibleName("Save clinician profile")
        self._layout()
        self.load()
        for edit in (self.name, self.credentials, self.license):
            edit.textChanged.connect(self._show_preview)
        self.save.clicked.connect(self.submit)

    def _layout(self) -> None:
        form = settings_form()
        form.addRow("&Name", self.name)
        form.addRow("&Credentials", self.credentials)
        form.addRow("&Licence number", self.license)
        form.addRow("Licence &state", self.state)
        form.addRow("&NPI", self.npi)
        saved_section(
            self,
            form,
            self.preview,
            body(
                "Each signature keeps the name it was signed with: changing your profile "
                "later does not change notes, addenda or voids already signed.",
                parent=self,
            ),
            save=self.save,
            saved=self.saved,
            message=self.message,
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

    def submit(self) -> None:
        try:
            profile = self.current().validated()
        except Exception as exc:  # noqa: BLE001 - shown inline
            show_inline(self.message, exc)
            return
        session = self.session

        def work() -> list[str]:
            with session.db_lock:
                return ProfileService(session).set(profile)

        Op(self, work).busy(self._set_busy).success(self._saved).failure(
            lambda exc: show_inline(self.message, exc)
        ).run(database=True)

    def _set_busy(self, busy: bool) -> None:
        self.save.setEnabled(not busy)
        if busy:
            self.saved.setText("Saving…")

    def _saved(self, changed: list[str]) -> None:
        show_inline(self.message, None)
        self.saved.setText("Saved." if changed else "No changes.")
