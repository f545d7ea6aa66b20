"""The "Templates" part of Settings: every template (built-in and the therapist's own,
disabled ones marked), Duplicate, Edit (own ones), Disable / Enable, Export and Import a
template file. Reads and writes take the session's db_lock, like the other Settings
groups."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtWidgets import QFileDialog, QGroupBox, QListWidget, QPushButton, QWidget

from therapynotes.atomic import write_private_file
from therapynotes.domain.templates import Template, base_id
from therapynotes.errors import StorageError, TherapyNotesError
from therapynotes.services.session import VaultSession
from therapynotes.services.templates import TemplateEntry, TemplateService
from therapynotes.ui.errors import show_inline
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.templates.editor import TemplateEditorDialog
from therapynotes.ui.widgets import GRID, body, hbox, message_label, vbox

FILE_FILTER = "Template files (*.json)"
T = TypeVar("T")


class TemplateSettingsGroup(QGroupBox):
    def __init__(self, session: VaultSession, parent: QWidget | None = None) -> None:
        super().__init__("Templates", parent)
        self.session = session
        self.service = TemplateService(session)
        self.entries: list[TemplateEntry] = []
        self.list = QListWidget(self)
        self.list.setAccessibleName("Templates")
        self.list.setMinimumHeight(24 * GRID)
        self.message = message_label(self)
        self.editor: TemplateEditorDialog | None = None
        self.buttons: dict[str, QPushButton] = {}
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        layout.addWidget(
            body(
                "Duplicate a built-in template to make your own, then edit it. Disabled "
                "templates are not offered for new notes; notes already written keep theirs.",
                parent=self,
            )
        )
        row = hbox()
        row.addWidget(self.list, 1)
        column = vbox(spacing=GRID)
        for text, slot in (
            ("Duplicate", self.duplicate),
            ("Edit…", self.edit),
            ("Disable", self.toggle_disabled),
            ("Export…", self.export),
            ("Import…", self.import_file),
        ):
            button = QPushButton(text, self)
            button.setAccessibleName(text.rstrip("…") + " template")
            button.clicked.connect(slot)
            column.addWidget(button)
            self.buttons[text] = button
        column.addStretch(1)
        row.addLayout(column)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.list.currentRowChanged.connect(self._selected)
        self.load()

    def _call(self, fn: Callable[[], T]) -> T | None:
        """A short vault call; a refusal is shown under the list."""
        try:
            with self.session.db_lock:
                result = fn()
        except TherapyNotesError as exc:
            show_inline(self.message, exc)
            return None
        show_inline(self.message, None)
        return result

    def load(self, select: str | None = None) -> None:
        entries = self._call(self.service.entries)
        if entries is None:
            return
        keep = select or (self.current.template.id if self.current else None)
        self.entries = entries
        self.list.clear()
        for entry in entries:
            kind = "built-in" if entry.builtin else "your own"
            state = ", disabled" if entry.disabled else ""
            self.list.addItem(f"{entry.template.name}  ({kind}{state})")
        bases = [e.base_id for e in entries]  # a saved template is at its next version
        keep_base = base_id(keep) if keep else None
        self.list.setCurrentRow(bases.index(keep_base) if keep_base in bases else 0)

    @property
    def current(self) -> TemplateEntry | None:
        index = self.list.currentRow()
        return self.entries[index] if 0 <= index < len(self.entries) else None

    def _selected(self, _index: int) -> None:
        entry = self.current
        self.buttons["Edit…"].setEnabled(entry is not None and not entry.builtin)
        self.buttons["Disable"].setText("Enable" if entry and entry.disabled else "Disable")

    def duplicate(self) -> str | None:
        entry = self.current
        if entry is None:
            return None
        ref = self._call(lambda: self.service.duplicate(entry.template.id))
        if ref is not None:
            self.load(select=ref)
        return ref

    def edit(self) -> TemplateEditorDialog | None:
        entry = self.current
        if entry is None or entry.builtin:
            return None
        return self.open_editor(entry.template)

    def open_editor(self, template: Template) -> TemplateEditorDialog:
        ref = template.id
        dialog = TemplateEditorDialog(template, self, save=lambda t: self._save(ref, t))
        number, _, version = ref.removeprefix("own-").partition("@")
        tag(dialog, "template.edit", None, template=int(number), version=int(version))
        dialog.accepted.connect(self.load)
        self.editor = dialog
        dialog.open()
        return dialog

    def _save(self, ref: str, template: Template) -> str:
        with self.session.db_lock:
            return self.service.save(ref, template)

    def toggle_disabled(self) -> None:
        entry = self.current
        if entry is not None:
            ref = entry.template.id
            self._call(lambda: self.service.set_disabled(ref, disabled=not entry.disabled))
            self.load(select=ref)

    def export(self, target: Path | None = None) -> None:
        entry = self.current
        if entry is None:
            return
        if target is None:
            name, _ = QFileDialog.getSaveFileName(self, "Export template", "", FILE_FILTER)
            if not name:
                return
            target = Path(name)
        data = self._call(lambda: self.service.export_bytes(entry.template.id))
        if data is not None:
            try:
                write_private_file(target, data)
            except StorageError as exc:
                self.message.setText(str(exc))
                self.message.setVisible(True)

    def import_file(self, source: Path | None = None) -> str | None:
        if source is None:
            name, _ = QFileDialog.getOpenFileName(self, "Import template", "", FILE_FILTER)
            if not name:
                return None
            source = Path(name)
        path = source
        ref = self._call(lambda: self.service.import_file(path))
        if ref is not None:
            self.load(select=ref)
        return ref
