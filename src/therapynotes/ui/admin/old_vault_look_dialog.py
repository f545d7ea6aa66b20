"""A read-only look inside an old vault (services/old_vault_look.py): its own passphrase
and 6-digit code, then its clients' names and how many notes and sessions it holds.
Opening it runs off the UI thread (Argon2id); nothing in the old vault changes, and
the fields are cleared once used."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialog, QFormLayout, QListWidget, QPushButton, QWidget

from therapynotes.services.old_vault_look import OldVaultLook, look
from therapynotes.ui.errors import show_inline
from therapynotes.ui.ops import Op
from therapynotes.ui.widgets import (
    GRID,
    body,
    busy_bar,
    code_field,
    hbox,
    heading,
    message_label,
    password_field,
    vbox,
)


class LookDialog(QDialog):
    def __init__(
        self, root: Path, name: str, *, clock: Callable[[], float], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Look inside an old vault")
        self.root, self.name, self.clock = root, name, clock
        self.found: OldVaultLook | None = None
        layout = vbox(self, margins=3 * GRID, spacing=GRID)
        layout.addWidget(heading("Look inside an old vault", size_delta=2))
        layout.addWidget(
            body(
                "Type the passphrase and a code this old vault was opened with. It is only "
                "read: nothing in it changes.",
                parent=self,
            )
        )
        self.passphrase = password_field("Passphrase of the old vault", self)
        self.code = code_field(self)
        form = QFormLayout()
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Code", self.code)
        layout.addLayout(form)
        self.busy = busy_bar(self, name="Opening", keep_space=True)
        layout.addWidget(self.busy)
        self.message = message_label(self)
        layout.addWidget(self.message)
        self.summary = body("", parent=self)
        self.summary.setAccessibleName("What the old vault holds")
        layout.addWidget(self.summary)
        self.clients = QListWidget(self)
        self.clients.setAccessibleName("Clients in the old vault")
        self.clients.setVisible(False)
        layout.addWidget(self.clients)
        row = hbox()
        row.addStretch(1)
        close = QPushButton("Close", self)
        close.setAccessibleName("Close")
        close.clicked.connect(self.reject)
        self.open_button = QPushButton("Look inside", self)
        self.open_button.setAccessibleName("Look inside")
        self.open_button.clicked.connect(self.open_it)
        row.addWidget(close)
        row.addWidget(self.open_button)
        layout.addLayout(row)

    def open_it(self) -> None:
        passphrase, code = self.passphrase.text(), self.code.text()
        self.passphrase.clear()
        self.code.clear()
        root, name, clock = self.root, self.name, self.clock
        show_inline(self.message, None)
        Op(self, lambda: look(root, name, passphrase, code, clock=clock)).busy(self._busy).success(
            self._show
        ).failure(lambda exc: show_inline(self.message, exc)).run()

    def _busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.open_button.setEnabled(not busy)

    def _show(self, found: OldVaultLook) -> None:
        self.found = found
        n = len(found.clients)
        self.summary.setText(
            f"{n} client{'' if n == 1 else 's'}, {found.notes} note"
            f"{'' if found.notes == 1 else 's'}, {found.sessions} session"
            f"{'' if found.sessions == 1 else 's'}."
        )
        self.clients.clear()
        self.clients.addItems(found.clients)
        self.clients.setVisible(True)
