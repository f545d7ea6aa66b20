"""The Settings page of a login other than the owner's (issue 17): who is unlocked, what
their role lets them do, a supervisor's own signing line (the line under each note they
co-sign), and only the sections their role may use: an assistant keeps the practice
details and the schedule's hours. The vault's security, backups, retention, templates
and users are the owner's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QGroupBox, QLayout, QLineEdit, QPushButton, QWidget

from therapynotes.domain.roles import Role
from therapynotes.services import review
from therapynotes.services.policy import UseCase
from therapynotes.ui.admin.common import db_op
from therapynotes.ui.errors import show_inline
from therapynotes.ui.widgets import GRID, body, hbox, message_label, vbox

if TYPE_CHECKING:
    from therapynotes.services.session import VaultSession
    from therapynotes.ui.settings_dialog import SettingsPanel

ROLE_SAYS = {
    Role.ASSISTANT: "As an assistant you see clients' details and contacts, the schedule "
    "and billing. Notes and everything clinical stay with the therapist.",
    Role.SUPERVISOR: "As a supervisor you read the record (never psychotherapy notes), "
    "co-sign signed notes and leave review comments; you change nothing in it.",
}


def add_login_sections(panel: SettingsPanel, layout: QLayout) -> None:
    access = panel.access
    who = QGroupBox("Your login", panel)
    who.setObjectName("YourLogin")
    box = vbox(who, margins=2 * GRID)
    box.addWidget(body(f"Unlocked as {access.who()}.", parent=who))
    box.addWidget(body(ROLE_SAYS.get(access.login.role, ""), parent=who))
    box.addWidget(
        body(
            "To change your role or your passphrase, ask the vault's owner. Lock the "
            "app (Ctrl+L) whenever you step away.",
            parent=who,
        )
    )
    layout.addWidget(who)
    if access.may(UseCase.SIGNATURE) and access.cosigns:
        panel.signing = SigningLineGroup(panel.session, panel)
        layout.addWidget(panel.signing)
    if access.may(UseCase.PRACTICE):
        panel._add_practice(layout)  # noqa: SLF001 - the panel's own section builder
    if access.may(UseCase.SCHEDULE) and panel.app_settings is not None:
        from therapynotes.ui.schedule.settings_group import ScheduleSettingsGroup  # noqa: PLC0415

        panel.schedule = ScheduleSettingsGroup(panel.app_settings, panel)
        layout.addWidget(panel.schedule)


class SigningLineGroup(QGroupBox):
    """A supervisor's signing line, saved at once (it is their own, not the vault's)."""

    def __init__(self, session: VaultSession, parent: QWidget | None = None) -> None:
        super().__init__("Your signing line", parent)
        self.session = session
        self.line = QLineEdit(self)
        self.line.setAccessibleName("Signing line")
        self.line.setPlaceholderText("Dr. R. Lee, PhD, licensed psychologist #12345")
        self.save = QPushButton("Save signing line", self)
        self.save.setAccessibleName("Save signing line")
        self.save.clicked.connect(self.submit)
        self.message = message_label(self)
        layout = vbox(self, margins=2 * GRID)
        layout.addWidget(
            body("Your name and credentials as they appear under each note you co-sign.")
        )
        row = hbox()
        row.addWidget(self.line, 1)
        row.addWidget(self.save)
        layout.addLayout(row)
        layout.addWidget(self.message)
        session_ = session
        db_op(self, session, lambda: review.signature(session_)).success(self.line.setText).run(
            database=True
        )

    def submit(self) -> None:
        text, session = self.line.text(), self.session
        db_op(self, session, lambda: review.set_signature(session, text)).success(
            lambda _none: self._saved()
        ).failure(lambda exc: show_inline(self.message, exc)).run(database=True)

    def _saved(self) -> None:
        self.message.setText("Saved.")
        self.message.setVisible(True)
