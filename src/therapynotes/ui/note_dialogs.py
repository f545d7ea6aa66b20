"""The confirmations of the note life cycle: Sign, Add addendum, Void (a reason and a
second explicit step). They only ask; the note editor does the work. Add addendum and
Void keep what was typed through a lock (`form_state`/`restore_state`, ui/form_drafts.py)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QWidget,
)

from therapynotes.ui.clipboard import RecordPlainTextEdit
from therapynotes.ui.widgets import GRID, body, heading, plain_buttons, vbox


class ConfirmDialog(QDialog):
    """A titled question with one action and Cancel (sign, void, a measure's result)."""

    def __init__(self, title: str, text: str, action: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(56 * GRID)
        self.layout_ = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        self.layout_.addWidget(heading(title, size_delta=2, parent=self))
        self.layout_.addWidget(body(text, parent=self))
        self.box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok: QPushButton = self.box.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setAccessibleName(action)
        self.ok.setDefault(True)
        plain_buttons(self.box)
        self.box.accepted.connect(self.accept)
        self.box.rejected.connect(self.reject)

    def finish(self) -> None:
        self.layout_.addWidget(self.box)


class SignDialog(ConfirmDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Sign note",
            "Once signed, this note can't be changed. Corrections go in a signed addendum, "
            "and the original stays readable.",
            "Sign note",
            parent,
        )
        self.finish()


class TextConfirmDialog(ConfirmDialog):
    """A confirmation that needs the therapist's own words (an addendum, how a safety flag
    was addressed): the action waits for some text; a lock keeps what was typed."""

    def __init__(
        self,
        title: str,
        text: str,
        action: str,
        parent: QWidget | None,
        *,
        field: str,
        lines: int,
    ) -> None:
        super().__init__(title, text, action, parent)
        self.editor = RecordPlainTextEdit(self)
        self.editor.setAccessibleName(field)
        self.editor.setMinimumHeight(lines * GRID)
        self.layout_.addWidget(self.editor)
        self.ok.setEnabled(False)
        self.editor.textChanged.connect(lambda: self.ok.setEnabled(bool(self.text().strip())))
        self.finish()

    def text(self) -> str:
        return self.editor.toPlainText()

    def form_state(self) -> dict[str, Any]:
        return {"text": self.text()}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.editor.setPlainText(str(state.get("text", "")))


class AddendumDialog(TextConfirmDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Add addendum",
            "The addendum is signed now and added below the note. The note itself stays as it was.",
            "Sign addendum",
            parent,
            field="Addendum text",
            lines=12,
        )


class VoidDialog(ConfirmDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Void note",
            "Voiding marks this note as void (for example, written in the wrong chart). It "
            "stays in the chart's history, marked Voided, and leaves search and exports. It "
            "can't be undone.",
            "Void note",
            parent,
        )
        self.editor = RecordPlainTextEdit(self)
        self.editor.setAccessibleName("Reason for voiding")
        self.editor.setPlaceholderText("Reason, for example: written in the wrong chart")
        self.editor.setFixedHeight(8 * GRID)
        self.layout_.addWidget(self.editor)
        self.understood = QCheckBox("I understand this note will be voided for good", self)
        self.understood.setAccessibleName("Confirm voiding")
        self.layout_.addWidget(self.understood)
        self.ok.setEnabled(False)
        self.editor.textChanged.connect(self._update)
        self.understood.toggled.connect(self._update)
        self.finish()

    def _update(self) -> None:
        self.ok.setEnabled(bool(self.reason().strip()) and self.understood.isChecked())

    def reason(self) -> str:
        return self.editor.toPlainText()

    def form_state(self) -> dict[str, Any]:
        return {"reason": self.reason(), "understood": self.understood.isChecked()}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.editor.setPlainText(str(state.get("reason", "")))
        self.understood.setChecked(bool(state.get("understood", False)))
