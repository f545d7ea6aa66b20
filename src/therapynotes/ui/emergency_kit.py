"""The Emergency Kit PDF, from the setup wizard and from Settings after "Make a new
recovery key": one renderer (ui/pdf_render.py) and one document
(services/emergency_kit_document.py) for both.

Holds the recovery key, the vault id and where backups are kept, never anything about
clients. The therapist chooses where the file goes (written atomically, 0600); the page
says to print it and delete the file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QWidget,
)

from therapynotes import APP_NAME
from therapynotes.services.emergency_kit_document import kit_document
from therapynotes.ui.errors import show_inline
from therapynotes.ui.icons import icon
from therapynotes.ui.pdf_render import render_pdf
from therapynotes.ui.widgets import GRID, body, hbox, message_label, mono_font, plain_buttons, vbox

KIT_FILE_NAME = f"{APP_NAME} Emergency Kit.pdf"


def write_emergency_kit(
    path: Path,
    *,
    recovery_key: str,
    vault_id: str,
    backup_folder: str = "",
    made_on: date | None = None,
) -> None:
    document = kit_document(
        recovery_key=recovery_key,
        vault_id=vault_id,
        backup_folder=backup_folder,
        made_on=made_on or date.today(),
    )
    render_pdf(document, path)


def ask_kit_path(parent: QWidget) -> Path | None:
    suggested = str(Path.home() / KIT_FILE_NAME)
    path, _ = QFileDialog.getSaveFileName(parent, "Save Emergency Kit", suggested, "PDF (*.pdf)")
    if not path:
        return None
    return Path(path) if path.lower().endswith(".pdf") else Path(f"{path}.pdf")


class NewRecoveryKeyDialog(QDialog):
    """Shows a just-made recovery key once and offers the Emergency Kit PDF for it."""

    def __init__(
        self,
        key_text: str,
        *,
        vault_id: str,
        backup_folder: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Your new recovery key")
        self._key_text = key_text
        self._vault_id = vault_id
        self._backup_folder = backup_folder
        key = QLabel(key_text.replace("-", " "), self)
        key.setFont(mono_font())
        key.setWordWrap(True)
        key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        key.setAccessibleName("New recovery key")
        self.message = message_label(self)
        save = QPushButton(icon("note"), "Save Emergency Kit as PDF…", self)
        save.setAccessibleName("Save Emergency Kit as PDF")
        save.clicked.connect(self._pick_file)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        plain_buttons(buttons)
        buttons.rejected.connect(self.reject)
        row = hbox()
        row.addWidget(save)
        row.addStretch(1)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(
            body(
                "Write this key down, or save the Emergency Kit and print it, and keep it "
                "somewhere safe. It is shown only this once. Your old recovery key and old "
                "Emergency Kit no longer open this vault."
            )
        )
        layout.addWidget(key)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _pick_file(self) -> None:
        path = ask_kit_path(self)
        if path is not None:
            self.save_kit(path)

    def save_kit(self, path: Path) -> None:
        try:
            write_emergency_kit(
                path,
                recovery_key=self._key_text,
                vault_id=self._vault_id,
                backup_folder=self._backup_folder,
            )
        except Exception as exc:  # noqa: BLE001 - shown inline
            show_inline(self.message, exc)
            return
        self.message.setText(f"Saved {path.name}. Print it, then delete the file.")
        self.message.setVisible(True)
