"""The purge's two confirmations. First: exactly what would be destroyed (the counts the
CLI prints) and, before the retention date, the reason for destroying it early (kept in
the audit trail, like `purge --before-retention-date`); "Continue" is refused without
it. Second: a last "this cannot be undone" before anything is touched. The purge itself
runs on the database worker (ui/admin/retention_dialog.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from therapynotes.domain.retention import RetentionStatus
from therapynotes.retention_errors import PurgeReasonMissing
from therapynotes.services.retention import MAX_REASON, PurgePreview
from therapynotes.ui.errors import show_inline
from therapynotes.ui.records_access import day
from therapynotes.ui.widgets import GRID, body, busy_bar, hbox, heading, message_label, vbox

PART_WORDS = {
    "notes": ("note", "notes"),
    "draft_revisions": ("earlier draft", "earlier drafts"),
    "addenda": ("addendum", "addenda"),
    "attachments": ("attachment", "attachments"),
    "sessions": ("session", "sessions"),
    "plan_versions": ("treatment plan version", "treatment plan versions"),
    "diagnoses": ("diagnosis", "diagnoses"),
}


@dataclass(frozen=True)
class Row:
    status: RetentionStatus
    name: str
    state: str  # words shown in the Status column


def count_words(what: str, n: int) -> str:
    one, many = PART_WORDS.get(what, (what.replace("_", " "), what.replace("_", " ")))
    return f"{n} {one if n == 1 else many}"


class PurgeDialog(QDialog):
    confirmed = Signal()

    def __init__(
        self, row: Row, preview: PurgePreview, *, today: date, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.row = row
        self.early = not preview.status.is_due(today)
        self.setWindowTitle("Destroy a record")
        self.setAccessibleName("Destroy a record")
        self.stack = QStackedWidget(self)
        vbox(self, margins=3 * GRID).addWidget(self.stack)
        self._first_step(preview)
        self._last_step()

    def _first_step(self, preview: PurgePreview) -> None:
        page = QWidget(self.stack)
        layout = vbox(page, spacing=GRID)
        layout.addWidget(heading(f"Destroy {self.row.name}'s whole record?", size_delta=2))
        parts = ", ".join(count_words(k, n) for k, n in preview.counts.items() if n)
        also = f" and {parts}" if parts else ""
        layout.addWidget(
            body(
                f"This permanently destroys the chart (details, contacts, alerts){also}, "
                "with every search entry for them. Group sessions stay for the other "
                "clients. The audit trail keeps only a note that a record was destroyed.",
                parent=page,
            )
        )
        self.reason_field = QLineEdit(page)
        self.reason_field.setMaxLength(MAX_REASON)
        self.reason_field.setAccessibleName("Reason for destroying it early")
        self.reason_field.setPlaceholderText("For example: client's written request")
        if self.early:
            kept = day(preview.status.retention_date.isoformat())
            layout.addWidget(
                body(
                    f"This record is to be kept until {kept}. To destroy it earlier, say why: "
                    "the reason is kept in the audit trail, so do not name the client.",
                    parent=page,
                )
            )
            label = QLabel("&Reason", page)
            label.setBuddy(self.reason_field)
            layout.addWidget(label)
            layout.addWidget(self.reason_field)
        else:
            self.reason_field.hide()
        self.understood = QCheckBox("I understand this cannot be undone", page)
        layout.addWidget(self.understood)
        self.first_message = message_label(page)
        layout.addWidget(self.first_message)
        buttons = hbox()
        buttons.addStretch(1)
        cancel = QPushButton("Cancel", page)
        cancel.setAccessibleName("Cancel")
        cancel.clicked.connect(self.reject)
        self.continue_button = QPushButton("Continue…", page)
        self.continue_button.setAccessibleName("Continue")
        self.continue_button.clicked.connect(self.go_on)
        buttons.addWidget(cancel)
        buttons.addWidget(self.continue_button)
        layout.addLayout(buttons)
        self.stack.addWidget(page)

    def _last_step(self) -> None:
        page = QWidget(self.stack)
        layout = vbox(page, spacing=GRID)
        layout.addWidget(heading("Last step", size_delta=2))
        layout.addWidget(
            body(
                f"Destroy {self.row.name}'s record now? It cannot be brought back from this "
                "computer. Backups made before today still hold it until they are deleted.",
                parent=page,
            )
        )
        self.busy = busy_bar(page, name="Destroying the record", keep_space=True)
        layout.addWidget(self.busy)
        self.last_message = message_label(page)
        layout.addWidget(self.last_message)
        buttons = hbox()
        buttons.addStretch(1)
        self.back_button = QPushButton("Keep the record", page)
        self.back_button.setAccessibleName("Keep the record")
        self.back_button.clicked.connect(self.reject)
        self.destroy_button = QPushButton("Destroy permanently", page)
        self.destroy_button.setAccessibleName("Destroy permanently")
        self.destroy_button.clicked.connect(self.destroy_now)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.destroy_button)
        layout.addLayout(buttons)
        self.stack.addWidget(page)

    def reason(self) -> str | None:
        if not self.early:
            return None
        return " ".join(self.reason_field.text().split())

    def form_state(self) -> dict[str, object]:
        return {"reason": self.reason_field.text()}

    def restore_state(self, state: dict[str, object]) -> None:
        self.reason_field.setText(str(state.get("reason", "")))

    def go_on(self) -> None:
        if self.early and not self.reason():
            show_inline(self.first_message, PurgeReasonMissing())
            return
        if not self.understood.isChecked():
            self.first_message.setText("Tick the box to say you understand this cannot be undone.")
            self.first_message.setVisible(True)
            return
        self.stack.setCurrentIndex(1)
        self.destroy_button.setFocus()

    def destroy_now(self) -> None:
        self.destroy_button.setEnabled(False)
        self.back_button.setEnabled(False)
        self.busy.setVisible(True)
        self.confirmed.emit()

    def finished_purge(self, exc: BaseException | None) -> None:
        self.busy.setVisible(False)
        if exc is None:
            self.accept()
            return
        self.back_button.setEnabled(True)
        self.back_button.setText("Close")
        show_inline(self.last_message, exc)
