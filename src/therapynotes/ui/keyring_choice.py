"""The passphrase-only choice the first-run wizard offers when this computer's keyring
cannot be used: one widget for "Create a new vault" and "Restore from a backup file", so
both show the same explanation, the same tick box and the same warning.

Hidden until `offer` is called with the keyring problem (found at once for a missing or
plaintext keyring, or by a slow step for a locked one); the words come from the flow.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QWidget

from therapynotes.services.setup_flow import PASSPHRASE_ONLY_LABEL, PASSPHRASE_ONLY_WARNING
from therapynotes.ui.widgets import GRID, body, vbox


class PassphraseOnlyChoice(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PassphraseOnlyChoice")
        self.note = body("", parent=self)
        self.note.setAccessibleName("Keyring problem")
        self.checkbox = QCheckBox(PASSPHRASE_ONLY_LABEL, self)
        self.checkbox.setAccessibleName("Passphrase only")
        self.warning = body(PASSPHRASE_ONLY_WARNING, parent=self)
        self.warning.setAccessibleName("Passphrase-only warning")
        layout = vbox(self, spacing=GRID)
        layout.addWidget(self.note)
        layout.addWidget(self.checkbox)
        layout.addWidget(self.warning)
        self.setVisible(False)

    def offer(self, words: str) -> None:
        """Show the problem in `words` and the choice (never ticked for the therapist)."""
        self.note.setText(words)
        self.setVisible(True)

    def chosen(self) -> bool:
        """Ticked while offered: go on without the keyring."""
        return not self.isHidden() and self.checkbox.isChecked()
