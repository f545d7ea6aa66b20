"""The lock screen: the app's name, a passphrase field, a code field, Unlock.

Shows nothing about the practice (no client names, no counts). A vault with more than
one login (issue 17) shows a "User" chooser above the passphrase: the staff's login
names (not client data), the last one used on this computer chosen first. The KDF runs
off the UI thread through ops.Op with a busy indicator; after too many failures (counted
per login) a countdown replaces the Unlock button's availability; "Use recovery key"
opens RecoveryDialog. The first unlock after an update says what its one-time upgrade is
doing (ui/upgrade_notice.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from therapynotes import APP_NAME
from therapynotes.errors import (
    DeviceNotBound,
    KeyringInsecure,
    KeyringIsLocked,
    KeyringUnavailable,
    PassphrasesDiffer,
    TooManyAttempts,
    WrongPassphrase,
)
from therapynotes.services.vault import VaultService
from therapynotes.ui.errors import show_inline
from therapynotes.ui.icons import app_icon, icon
from therapynotes.ui.ops import Op
from therapynotes.ui.upgrade_notice import UpgradeNotice
from therapynotes.ui.widgets import (
    GRID,
    NewPassphraseRows,
    body,
    busy_bar,
    code_field,
    hbox,
    heading,
    message_label,
    mono_font,
    ok_cancel,
    passphrase_and_code,
    password_field,
    vbox,
)

if TYPE_CHECKING:
    from therapynotes.security.attempts import AttemptLog
    from therapynotes.services.session import VaultSession

KEYRING_PROBLEMS = (DeviceNotBound, KeyringUnavailable, KeyringIsLocked, KeyringInsecure)
COLUMN_WIDTH = 45 * GRID
MESSAGE_LINES = 3
TOO_MANY = "Too many failed attempts."


def _login_names(vault: VaultService) -> list[str]:
    """The vault's logins, the owner's first (one name: no chooser). A vault.keys that
    cannot be read leaves the owner alone; the unlock then says what is wrong."""
    try:
        return list(vault.login_names()) or [""]
    except Exception:  # noqa: BLE001 - the lock screen must always show
        return [""]


class UnlockView(QWidget):
    unlocked = Signal(object)  # VaultSession

    def __init__(
        self,
        vault: VaultService,
        *,
        clock: Callable[[], float] = time.time,
        last_login: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("UnlockView")
        self.vault = vault
        self.clock = clock
        self.logins = _login_names(vault)
        # Each login is throttled on its own (issue 17): a wait is kept per name.
        self._blocked: dict[str, float] = {}
        self._busy = False
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._build()
        self._fill_chooser(last_login)
        self._countdown.timeout.connect(self.tick)
        self._check_waiting()

    def _build(self) -> None:
        column = self._build_fields()
        self._build_layout(column)

    def _build_fields(self) -> QWidget:
        column = QWidget(self)
        column.setFixedWidth(COLUMN_WIDTH)
        self.user = QComboBox(column)
        self.user.setAccessibleName("User")
        self.user.setVisible(len(self.logins) > 1)
        self.passphrase = password_field("Passphrase", column)
        self.passphrase.setPlaceholderText("Passphrase")
        self.code = code_field(column)
        self.message = message_label(column)
        self._reserve_message_room()
        self.busy = busy_bar(column, name="Unlocking", keep_space=True)
        self.notice = UpgradeNotice(self.message, column)  # the first unlock after an update
        self.unlock_button = QPushButton(icon("lock"), "Unlock", column)
        self.unlock_button.setDefault(True)
        self.unlock_button.setAutoDefault(True)
        self.unlock_button.setAccessibleName("Unlock")
        self.recovery_button = QPushButton(icon("key"), "Use recovery key", column)
        self.recovery_button.setFlat(True)
        self.recovery_button.setAccessibleName("Use recovery key")
        self.new_phone_button = QPushButton(icon("key"), "Lost your phone?", column)
        self.new_phone_button.setFlat(True)
        self.new_phone_button.setAccessibleName("Lost your phone? Set up a new one")
        return column

    def _reserve_message_room(self) -> None:
        """Room for a three-line message (wrong passphrase, wrong code, too many tries)
        is kept while there is none, so the fields never move under the mouse."""
        policy = self.message.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.message.setSizePolicy(policy)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.message.setMinimumHeight(MESSAGE_LINES * self.message.fontMetrics().lineSpacing())

    def _build_layout(self, column: QWidget) -> None:
        logo = QLabel(column)
        logo.setPixmap(app_icon().pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        logo.setAccessibleName(f"{APP_NAME} logo")
        title = heading(APP_NAME, size_delta=8, parent=column)
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        choose = "Choose your name, then enter your" if len(self.logins) > 1 else "Enter your"
        hint = body(
            f"Locked. {choose} passphrase and the 6-digit code from your authenticator app.",
            parent=column,
        )
        hint.setAlignment(Qt.AlignmentFlag.AlignHCenter)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setSpacing(GRID)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        if len(self.logins) > 1:
            form.addRow("&User", self.user)
        form.addRow("&Passphrase", self.passphrase)
        form.addRow("&Code", self.code)

        layout = vbox(column, spacing=2 * GRID)
        layout.addWidget(logo)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addSpacing(GRID)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.unlock_button)
        links = hbox(spacing=2 * GRID)
        links.addStretch(1)
        links.addWidget(self.recovery_button)
        links.addWidget(self.new_phone_button)
        links.addStretch(1)
        layout.addLayout(links)

        outer = vbox(self, margins=4 * GRID)
        outer.addStretch(2)
        row = hbox()
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(3)
        column.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Maximum)

        self.passphrase.returnPressed.connect(self.code.setFocus)
        self.code.returnPressed.connect(self.try_unlock)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.recovery_button.clicked.connect(self.open_recovery)
        self.new_phone_button.clicked.connect(self.open_new_phone)
        self.user.currentIndexChanged.connect(self._user_changed)
        self.setFocusProxy(self.passphrase)

    # --- the user chooser (issue 17) ---------------------------------------------------

    def _fill_chooser(self, last_login: str) -> None:
        """The vault's login names, the owner's first; the one last used on this
        computer chosen (never a name that no longer exists: then the owner's). One
        login leaves the hidden chooser empty: filled, it makes its list view before the
        lock screen's first paint (issue 18)."""
        if len(self.logins) < 2:  # a chooser needs two names
            return
        self.user.addItems(self.logins)
        if last_login in self.logins:
            self.user.setCurrentIndex(self.logins.index(last_login))

    @property
    def chosen_login(self) -> str | None:
        """None for the owner (also when the vault has one login)."""
        index = self.user.currentIndex()
        return self.logins[index] if index > 0 else None

    def _user_changed(self, _index: int) -> None:
        self.passphrase.clear()
        self.code.clear()
        self._check_waiting()
        self.tick()

    def _attempts(self) -> AttemptLog:
        """The attempt log that throttles the chosen login (each its own, issue 17)."""
        if self.chosen_login is None:
            return self.vault.attempts
        return self.vault.attempt_log(self.chosen_login)

    def _check_waiting(self) -> None:
        """A wait still running for the chosen login (also after a restart) shows."""
        try:
            self._attempts().check_allowed()
        except TooManyAttempts as exc:
            self._start_backoff(exc.seconds_left)
        except Exception:  # noqa: BLE001 - an unreadable log: the unlock says what is wrong
            return

    # --- unlocking -------------------------------------------------------------------

    def try_unlock(self) -> None:
        if self._busy or self._blocked_until > self.clock():
            return
        typed = passphrase_and_code(self.passphrase, self.code, self._say)
        if typed is None:
            return
        passphrase, code = typed
        user = self.chosen_login
        vault = self.vault
        progress = self.notice.reporter()  # a one-time schema upgrade says what it does

        def work() -> VaultSession:
            if user is None:  # the owner, as before users existed
                return vault.unlock(passphrase, code, progress=progress)
            return vault.unlock(passphrase, code, user=user, progress=progress)

        Op(self, work).busy(self._set_busy).success(self._on_unlocked).failure(
            self._on_failed
        ).run()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        for widget in (
            self.user,
            self.passphrase,
            self.code,
            self.unlock_button,
            self.recovery_button,
            self.new_phone_button,
        ):
            widget.setEnabled(not busy)
        if busy:
            self._say(None)
        else:
            self.notice.finished()
            self._refresh_enabled()

    def _on_unlocked(self, session: VaultSession) -> None:
        self.passphrase.clear()
        self.code.clear()
        self.unlocked.emit(session)

    def _on_failed(self, exc: BaseException) -> None:
        self.code.clear()
        if isinstance(exc, TooManyAttempts):
            self._start_backoff(exc.seconds_left)
            return
        if isinstance(exc, WrongPassphrase):
            self.passphrase.clear()
            self.passphrase.setFocus()
        else:
            self.code.setFocus()
        self._say(exc)
        if isinstance(exc, KEYRING_PROBLEMS):
            self.recovery_button.setFocus()
        self._check_waiting()  # the chosen login's own attempt log

    # --- backoff ---------------------------------------------------------------------

    @property
    def _blocked_until(self) -> float:
        return self._blocked.get(self.user.currentText(), 0.0)

    def _start_backoff(self, seconds: int) -> None:
        # The attempt file knows the exact moment; TooManyAttempts rounds up.
        try:
            exact = self._attempts().load().blocked_until
        except Exception:  # noqa: BLE001 - the rounded wait is close enough
            exact = 0.0
        until = exact if exact > self.clock() else self.clock() + seconds
        self._blocked[self.user.currentText()] = until
        self._countdown.start()
        self.tick()

    def tick(self) -> None:
        left = math.ceil(self._blocked_until - self.clock())
        if left <= 0:
            if not any(until > self.clock() for until in self._blocked.values()):
                self._countdown.stop()
            if self.message.text().startswith(TOO_MANY):
                self._say(None)
        else:
            self._say(f"{TOO_MANY} Try again in {left} s.")
        self._refresh_enabled()

    @property
    def waiting(self) -> bool:
        return self._blocked_until > self.clock()

    def _refresh_enabled(self) -> None:
        self.unlock_button.setEnabled(not self._busy and not self.waiting)

    def _say(self, what: BaseException | str | None) -> None:
        if isinstance(what, str):
            self.message.setText(what)
            self.message.setVisible(True)
        else:
            show_inline(self.message, what)

    # --- recovery --------------------------------------------------------------------

    def open_new_phone(self) -> None:
        from therapynotes.ui.reset_totp_dialog import ResetTotpDialog  # noqa: PLC0415 - issue 18

        ResetTotpDialog(self.vault, parent=self).open()

    def open_recovery(self) -> None:
        dialog = RecoveryDialog(self.vault, parent=self)
        dialog.recovered.connect(self._on_unlocked)
        dialog.open()


class RecoveryDialog(QDialog):
    """Unlock with the recovery key, then set a new passphrase (re-binds this computer)."""

    recovered = Signal(object)  # VaultSession

    def __init__(self, vault: VaultService, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.setWindowTitle("Use recovery key")
        self.setMinimumWidth(60 * GRID)
        intro = body(
            "Type the recovery key from your Emergency Kit, then choose a new passphrase. "
            "Your records stay as they are."
        )
        self.key = QLineEdit(self)
        self.key.setFont(mono_font())
        self.key.setPlaceholderText("ABCD-EFGH-…")
        self.key.setAccessibleName("Recovery key")
        self.rows = NewPassphraseRows(self)
        self.new, self.confirm = self.rows.new, self.rows.again
        self.passphrase_only = QCheckBox("Protect by the passphrase alone (no system keyring)")
        self.passphrase_only.setAccessibleName("Passphrase only")
        self.passphrase_only.setVisible(VaultService.keyring_problem() is not None)
        self.message = message_label(self)
        self.rows.hides(self.message)
        self.busy = busy_bar(self)
        self.notice = UpgradeNotice(self.message, self)  # a recovery also upgrades the schema
        self.buttons, self.ok = ok_cancel(self, "Unlock")

        form = QFormLayout()
        form.setSpacing(GRID)
        form.addRow("Recovery &key", self.key)
        self.rows.add_to(form)
        form.addRow("", self.passphrase_only)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

    def submit(self) -> None:
        key = self.key.text()
        try:
            new = self.rows.value()
        except PassphrasesDiffer as exc:
            show_inline(self.message, exc)
            return
        vault, only = self.vault, self.passphrase_only.isChecked()
        progress = self.notice.reporter()
        Op(self, lambda: vault.recover(key, new, passphrase_only=only, progress=progress)).busy(
            self._set_busy
        ).success(self._done).failure(lambda exc: show_inline(self.message, exc)).run()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.ok.setEnabled(not busy)
        if busy:
            show_inline(self.message, None)
        else:
            self.notice.finished()

    def _done(self, session: VaultSession) -> None:
        self.key.clear()  # no recovery key or passphrase left in a hidden dialog
        self.rows.clear()
        self.recovered.emit(session)
        self.accept()
