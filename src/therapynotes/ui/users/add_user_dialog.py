"""Settings → Users → "Add user…" (issue 17), in four steps at this computer:

1. who: the new login's name and role (the owner types them);
2. the new user types their own passphrase (strength meter as at setup) and repeats it;
3. the new user adds the vault to their authenticator app (QR code and the key as text,
   the secret made here with `security.totp.new_secret()`) and types a code from it,
   checked at once so a mis-scanned QR never makes a login nobody can open;
4. the owner confirms with their passphrase and a fresh code (last, so the code is
   current), and `VaultService.add_user` runs on the database worker with a busy bar.

A lock keeps the name and role typed (ui/form_drafts.py, "user.add"); never a
passphrase, the new secret or a code: after unlock the dialog reopens at step 1 with the
name and role filled and a new secret is made."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from therapynotes.domain.roles import Role
from therapynotes.errors import PassphrasesDiffer
from therapynotes.security import totp
from therapynotes.security.passphrase import RULE
from therapynotes.ui.authenticator import grouped, key_label, qr_label, qr_png, show_qr
from therapynotes.ui.errors import show_inline
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.ops import Op
from therapynotes.ui.users.owner_gate import role_combo
from therapynotes.ui.widgets import (
    GRID,
    NewPassphraseRows,
    body,
    busy_bar,
    code_field,
    hbox,
    heading,
    message_label,
    password_field,
    plain_buttons,
    vbox,
)

if TYPE_CHECKING:
    from therapynotes.services.session import VaultSession
    from therapynotes.services.vault import VaultService

ADD_FORM = "user.add"
STEPS = ("Who", "Their passphrase", "Their authenticator", "Your confirmation")


class AddUserDialog(QDialog):
    added = Signal(object)  # AddedUser

    def __init__(
        self,
        vault: VaultService,
        session: VaultSession,
        *,
        clock: totp.Clock,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.vault, self.session, self.clock = vault, session, clock
        self.secret = ""
        self.setWindowTitle("Add user")
        self.setMinimumWidth(80 * GRID)
        self.step_label = heading("", size_delta=2, parent=self)
        self.pages = QStackedWidget(self)
        for page in (self._who(), self._passphrase(), self._authenticator(), self._confirm()):
            self.pages.addWidget(page)
        self.message = message_label(self)
        self.busy = busy_bar(self)
        self.buttons = QDialogButtonBox(self)
        self.back = QPushButton("Back", self)
        self.back.setAccessibleName("Back")
        self.next = QPushButton("Next", self)
        self.next.setAccessibleName("Next")
        self.next.setDefault(True)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        self.buttons.addButton(self.back, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.next, QDialogButtonBox.ButtonRole.ActionRole)
        plain_buttons(self.buttons)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(self.step_label)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.back.clicked.connect(lambda: self.go(self.pages.currentIndex() - 1))
        self.next.clicked.connect(self.forward)
        self.buttons.rejected.connect(self.reject)
        tag(self, ADD_FORM, None)
        self.go(0)

    # --- the steps -------------------------------------------------------------------

    def _who(self) -> QWidget:
        page = QWidget(self)
        self.name = QLineEdit(page)
        self.name.setAccessibleName("Name")
        self.name.setPlaceholderText("e.g. Sam Rivera")
        self.role = role_combo(page)
        form = QFormLayout()
        form.setSpacing(GRID)
        form.addRow("&Name", self.name)
        form.addRow("&Role", self.role)
        layout = vbox(page, spacing=2 * GRID)
        layout.addWidget(
            body(
                "The name they choose at the lock screen; every audit entry they make "
                "carries it. Then hand the keyboard to them for the next two steps.",
                parent=page,
            )
        )
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _passphrase(self) -> QWidget:
        page = QWidget(self)
        self.rows = NewPassphraseRows(page)
        self.rows.new.setAccessibleName("Their passphrase")
        self.rows.again.setAccessibleName("Their passphrase again")
        form = QFormLayout()
        form.setSpacing(GRID)
        self.rows.add_to(form)
        layout = vbox(page, spacing=2 * GRID)
        self.passphrase_intro = body("", parent=page)
        layout.addWidget(self.passphrase_intro)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _authenticator(self) -> QWidget:
        page = QWidget(self)
        self.qr = qr_label(page, "QR code for their authenticator app")
        self.manual_key = key_label(page)
        self.user_code = code_field(page)
        self.user_code.setAccessibleName("Code from their app")
        text = vbox(spacing=GRID)
        text.addWidget(
            body("Scan this code with the authenticator app on your phone.", parent=page)
        )
        text.addWidget(body("Can't scan? Type this key instead:", parent=page))
        text.addWidget(self.manual_key)
        text.addWidget(body("Then type the 6-digit code the app shows:", parent=page))
        text.addWidget(self.user_code)
        text.addStretch(1)
        row = hbox(spacing=3 * GRID)
        row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(text, 1)
        layout = vbox(page, spacing=2 * GRID)
        layout.addLayout(row)
        return page

    def _confirm(self) -> QWidget:
        page = QWidget(self)
        self.owner_passphrase = password_field("Your passphrase", page)
        self.owner_code = code_field(page)
        self.owner_code.setAccessibleName("Your code")
        form = QFormLayout()
        form.setSpacing(GRID)
        form.addRow("Your &passphrase", self.owner_passphrase)
        form.addRow("Your &code", self.owner_code)
        layout = vbox(page, spacing=2 * GRID)
        self.confirm_intro = body("", parent=page)
        layout.addWidget(self.confirm_intro)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    # --- moving between steps --------------------------------------------------------

    def go(self, index: int) -> None:
        index = max(0, min(index, len(STEPS) - 1))
        show_inline(self.message, None)
        name = self.name.text().strip() or "the new user"
        if index == 1:
            self.passphrase_intro.setText(
                f"{name}: choose your own passphrase and type it twice. Nobody else, "
                f"the owner included, needs to know it. {RULE}"
            )
        if index == 2:
            self._show_secret()
        if index == 3:
            self.confirm_intro.setText(
                f"Add {name} as {self._role_words()}? To confirm, the owner types their "
                "own passphrase and a fresh code."
            )
        self.pages.setCurrentIndex(index)
        self.step_label.setText(f"Step {index + 1} of {len(STEPS)}: {STEPS[index]}")
        self.back.setEnabled(index > 0)
        self.next.setText("Add user" if index == len(STEPS) - 1 else "Next")
        self.next.setAccessibleName(self.next.text())
        focus = (self.name, self.rows.new, self.user_code, self.owner_passphrase)[index]
        focus.setFocus()

    def _role_words(self) -> str:
        return "an assistant" if self.chosen_role() is Role.ASSISTANT else "a supervisor"

    def chosen_role(self) -> Role:
        return Role(self.role.currentData())

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)

    def forward(self) -> None:
        index = self.pages.currentIndex()
        if index == 0 and not self.name.text().strip():
            self._say("Type the new user's name.")
            self.name.setFocus()
            return
        if index == 1 and not self._passphrase_ok():
            return
        if index == 2 and not self._code_ok():
            return
        if index == len(STEPS) - 1:
            self.submit()
            return
        self.go(index + 1)

    def _passphrase_ok(self) -> bool:
        try:
            self.rows.value()
        except PassphrasesDiffer as exc:
            show_inline(self.message, exc)
            return False
        if not self.rows.meter.acceptable:
            self._say(f"Choose a stronger passphrase. {RULE}")
            return False
        return True

    def _show_secret(self) -> None:
        if not self.secret:
            self.secret = totp.new_secret()
            account = self.name.text().strip() or "vault"
            uri = totp.provisioning_uri(self.secret, account=account)
            show_qr(self.qr, qr_png(uri))
            self.manual_key.setText(grouped(self.secret))

    def _code_ok(self) -> bool:
        """The new user's code, checked against the new secret (one 30-s step either
        side), before anything is written."""
        code = totp.normalize_code(self.user_code.text())
        now = int(self.clock()) // 30
        if code is None or not any(
            totp.code_at_step(self.secret, step) == code for step in (now - 1, now, now + 1)
        ):
            self.user_code.clear()
            self._say(
                "That code doesn't match. Check that the app added this vault and that the "
                "phone's clock is right, then type the code it shows now."
            )
            return False
        return True

    # --- adding ----------------------------------------------------------------------

    def submit(self) -> None:
        vault, session = self.vault, self.session
        name, role, secret = self.name.text().strip(), self.chosen_role(), self.secret
        user_passphrase = self.rows.new.text()
        passphrase = self.owner_passphrase.text()
        code = "".join(self.owner_code.text().split())
        if not passphrase or len(code) != 6 or not code.isdigit():
            self._say("Type your passphrase and the 6-digit code from your authenticator app.")
            return

        def work() -> object:
            return vault.add_user(
                session,
                name=name,
                role=role,
                owner_passphrase=passphrase,
                owner_code=code,
                user_passphrase=user_passphrase,
                totp_secret=secret,
            )

        Op(self, work).busy(self._set_busy).success(self._added).failure(self._failed).run(
            database=True
        )

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.next.setEnabled(not busy)
        self.back.setEnabled(not busy)
        if busy:
            show_inline(self.message, None)

    def _failed(self, exc: BaseException) -> None:
        self.owner_code.clear()
        show_inline(self.message, exc)

    def _added(self, added: object) -> None:
        self.added.emit(added)
        self.accept()

    def done(self, result: int) -> None:
        """No passphrase, secret or code left in a closed dialog."""
        self.rows.clear()
        self.owner_passphrase.clear()
        self.owner_code.clear()
        self.user_code.clear()
        self.secret = ""
        self.qr.clear()
        self.manual_key.clear()
        super().done(result)

    # --- kept through a lock: the name and role only ----------------------------------

    def form_state(self) -> dict[str, Any]:
        return {"name": self.name.text(), "role": str(self.role.currentData())}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.name.setText(str(state.get("name", "")))
        index = self.role.findData(str(state.get("role", "")))
        if index >= 0:
            self.role.setCurrentIndex(index)
        self.go(0)
