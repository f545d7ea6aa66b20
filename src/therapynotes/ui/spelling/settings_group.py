"""The "Spelling" part of Settings: check as I type, the language (the dictionaries
installed on this computer), and the personal dictionary (the words added with "Add to
dictionary", kept in the vault), where a word can be removed, e.g. a former client's
name. *Check spelling* and the language are saved with the page's *Save changes*
(ui/settings_apply.py) and then apply to open notes; removing a word is an action done
at once, as its button says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QListWidget,
    QPushButton,
    QWidget,
)

from therapynotes.errors import TherapyNotesError
from therapynotes.services.session import VaultSession
from therapynotes.services.spelling import SpellingService, languages
from therapynotes.ui.errors import show_inline
from therapynotes.ui.settings_apply import SettingsSection
from therapynotes.ui.spelling.access import edits
from therapynotes.ui.spelling.menu import language_name
from therapynotes.ui.widgets import GRID, hbox, vbox


class SpellingSettingsGroup(SettingsSection):
    key = "spelling"

    def __init__(self, session: VaultSession, parent: QWidget | None = None) -> None:
        super().__init__("Spelling", parent)
        self.session = session
        self.service = SpellingService(session)
        self.enabled = QCheckBox("Check spelling as I type", self)
        self.enabled.setAccessibleName("Check spelling as I type")
        self.language = QComboBox(self)
        self.language.setAccessibleName("Spelling language")
        self.language.setMaximumWidth(40 * GRID)
        self.words = QListWidget(self)
        self.words.setAccessibleName("Personal dictionary")
        self.words.setMinimumHeight(12 * GRID)
        self.remove = QPushButton("Remove word", self)
        self.remove.setAccessibleName("Remove word from your dictionary")
        form = QFormLayout()
        form.addRow("", self.enabled)
        form.addRow("&Language", self.language)
        form.addRow("&Your dictionary", self.words)
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        layout.addLayout(form)
        row = hbox()
        row.addStretch(1)
        row.addWidget(self.remove)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.load()
        self.watch(self.enabled, self.language)
        self.remove.clicked.connect(self.remove_word)

    def load(self) -> None:
        with self.session.db_lock:
            current, on, words = (
                self.service.language(),
                self.service.enabled(),
                self.service.words(),
            )
        for widget in (self.enabled, self.language):
            widget.blockSignals(True)
        self.enabled.setChecked(on)
        self.language.clear()
        installed = languages()
        for code in sorted({*installed, current}):
            missing = "" if code in installed else " (not installed)"
            self.language.addItem(language_name(code) + missing, code)
        self.language.setCurrentIndex(max(0, self.language.findData(current)))
        for widget in (self.enabled, self.language):
            widget.blockSignals(False)
        self._show_words(words)

    def _show_words(self, words: list[str]) -> None:
        self.words.clear()
        self.words.addItems(words)
        self.remove.setEnabled(bool(words))

    def _apply(self, change: Callable[[], object]) -> None:
        try:
            with self.session.db_lock:
                change()
        except TherapyNotesError as exc:
            show_inline(self.message, exc)
            return
        show_inline(self.message, None)
        with self.session.db_lock:  # the word list only: unsaved choices above stay
            self._show_words(self.service.words())
        edits().saved.emit()

    # --- SettingsSection -------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled.isChecked(),
            "language": str(self.language.currentData() or "en_US"),
        }

    def set_values(self, values: dict[str, Any]) -> None:
        self.enabled.setChecked(bool(values.get("enabled", self.enabled.isChecked())))
        found = self.language.findData(str(values.get("language", "")))
        if found >= 0:
            self.language.setCurrentIndex(found)

    def work(self) -> Callable[[], object]:
        language, on = self.values()["language"], self.enabled.isChecked()
        session, service = self.session, self.service

        def save() -> None:
            with session.db_lock:
                service.set_preferences(language=language, enabled=on)

        return save

    def after_saved(self) -> None:
        edits().saved.emit()  # open notes take the new choice

    def remove_word(self) -> None:
        item = self.words.currentItem()
        if item is not None:
            word = item.text()
            self._apply(lambda: self.service.remove_word(word))
