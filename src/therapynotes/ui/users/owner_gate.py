"""A change to the vault's logins asks for the owner's passphrase and a fresh code each
time (issue 17: services/users.py checks them through the same gate as an unlock): change
a user's role, remove a user, rename the owner's login. The slow part (Argon2id and the
key slots) runs on the database worker with a busy bar. Only non-secret typed text (a new
login name) is kept through a lock; passphrases and codes never are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLineEdit, QWidget

from therapynotes.domain.roles import USER_ROLES, Role
from therapynotes.ui.errors import show_inline
from therapynotes.ui.ops import Op
from therapynotes.ui.widgets import (
    GRID,
    body,
    busy_bar,
    code_field,
    message_label,
    ok_cancel,
    passphrase_and_code,
    password_field,
    vbox,
)

# Each role as the owner chooses it: what that person will see.
ROLE_CHOICES = {
    Role.ASSISTANT: "Assistant: clients' details and contacts, the schedule, billing; "
    "nothing clinical",
    Role.SUPERVISOR: "Supervisor: reads the record (never psychotherapy notes), co-signs "
    "and comments; changes nothing",
}

Work = Callable[[str, str], object]  # (owner passphrase, owner code) -> anything


def role_combo(parent: QWidget, current: Role | None = None) -> QComboBox:
    combo = QComboBox(parent)
    combo.setAccessibleName("Role")
    for role in USER_ROLES:
        combo.addItem(ROLE_CHOICES[role], role.value)
    if current in USER_ROLES:
        combo.setCurrentIndex(USER_ROLES.index(current))
    return combo


class OwnerGateDialog(QDialog):
    """Intro, the dialog's own fields (added by the caller to `form`), then the owner's
    passphrase and code; `work` runs on the database worker when confirmed."""

    done_ok = Signal(object)  # whatever the work returned

    def __init__(
        self, title: str, intro: str, action: str, *, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(70 * GRID)
        self.work: Callable[[str, str], object] | None = None
        self.form = QFormLayout()
        self.form.setSpacing(GRID)
        self.passphrase = password_field("Your passphrase", self)
        self.code = code_field(self)
        self.message = message_label(self)
        self.busy = busy_bar(self)
        self.buttons, self.ok = ok_cancel(self, action)
        self.ok.setAccessibleName(action)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(body(intro, parent=self))
        layout.addLayout(self.form)
        owner = QFormLayout()
        owner.setSpacing(GRID)
        owner.addRow("Your &passphrase", self.passphrase)
        owner.addRow("Your &code", self.code)
        layout.addWidget(body("To confirm, your own passphrase and a fresh code:", parent=self))
        layout.addLayout(owner)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.code.returnPressed.connect(self.submit)

    def submit(self) -> None:
        work = self.work
        if work is None:
            return
        typed = passphrase_and_code(self.passphrase, self.code, self._say)
        if typed is None:
            return
        passphrase, code = typed
        Op(self, lambda: work(passphrase, code)).busy(self._set_busy).success(self._done).failure(
            self._failed
        ).run(database=True)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.ok.setEnabled(not busy)
        if busy:
            show_inline(self.message, None)

    def _failed(self, exc: BaseException) -> None:
        self.code.clear()
        show_inline(self.message, exc)

    def _done(self, result: object) -> None:
        self.passphrase.clear()
        self.code.clear()
        self.done_ok.emit(result)
        self.accept()

    def done(self, result: int) -> None:
        self.passphrase.clear()  # no secret left in a hidden dialog
        self.code.clear()
        super().done(result)


class RenameOwnerDialog(OwnerGateDialog):
    def __init__(self, current: str, *, parent: QWidget | None = None) -> None:
        super().__init__(
            "Rename your login",
            "The name you choose at the lock screen and that every audit entry you make "
            "carries. Your passphrase and code stay as they are.",
            "Rename",
            parent=parent,
        )
        self.name = QLineEdit(current, self)
        self.name.setAccessibleName("Login name")
        self.form.addRow("Login &name", self.name)

    def form_state(self) -> dict[str, Any]:
        return {"name": self.name.text()}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.name.setText(str(state.get("name", "")))


class ChangeRoleDialog(OwnerGateDialog):
    def __init__(self, name: str, role: Role, *, parent: QWidget | None = None) -> None:
        super().__init__(
            "Change role",
            f"Change what {name} can see and do. Their passphrase and authenticator stay "
            "as they are; the new role applies from their next unlock.",
            "Change role",
            parent=parent,
        )
        self.role = role_combo(self, role)
        self.form.addRow("&Role", self.role)

    def chosen(self) -> Role:
        return Role(self.role.currentData())
