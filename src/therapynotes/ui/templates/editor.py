"""The template editor: name, and the sections (add, remove, reorder; each with a title,
the prompt shown in the empty field, and "required for signing"). Saving stores the
next version; notes written with an earlier one keep it. A lock keeps what was typed
(form_state / restore_state, tagged "template.edit").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from therapynotes.domain.templates import Section, Template
from therapynotes.errors import TherapyNotesError
from therapynotes.services.templates import section_key
from therapynotes.ui.errors import show_inline
from therapynotes.ui.widgets import GRID, body, hbox, message_label, ok_cancel, vbox


@dataclass
class _Row:
    key: str
    title: str
    prompt: str
    required: bool


class TemplateEditorDialog(QDialog):
    def __init__(
        self,
        template: Template,
        parent: QWidget | None = None,
        *,
        save: Callable[[Template], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit template")
        self.save = save  # stores the new version; a refusal keeps the dialog open
        self.setMinimumWidth(80 * GRID)
        self.template = template
        self.rows = [_Row(s.key, s.title, s.prompt, s.required) for s in template.sections]
        self.name = QLineEdit(template.name, self)
        self.name.setAccessibleName("Template name")
        self.name.setMaxLength(200)
        self.sections = QListWidget(self)
        self.sections.setAccessibleName("Sections")
        self.title = QLineEdit(self)
        self.title.setAccessibleName("Section title")
        self.title.setMaxLength(200)
        self.prompt = QPlainTextEdit(self)
        self.prompt.setAccessibleName("Section prompt")
        self.prompt.setPlaceholderText("Shown in the empty section as a reminder")
        self.prompt.setFixedHeight(8 * GRID)
        self.required = QCheckBox("Required for signing", self)
        self.required.setAccessibleName("Section required for signing")
        self.message = message_label(self)
        self._layout()
        self._fill_list(0)
        self.sections.currentRowChanged.connect(self._show_row)
        self.title.textEdited.connect(self._edited)
        self.prompt.textChanged.connect(self._edited)
        self.required.toggled.connect(self._edited)

    def _layout(self) -> None:
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        form = QFormLayout()
        form.addRow("&Name", self.name)
        layout.addLayout(form)
        layout.addWidget(
            body(
                "Saving makes a new version of this template. Notes already written keep "
                "the version they were written with.",
                parent=self,
            )
        )
        row = hbox()
        row.addWidget(self.sections, 1)
        buttons = vbox(spacing=GRID)
        for text, slot in (
            ("Add section", self.add_section),
            ("Remove", self.remove_section),
            ("Move up", lambda: self.move_section(-1)),
            ("Move down", lambda: self.move_section(1)),
        ):
            button = QPushButton(text, self)
            button.setAccessibleName(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        row.addLayout(buttons)
        layout.addLayout(row)
        details = QFormLayout()
        details.addRow("Section &title", self.title)
        details.addRow("&Prompt", self.prompt)
        details.addRow("", self.required)
        layout.addLayout(details)
        layout.addWidget(self.message)
        box, ok = ok_cancel(self, "Save new version")
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        self.ok = ok
        layout.addWidget(box)

    # --- the section list -------------------------------------------------------------

    def _label(self, row: _Row) -> str:
        return f"{row.title or '(untitled)'}{'  · required' if row.required else ''}"

    def _fill_list(self, current: int) -> None:
        self.sections.blockSignals(True)
        self.sections.clear()
        for row in self.rows:
            self.sections.addItem(self._label(row))
        self.sections.blockSignals(False)
        if self.rows:
            self.sections.setCurrentRow(max(0, min(current, len(self.rows) - 1)))
        self._show_row(self.sections.currentRow())

    def _show_row(self, index: int) -> None:
        row = self.rows[index] if 0 <= index < len(self.rows) else None
        for widget in (self.title, self.prompt, self.required):
            widget.blockSignals(True)
            widget.setEnabled(row is not None)
        self.title.setText(row.title if row else "")
        self.prompt.setPlainText(row.prompt if row else "")
        self.required.setChecked(row.required if row else False)
        for widget in (self.title, self.prompt, self.required):
            widget.blockSignals(False)

    def _edited(self, *_args: object) -> None:
        index = self.sections.currentRow()
        if not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        row.title = self.title.text()
        row.prompt = self.prompt.toPlainText()
        row.required = self.required.isChecked()
        item = self.sections.item(index)
        if item is not None:
            item.setText(self._label(row))

    def add_section(self) -> None:
        self.rows.append(_Row("", "New section", "", False))
        self._fill_list(len(self.rows) - 1)
        self.title.setFocus()
        self.title.selectAll()

    def remove_section(self) -> None:
        index = self.sections.currentRow()
        if 0 <= index < len(self.rows):
            del self.rows[index]
            self._fill_list(index)

    def move_section(self, step: int) -> None:
        index = self.sections.currentRow()
        other = index + step
        if 0 <= index < len(self.rows) and 0 <= other < len(self.rows):
            self.rows[index], self.rows[other] = self.rows[other], self.rows[index]
            self._fill_list(other)

    # --- result -----------------------------------------------------------------------

    def edited(self) -> Template:
        """The template as edited; new sections get a key from their title."""
        taken = {r.key for r in self.rows if r.key}
        sections = []
        for row in self.rows:
            key = row.key or section_key(row.title, taken)
            taken.add(key)
            sections.append(Section(key, row.title, row.prompt, row.required))
        return replace(self.template, name=self.name.text(), sections=tuple(sections))

    def accept(self) -> None:
        if self.save is not None:
            try:
                self.save(self.edited())
            except TherapyNotesError as exc:
                show_inline(self.message, exc)
                return
        super().accept()

    def form_state(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "current": self.sections.currentRow(),
            "rows": [[r.key, r.title, r.prompt, r.required] for r in self.rows],
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        self.name.setText(str(state.get("name", "")))
        self.rows = [_Row(str(k), str(t), str(p), bool(r)) for k, t, p, r in state.get("rows", [])]
        self._fill_list(int(state.get("current", 0)))
