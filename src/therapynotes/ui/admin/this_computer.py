"""The device checks in the window (issue 16): "This computer" in Settings (every check,
its advice and a button to the OS's own setting) and the Home card that warns while a
check fails or warns, until it is fixed or dismissed with a reason. The checks run the
OS's tools, so off the UI thread (ops' general pool); dismissals live in the vault and
go through the database worker."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from therapynotes.services.device import dismissals
from therapynotes.services.device.model import SETTINGS_LINKS, TITLES, DeviceCheck, Status
from therapynotes.services.device.runner import failing, run_checks
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.ui.admin.common import db_op
from therapynotes.ui.errors import show_inline
from therapynotes.ui.ops import Op
from therapynotes.ui.pages import Card
from therapynotes.ui.widgets import GRID, body, hbox, heading, message_label, vbox

STATUS_WORDS = {
    Status.OK: "Good",
    Status.WARN: "Could be safer",
    Status.FAIL: "Needs fixing",
    Status.UNKNOWN: "Could not tell",
}


def open_os_setting(name: str) -> bool:
    link = SETTINGS_LINKS.get((name, sys.platform))
    return link is not None and QDesktopServices.openUrl(QUrl(link))


class ThisComputerGroup(QGroupBox):
    """Settings → This computer."""

    def __init__(
        self,
        vault_root: Path,
        parent: QWidget | None = None,
        *,
        backup_folder: Callable[[], str] = lambda: "",
    ) -> None:
        super().__init__("This computer", parent)
        self.setAccessibleName("This computer")
        self.vault_root = vault_root
        self.backup_folder = backup_folder  # the drive of the backup folder is checked too
        self.checks: list[DeviceCheck] = []
        self.asked = 0  # runs started; only the newest one's answer is shown
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        layout.addWidget(
            body(
                "Your records are only as safe as the computer they are on. These checks "
                "read this computer's own settings; nothing is changed or sent anywhere.",
                parent=self,
            )
        )
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(2 * GRID)
        self.grid.setVerticalSpacing(GRID)
        layout.addLayout(self.grid)
        row = hbox()
        self.again = QPushButton("Check again", self)
        self.again.setAccessibleName("Check again")
        self.again.clicked.connect(self.refresh)
        row.addWidget(self.again)
        row.addStretch(1)
        layout.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        self.again.setEnabled(False)
        root, folder = self.vault_root, self.backup_folder()
        self.asked += 1
        asked = self.asked
        Op(
            self,
            lambda: run_checks(root if root.exists() else root.parent, backup_folder=folder),
        ).success(lambda checks: self._show(checks) if asked == self.asked else None).run()

    def _show(self, checks: list[DeviceCheck]) -> None:
        """The answer of the newest run only: an older one (the backup folder changed
        meanwhile) finishing last must not show over it."""
        self.checks = checks
        self.again.setEnabled(True)
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for i, check in enumerate(checks):
            title = QLabel(f"<b>{TITLES[check.name]}</b>", self)
            state = QLabel(STATUS_WORDS[check.status], self)
            state.setAccessibleName(f"{TITLES[check.name]}: {STATUS_WORDS[check.status]}")
            advice = body(check.advice, parent=self)
            self.grid.addWidget(title, i, 0)
            self.grid.addWidget(state, i, 1)
            self.grid.addWidget(advice, i, 2)
            if (check.name, sys.platform) in SETTINGS_LINKS:
                link = QPushButton("Open setting…", self)
                link.setAccessibleName("Open setting")
                link.clicked.connect(lambda _=False, n=check.name: open_os_setting(n))
                self.grid.addWidget(link, i, 3)
        self.grid.setColumnStretch(2, 1)


class DismissDialog(QDialog):
    def __init__(self, check: DeviceCheck, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = check
        self.setWindowTitle("Dismiss a warning")
        layout = vbox(self, margins=3 * GRID, spacing=GRID)
        layout.addWidget(heading(f"Dismiss “{TITLES[check.name]}”?", size_delta=2))
        layout.addWidget(body("Say why it does not apply here; the reason is kept.", parent=self))
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName("Reason")
        self.reason.setMaxLength(dismissals.MAX_REASON)
        self.reason.setPlaceholderText("For example: encrypted by the practice's own tool")
        layout.addWidget(self.reason)
        self.message = message_label(self)
        layout.addWidget(self.message)
        row = hbox()
        row.addStretch(1)
        cancel = QPushButton("Cancel", self)
        cancel.setAccessibleName("Cancel")
        cancel.clicked.connect(self.reject)
        self.ok = QPushButton("Dismiss", self)
        self.ok.setAccessibleName("Dismiss")
        self.ok.clicked.connect(self.submit)
        row.addWidget(cancel)
        row.addWidget(self.ok)
        layout.addLayout(row)

    def submit(self) -> None:
        if not self.reason.text().strip():
            show_inline(self.message, dismissals.DismissReasonMissing())
            return
        self.accept()


class DeviceWarningCard(Card):
    """Home: the checks that fail or warn and were not dismissed."""

    def __init__(
        self,
        session: VaultSession,
        vault_root: Path,
        *,
        parent: QWidget,
        backup_folder: Callable[[], str] = lambda: "",
    ) -> None:
        super().__init__("This computer needs attention", "", parent=parent)
        self.session, self.vault_root = session, vault_root
        self.backup_folder = backup_folder
        self.shown: list[DeviceCheck] = []
        self.checked = False  # the checks have run and their answer is shown
        self.dialog: DismissDialog | None = None
        self.rows = vbox(spacing=GRID)
        self.layout_.addLayout(self.rows)
        self.setVisible(False)
        self.refresh()

    def _records(self) -> RecordsService:
        return RecordsService(self.session)

    def refresh(self) -> None:
        root, folder = self.vault_root, self.backup_folder()
        Op(
            self,
            lambda: run_checks(root if root.exists() else root.parent, backup_folder=folder),
        ).success(self._checked).run()

    def _checked(self, checks: list[DeviceCheck]) -> None:
        db_op(self, self.session, lambda: dismissals.dismissed(self._records())).success(
            lambda gone: self._show([c for c in failing(checks) if c.name not in gone])
        ).run(database=True)

    def _show(self, checks: list[DeviceCheck]) -> None:
        self.shown, self.checked = checks, True
        while self.rows.count():
            item = self.rows.takeAt(0)
            layout = item.layout() if item is not None else None
            if layout is not None:
                while layout.count():
                    child = layout.takeAt(0)
                    widget = child.widget() if child is not None else None
                    if widget is not None:
                        widget.deleteLater()
        for check in checks:
            row = hbox()
            row.addWidget(body(f"{TITLES[check.name]}: {check.advice}", parent=self), 1)
            dismiss = QPushButton("Dismiss…", self)
            dismiss.setAccessibleName("Dismiss")
            dismiss.setAccessibleName(f"Dismiss {TITLES[check.name]}")
            dismiss.clicked.connect(lambda _=False, c=check: self.ask_dismiss(c))
            row.addWidget(dismiss)
            self.rows.addLayout(row)
        self.text.setText("Fix these in the system settings (see Settings → This computer).")
        self.setVisible(bool(checks))

    def ask_dismiss(self, check: DeviceCheck) -> None:
        self.dialog = DismissDialog(check, self)
        self.dialog.accepted.connect(self._dismissed)
        self.dialog.open()

    def _dismissed(self) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        name, reason = dialog.check.name, dialog.reason.text()
        db_op(
            self, self.session, lambda: dismissals.dismiss(self._records(), name, reason)
        ).success(lambda _none: self._show([c for c in self.shown if c.name != name])).run(
            database=True
        )
