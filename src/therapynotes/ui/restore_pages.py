"""The first-run wizard's two restore pages: choose the file and how to open it, then
check what will be restored and restore it with progress.

Built by SetupWizardView (ui/setup_wizard.py), which owns navigation and the slow calls;
these widgets only collect input and show the flow's preview and progress.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from therapynotes.ui.icons import icon
from therapynotes.ui.keyring_choice import PassphraseOnlyChoice
from therapynotes.ui.widgets import GRID, StrengthMeter, body, hbox, heading, password_field, vbox

PHASE_WORDS = {
    "verify": "Checking every part of the backup file…",
    "check": "Checking the restored records…",
}


class RestoreProgress(QObject):
    """Emitted from the worker thread; Qt queues it to the GUI thread."""

    moved = Signal(str, int, int)


class RestoreChooseWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.file = QLineEdit(self)
        self.file.setAccessibleName("Backup file")
        self.file.setPlaceholderText("No file chosen")
        choose = QPushButton(icon("folder"), "Choose file…", self)
        choose.setAccessibleName("Choose backup file")
        choose.clicked.connect(self._pick)
        self.secret = password_field("Backup passphrase", self)
        self.use_recovery = QCheckBox("I'll use my recovery key instead", self)
        self.use_recovery.setAccessibleName("Use the recovery key")
        self.new_passphrase = password_field("New passphrase", self)
        self.confirm = password_field("New passphrase again", self)
        self.meter = StrengthMeter(self)
        self.new_passphrase.textChanged.connect(self.meter.update_for)
        self.keyring = PassphraseOnlyChoice(self)
        row = hbox()
        row.addWidget(self.file, 1)
        row.addWidget(choose)
        self.form = form = QFormLayout()
        form.setSpacing(GRID)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.addRow("Backup file", row)
        self.secret_label = QLabel("&Passphrase used when the backup was made", self)
        self.secret_label.setBuddy(self.secret)
        form.addRow(self.secret_label, self.secret)
        form.addRow(self.use_recovery)
        form.addRow("&New passphrase for this computer", self.new_passphrase)
        form.addRow("", self.meter)
        form.addRow("New passphrase &again", self.confirm)
        layout = vbox(self, spacing=2 * GRID)
        layout.addWidget(heading("Restore from a backup file"))
        layout.addWidget(
            body(
                "Choose a TherapyNotes backup file, then type the passphrase that was in use "
                "when it was made. If you don't remember it, use your recovery key and choose "
                "a new passphrase."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.keyring)
        self.use_recovery.toggled.connect(self._recovery_toggled)
        self._recovery_toggled(False)

    def _recovery_toggled(self, on: bool) -> None:
        self.secret_label.setText(
            "&Recovery key" if on else "&Passphrase used when the backup was made"
        )
        self.secret.setAccessibleName("Recovery key" if on else "Backup passphrase")
        self.secret.setPlaceholderText("XXXX-XXXX-…" if on else "")
        for field in (self.new_passphrase, self.meter, self.confirm):
            self.form.setRowVisible(field, on)

    def _pick(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a backup file", "", "TherapyNotes backups (*.tnbackup)"
        )
        if path:
            self.file.setText(path)

    def chosen_file(self) -> Path | None:
        text = self.file.text().strip()
        return Path(text) if text else None

    def clear_secrets(self) -> None:
        for field in (self.secret, self.new_passphrase, self.confirm):
            field.clear()


class RestorePreviewWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = body("", parent=self)
        self.summary.setAccessibleName("What will be restored")
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Restore progress")
        self.progress.setTextVisible(False)
        self.phase = QLabel(self)
        self.phase.setAccessibleName("Restore step")
        layout = vbox(self, spacing=2 * GRID)
        layout.addWidget(heading("Check before restoring"))
        layout.addWidget(self.summary)
        layout.addWidget(
            body(
                "Restoring checks the whole file first, then puts these records on this "
                "computer. Afterwards, unlock with your passphrase and the code from the "
                "same authenticator app as before."
            )
        )
        layout.addWidget(self.progress)
        layout.addWidget(self.phase)
        self.show_lines([])

    def show_lines(self, lines: list[str]) -> None:
        self.summary.setText("\n".join(lines))
        self.progress.setVisible(False)
        self.phase.setVisible(False)

    def on_progress(self, phase: str, done: int, total: int) -> None:
        self.progress.setVisible(True)
        self.phase.setVisible(True)
        self.phase.setText(PHASE_WORDS.get(phase, "Restoring…"))
        if phase == "verify" and total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(done, total) / total))
        else:
            self.progress.setRange(0, 0)  # checking pages and setting up keys: no measure
