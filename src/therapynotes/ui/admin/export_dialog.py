"""Export every record to the open JSON format (docs/export-format.md), to move to
another computer or app. The dialog says first, plainly, that the copy is NOT encrypted
and where it goes, and asks the therapist to say they understand; the export runs on the
database worker into a new folder ("TherapyNotes export YYYY-MM-DD") inside the folder
chosen, all or nothing (services/portable.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QLineEdit,
    QPushButton,
    QWidget,
)

from therapynotes.services.portable import PortableService
from therapynotes.services.session import VaultSession
from therapynotes.ui.admin.common import db_op
from therapynotes.ui.errors import show_inline
from therapynotes.ui.widgets import GRID, body, busy_bar, hbox, heading, message_label, vbox

Clock = Callable[[], float]

WARNING = (
    "This copy is NOT encrypted. Anyone who can open the folder can read every record in "
    "it: names, notes, attachments. Put it only on a disk that is itself encrypted, move "
    "it straight to where it is going, and delete it when you are done."
)
COUNT_WORDS = (("clients", "client"), ("notes", "note"), ("sessions", "session"))


def folder_name(clock: Clock) -> str:
    return f"TherapyNotes export {datetime.fromtimestamp(clock(), UTC).date().isoformat()}"


def summary(counts: dict[str, int]) -> str:
    parts = [
        f"{counts.get(table, 0)} {one if counts.get(table, 0) == 1 else table}"
        for table, one in COUNT_WORDS
    ]
    return ", ".join(parts)


class ExportDialog(QDialog):
    def __init__(
        self, session: VaultSession, *, clock: Clock, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export all records")
        self.setAccessibleName("Export all records")
        self.session, self.clock = session, clock
        self.done_folder: Path | None = None
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(heading("Export all records", size_delta=3))
        layout.addWidget(
            body(
                "Writes every client, note, session, plan and attachment in an open format "
                "that other apps (and TherapyNotes on another computer) can read.",
                parent=self,
            )
        )
        self.warning = body(WARNING, parent=self)
        self.warning.setAccessibleName("Export warning")
        self.warning.setStyleSheet("font-weight: bold")
        layout.addWidget(self.warning)
        self.folder = QLineEdit(self)
        self.folder.setAccessibleName("Export into folder")
        self.folder.setReadOnly(True)
        self.folder.setMinimumWidth(50 * GRID)
        choose = QPushButton("Choose folder…", self)
        choose.setAccessibleName("Choose folder")
        choose.clicked.connect(self._choose)
        row = hbox()
        row.addWidget(self.folder, 1)
        row.addWidget(choose)
        layout.addLayout(row)
        self.where = body("", parent=self)
        self.where.setAccessibleName("Export goes to")
        layout.addWidget(self.where)
        self.understood = QCheckBox("I understand this copy is not encrypted", self)
        layout.addWidget(self.understood)
        self.busy = busy_bar(self, name="Exporting", keep_space=True)
        layout.addWidget(self.busy)
        self.message = message_label(self)
        self.message.setAccessibleName("Export message")
        layout.addWidget(self.message)
        buttons = hbox()
        buttons.addStretch(1)
        self.close_button = QPushButton("Close", self)
        self.close_button.setAccessibleName("Close")
        self.close_button.clicked.connect(self.reject)
        self.export_button = QPushButton("Export", self)
        self.export_button.setAccessibleName("Export")
        self.export_button.clicked.connect(self.export)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.export_button)
        layout.addLayout(buttons)

    def _choose(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Export into", str(Path.home()))
        if path:
            self.set_folder(Path(path))

    def set_folder(self, folder: Path) -> None:
        self.folder.setText(str(folder))
        self.where.setText(f"A new folder “{folder_name(self.clock)}” will be made in it.")

    def target(self) -> Path | None:
        text = self.folder.text().strip()
        return Path(text) / folder_name(self.clock) if text else None

    def export(self) -> None:
        target = self.target()
        if target is None:
            self.message.setText("Choose the folder to export into first.")
            self.message.setVisible(True)
            return
        if not self.understood.isChecked():
            self.message.setText("Tick the box to say you understand the copy is not encrypted.")
            self.message.setVisible(True)
            return
        show_inline(self.message, None)

        def write() -> dict[str, int]:
            return PortableService(self.session, clock=self.clock).export_json(target)

        def done(counts: dict[str, int]) -> None:
            self.done_folder = target
            self.message.setText(
                f"Exported {summary(counts)} to {target}. It is not encrypted: delete it "
                "once it has reached its new home."
            )
            self.message.setVisible(True)

        db_op(self, self.session, write).busy(self._busy).success(done).failure(
            lambda exc: show_inline(self.message, exc)
        ).run(database=True)

    def _busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.export_button.setEnabled(not busy)
