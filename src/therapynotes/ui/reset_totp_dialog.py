"""Lost or replaced phone: enrol a new authenticator app with the passphrase AND the
recovery key (either alone is not enough). The vault stays locked; the therapist then
unlocks with a code from the new enrolment."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QStackedWidget,
    QWidget,
)

from therapynotes.services.key_changes import CreatedTotp
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.ui.authenticator import grouped, key_label, qr_label, qr_png, show_qr
from therapynotes.ui.errors import show_inline
from therapynotes.ui.ops import Op
from therapynotes.ui.upgrade_notice import UpgradeNotice
from therapynotes.ui.widgets import (
    GRID,
    body,
    busy_bar,
    hbox,
    message_label,
    mono_font,
    ok_cancel,
    password_field,
    plain_buttons,
    vbox,
)


class ResetTotpDialog(QDialog):
    def __init__(
        self,
        vault: VaultService,
        *,
        session: VaultSession | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.vault = vault
        self.session = session  # set when opened from Settings while unlocked
        self.setWindowTitle("Set up a new phone")
        self.setMinimumWidth(64 * GRID)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._ask_page())
        self.pages.addWidget(self._show_page())
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(self.pages)

    def _ask_page(self) -> QWidget:
        page = QWidget(self)
        intro = body(
            "Lost or replaced your phone? Enter your passphrase and the recovery key from "
            "your Emergency Kit. You will then add TherapyNotes to the authenticator app on "
            "your new phone; codes from the old phone stop working.",
            parent=page,
        )
        self.passphrase = password_field("Passphrase", page)
        self.key = QLineEdit(page)
        self.key.setFont(mono_font())
        self.key.setPlaceholderText("ABCD-EFGH-…")
        self.key.setAccessibleName("Recovery key")
        self.message = message_label(page)
        self.busy = busy_bar(page)
        self.notice = UpgradeNotice(self.message, self)  # the reset also upgrades the schema
        self.buttons, self.ok = ok_cancel(page, "Set up new phone")
        form = QFormLayout()
        form.setSpacing(GRID)
        form.addRow("&Passphrase", self.passphrase)
        form.addRow("Recovery &key", self.key)
        layout = vbox(page, spacing=2 * GRID)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        return page

    def _show_page(self) -> QWidget:
        page = QWidget(self)
        self.qr = qr_label(page, "QR code for your authenticator app")
        self.manual_key = key_label(page)
        text = vbox(spacing=GRID)
        text.addWidget(
            body("Scan this code with the authenticator app on your new phone.", parent=page)
        )
        text.addWidget(body("Can't scan? Type this key instead:", parent=page))
        text.addWidget(self.manual_key)
        after = (
            "From now on, use the codes from the new phone."
            if self.session is not None
            else "Then close this window and unlock with a code from the new phone."
        )
        text.addWidget(body(after, parent=page))
        text.addStretch(1)
        row = hbox(spacing=3 * GRID)
        row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(text, 1)
        done = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, page)
        plain_buttons(done)
        done.rejected.connect(self.accept)
        layout = vbox(page, spacing=2 * GRID)
        layout.addLayout(row)
        layout.addWidget(done)
        return page

    def submit(self) -> None:
        passphrase, key, vault, session = (
            self.passphrase.text(),
            self.key.text(),
            self.vault,
            self.session,
        )
        progress = self.notice.reporter()

        def work() -> CreatedTotp:
            if session is not None:
                return vault.reset_totp_unlocked(session, passphrase, key)
            return vault.reset_totp(passphrase, key, progress=progress)

        Op(self, work).busy(self._set_busy).success(self._show).failure(
            lambda exc: show_inline(self.message, exc)
        ).run()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.ok.setEnabled(not busy)
        if busy:
            show_inline(self.message, None)
        else:
            self.notice.finished()

    def _show(self, created: CreatedTotp) -> None:
        self.passphrase.clear()
        self.key.clear()
        show_qr(self.qr, qr_png(created.totp_uri))
        self.manual_key.setText(grouped(created.totp_secret))
        self.pages.setCurrentIndex(1)

    def done(self, result: int) -> None:
        self.qr.clear()
        self.manual_key.clear()
        super().done(result)
