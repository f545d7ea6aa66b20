"""The "Snippets" part of Settings: the therapist's snippets (Add, Edit, Delete), and
the dialog that edits one (a name typed as "/name" in a note, and the text, with
{{placeholders}} to tab through). The dialog keeps what was typed over a lock."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from therapynotes.domain.snippets import Snippet
from therapynotes.errors import TherapyNotesError
from therapynotes.services.session import VaultSession
from therapynotes.services.snippets import SnippetService
from therapynotes.ui.errors import show_inline
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.snippets.access import edits
from therapynotes.ui.snippets.expander import entry_text
from therapynotes.ui.widgets import GRID, body, hbox, message_label, ok_cancel, vbox

EXAMPLE = (
    "Appearance {{appearance}}. Mood “{{mood}}”, affect {{affect}}. Thought process "
    "{{thought process}}. Denies SI/HI."
)


class SnippetDialog(QDialog):
    def __init__(
        self, snippet: Snippet, group: SnippetSettingsGroup, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit snippet" if snippet.id else "New snippet")
        self.setMinimumWidth(70 * GRID)
        self.snippet = snippet
        self.group = group
        self.trigger = QLineEdit(snippet.trigger, self)
        self.trigger.setAccessibleName("Snippet name")
        self.trigger.setMaxLength(33)
        self.trigger.setPlaceholderText("mse")
        self.text = QPlainTextEdit(snippet.body, self)
        self.text.setAccessibleName("Snippet text")
        self.text.setPlaceholderText(EXAMPLE)
        self.message = message_label(self)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        form = QFormLayout()
        form.addRow("&Name (type /name in a note)", self.trigger)
        form.addRow("&Text", self.text)
        layout.addLayout(form)
        layout.addWidget(
            body(
                "Write {{label}} where you want to fill something in: after the snippet "
                "goes in, Tab selects each one in turn.",
                parent=self,
            )
        )
        layout.addWidget(self.message)
        box, _ok = ok_cancel(self, "Save snippet")
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def accept(self) -> None:
        edited = Snippet(self.trigger.text(), self.text.toPlainText(), self.snippet.id)
        try:
            self.group.save(edited)
        except TherapyNotesError as exc:
            show_inline(self.message, exc)
            return
        super().accept()

    def form_state(self) -> dict[str, Any]:
        return {"trigger": self.trigger.text(), "text": self.text.toPlainText()}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.trigger.setText(str(state.get("trigger", "")))
        self.text.setPlainText(str(state.get("text", "")))


class SnippetSettingsGroup(QGroupBox):
    def __init__(self, session: VaultSession, parent: QWidget | None = None) -> None:
        super().__init__("Snippets", parent)
        self.session = session
        self.service = SnippetService(session)
        self.items: list[Snippet] = []
        self.dialog: SnippetDialog | None = None
        self.list = QListWidget(self)
        self.list.setAccessibleName("Snippets")
        self.list.setMinimumHeight(16 * GRID)
        self.message = message_label(self)
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        layout.addWidget(
            body(
                "Type / and a snippet's name in any note section (or press Ctrl+Space) to "
                "insert it.",
                parent=self,
            )
        )
        row = hbox()
        row.addWidget(self.list, 1)
        column = vbox(spacing=GRID)
        for text, slot in (("Add…", self.add), ("Edit…", self.edit), ("Delete", self.delete)):
            button = QPushButton(text, self)
            button.setAccessibleName(text.rstrip("…") + " snippet")
            button.clicked.connect(slot)
            column.addWidget(button)
        column.addStretch(1)
        row.addLayout(column)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.list.itemActivated.connect(lambda _item: self.edit())
        self.load()

    def load(self) -> None:
        with self.session.db_lock:
            self.items = self.service.all()
        self.list.clear()
        for snippet in self.items:
            self.list.addItem(entry_text(snippet))  # as the menu in a note shows it

    def save(self, snippet: Snippet) -> None:
        with self.session.db_lock:
            self.service.save(snippet)
        self.load()
        self.changed()

    def changed(self) -> None:
        """Open note fields pick up the new list (ui/snippets/access.py)."""
        edits().saved.emit()

    def open_dialog(self, snippet: Snippet) -> SnippetDialog:
        dialog = SnippetDialog(snippet, self, self)
        tag(dialog, "snippet.edit", None, snippet=snippet.id or 0)
        self.dialog = dialog
        dialog.open()
        return dialog

    def edit_snippet(self, snippet: Snippet | None) -> SnippetDialog:
        """`snippet`, or a new one (also when the one kept over a lock is gone)."""
        return self.open_dialog(snippet or Snippet("", ""))

    def add(self) -> SnippetDialog:
        return self.open_dialog(Snippet("", ""))

    def edit(self) -> SnippetDialog | None:
        index = self.list.currentRow()
        if not 0 <= index < len(self.items):
            return None
        return self.open_dialog(self.items[index])

    def delete(self) -> None:
        index = self.list.currentRow()
        if 0 <= index < len(self.items):
            snippet_id = self.items[index].id
            try:
                with self.session.db_lock:
                    self.service.delete(snippet_id or 0)
            except TherapyNotesError as exc:
                show_inline(self.message, exc)
                return
            self.load()
            self.changed()
