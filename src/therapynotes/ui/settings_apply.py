"""One way to apply changes in Settings (issue 16).

Every section holding values (Locking, Clinician profile, Practice and billing, Records,
Backups, Spelling, Schedule) is a `SettingsSection`: typing or picking changes nothing
yet. The bar pinned under the page says which sections have unsaved changes and offers
*Discard changes* and *Save changes* (Ctrl+S), which checks every changed section first:
a value that is not right gets its message right under its field, the page scrolls to
it, and nothing is saved until all are right. Then each changed section is saved on the
database worker and the bar says "Saved." Leaving the page with unsaved changes asks
(Save, Discard, or stay); a lock (Ctrl+L, idle, minimise) keeps them in the vault
(ui/form_drafts.py) and the page comes back with them after unlock. This is the model of
a preferences window with an Apply button, chosen over "every field applies at once"
because several sections are records that only make sense whole (a signature's name,
credentials and licence; a practice's billing details) and a half-typed NPI or licence
must not be signed with. Buttons ending in "…" (Change passphrase…, Templates, Snippets,
a dictionary word's removal, This computer's checks) are actions, not values: each
opens its own window or acts at once, as their words say.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QWidget,
)

from therapynotes.errors import TherapyNotesError
from therapynotes.ui.ops import Op
from therapynotes.ui.pages import WINDOW_VIEWS
from therapynotes.ui.widgets import GRID, hbox, message_label, vbox

Problem = tuple[QWidget, str]  # the field and what is wrong with it


class SettingsSection(QGroupBox):
    """A section of values saved through the page's Save bar. Subclasses give
    `values()`/`set_values()` (JSON, as shown), `problems()` (checked before anything is
    saved), `work()` (run on the database worker) and may override `after_saved()`."""

    edited = Signal()
    key = ""  # the section's name in a kept draft

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setAccessibleName(title)
        self.notes: dict[QWidget, QLabel] = {}
        self.baseline: dict[str, Any] = {}
        self.message = message_label(self)  # what the whole section's save said

    # --- layout ----------------------------------------------------------------------

    def field(self, form: QFormLayout, label: str, widget: QWidget) -> None:
        """A row whose message, when there is one, shows right under the field."""
        box = QWidget(self)
        layout = vbox(box, spacing=GRID // 2)
        layout.addWidget(widget)
        note = message_label(box)
        note.setObjectName("FieldMessage")
        note.setAccessibleName(f"{widget.accessibleName()}: message")
        layout.addWidget(note)
        box.setFocusProxy(widget)
        self.notes[widget] = note
        form.addRow(label, box)

    def lay_out(self, form: QFormLayout, *below: QWidget) -> None:
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        layout.addLayout(form)
        for widget in below:
            layout.addWidget(widget)
        layout.addWidget(self.message)

    def watch(self, *widgets: QWidget) -> None:
        for widget in widgets:
            if isinstance(widget, QLineEdit):
                widget.textChanged.connect(self._on_edit)
            elif isinstance(widget, QPlainTextEdit):
                widget.textChanged.connect(self._on_edit)
            elif isinstance(widget, QSpinBox):
                widget.valueChanged.connect(self._on_edit)
            elif isinstance(widget, QCheckBox):
                widget.toggled.connect(self._on_edit)
            elif isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(self._on_edit)

    def _on_edit(self, *_args: object) -> None:
        self.clear_notes()
        self.edited.emit()

    # --- messages --------------------------------------------------------------------

    def show_problem(self, widget: QWidget, text: str) -> None:
        note = self.notes.get(widget)
        if note is None:
            self.message.setText(text)
            self.message.setVisible(True)
            return
        note.setText(text)
        # A wrapped label in a form's field column got the height of one line and
        # clipped the rest: give it the width of its field and the height that needs.
        width = max(widget.width(), widget.minimumWidth(), 40 * GRID)
        note.setFixedWidth(width)
        note.setMinimumHeight(note.heightForWidth(width))
        note.setVisible(True)
        widget.setAccessibleDescription(text)

    def clear_notes(self) -> None:
        for widget, note in self.notes.items():
            if note.isVisibleTo(self):
                note.clear()
                note.setVisible(False)
                widget.setAccessibleDescription("")
        self.message.clear()
        self.message.setVisible(False)

    # --- to give ---------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def set_values(self, values: dict[str, Any]) -> None:
        raise NotImplementedError

    def problems(self) -> list[Problem]:
        return []

    def work(self) -> Callable[[], object]:
        raise NotImplementedError

    def after_saved(self) -> None:
        """On the UI thread once the work is done (apply what the window uses)."""

    # --- given -----------------------------------------------------------------------

    def loaded(self) -> None:
        """What is on screen now is what is saved."""
        self.baseline = self.values()

    def dirty(self) -> bool:
        return self.values() != self.baseline

    def revert(self) -> None:
        self.set_values(self.baseline)
        self.clear_notes()


class SaveBar(QWidget):
    """Under the page: what is unsaved, Discard changes, Save changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SettingsSaveBar")
        self.status = QLabel(self)
        self.status.setAccessibleName("Settings status")
        self.status.setWordWrap(True)
        self.discard = QPushButton("Discard changes", self)
        self.discard.setAccessibleName("Discard changes")
        self.save = QPushButton("Save changes", self)
        self.save.setAccessibleName("Save changes")
        self.save.setDefault(True)
        line = QFrame(self)  # the bar is not part of the last section
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        outer = vbox(self, spacing=0)
        outer.addWidget(line)
        row = hbox(margins=GRID)
        outer.addLayout(row)
        row.addWidget(self.status, 1)
        row.addWidget(self.discard)
        row.addWidget(self.save)


class SettingsForms:
    """The sections of one page and their bar: dirty state, saving, discarding."""

    def __init__(
        self,
        page: QWidget,
        scroll: QScrollArea,
        bar: SaveBar,
        sections: list[SettingsSection],
        *,
        on_clean: Callable[[], None] = lambda: None,
    ) -> None:
        self.page, self.scroll, self.bar, self.sections = page, scroll, bar, sections
        self.on_clean = on_clean  # unsaved changes gone (saved or discarded)
        self.saving = False
        self.last = ""  # what the last save said, shown until the next edit
        for section in sections:
            section.loaded()
            section.edited.connect(self._edited)
        bar.save.clicked.connect(self.save_now)
        bar.discard.clicked.connect(self.discard)
        shortcut = QShortcut(QKeySequence.StandardKey.Save, page)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.save_now)
        self.update()

    def dirty(self) -> list[SettingsSection]:
        return [s for s in self.sections if s.dirty()]

    def _edited(self) -> None:
        self.last = ""
        self.update()

    def update(self) -> None:
        dirty = self.dirty()
        busy = self.saving
        self.bar.save.setEnabled(bool(dirty) and not busy)
        self.bar.discard.setEnabled(bool(dirty) and not busy)
        if busy:
            text = "Saving…"
        elif self.last:
            text = self.last
        elif dirty:
            text = "Unsaved changes in " + ", ".join(s.title() for s in dirty) + "."
        else:
            text = "All changes are saved."
        self.bar.status.setText(text)

    def problems(self) -> list[tuple[SettingsSection, QWidget, str]]:
        found: list[tuple[SettingsSection, QWidget, str]] = []
        for section in self.dirty():
            section.clear_notes()
            found.extend((section, w, text) for w, text in section.problems())
        return found

    def save_now(self, *_args: object) -> None:
        self.save()

    def save(self, then: Callable[[], None] | None = None) -> bool:
        """Check every changed section, then save them all; False when something needs
        fixing first (its message is under its field, the page scrolled to it)."""
        if self.saving:
            return False
        dirty = self.dirty()
        if not dirty:
            return True
        found = self.problems()
        if found:
            for section, widget, text in found:
                section.show_problem(widget, text)
            first = found[0][1]
            self.scroll.ensureWidgetVisible(first, 2 * GRID, 4 * GRID)
            first.setFocus()
            self.last = "Some changes need fixing (marked above); nothing was saved yet."
            self.update()
            return False
        jobs = [(s, s.work()) for s in dirty]

        def run() -> list[TherapyNotesError | Exception | None]:
            results: list[TherapyNotesError | Exception | None] = []
            for _section, job in jobs:
                try:
                    job()
                    results.append(None)
                except Exception as exc:  # noqa: BLE001 - shown by the section
                    results.append(exc)
            return results

        self.saving = True
        self.update()
        Op(self.page, run).success(lambda r: self._saved(jobs, r, then)).failure(self._failed).run(
            database=True
        )
        return True

    def _saved(
        self,
        jobs: list[tuple[SettingsSection, Callable[[], object]]],
        results: list[TherapyNotesError | Exception | None],
        then: Callable[[], None] | None,
    ) -> None:
        self.saving = False
        failed = False
        for (section, _job), error in zip(jobs, results, strict=True):
            if error is None:
                section.loaded()
                section.after_saved()
            else:
                failed = True
                message = getattr(error, "message", "") or "That could not be saved."
                section.show_problem(section, message)
        self.last = "Some changes could not be saved (see above)." if failed else "Saved."
        self.update()
        if not failed:
            self.on_clean()
            if then is not None:
                then()

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        self.last = getattr(exc, "message", "") or "Your changes could not be saved."
        self.update()

    def discard(self) -> None:
        for section in self.dirty():
            section.revert()
        self.last = ""
        self.update()
        self.on_clean()

    # --- kept at a lock (ui/form_drafts.py) ------------------------------------------

    def form_state(self) -> dict[str, Any]:
        return {s.key: s.values() for s in self.dirty()}

    def restore_state(self, state: dict[str, Any]) -> None:
        for section in self.sections:
            values = state.get(section.key)
            if isinstance(values, dict):
                section.set_values(values)
        self.last = ""
        self.update()


def may_leave_settings(window: Any, view_id: str) -> bool:
    """The main window is about to show `view_id`: from Settings with unsaved changes it
    asks first (Save, Discard or Keep editing) and the sidebar stays on Settings until
    answered; the answer then shows `view_id` itself."""
    panel = window.pages.get("settings")
    if view_id == "settings" or panel is None or window.content.currentWidget() is not panel:
        return True
    if panel.may_leave(lambda: window.show_view(view_id)):
        return True
    window.sidebar.blockSignals(True)
    window.sidebar.setCurrentRow(WINDOW_VIEWS.index("settings"))
    window.sidebar.blockSignals(False)
    return False
