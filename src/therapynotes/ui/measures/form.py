"""The questionnaire a client answers, full screen and distraction-free: the
instrument's instructions, its items with their answer scale, its notice and source, and
nothing else of the record (no name, no chart). The therapist reads the items with the
client or hands over the laptop. It is a dialog of the main window, so an idle lock
closes it and returns to the lock screen; what was answered is kept in the vault
(form_state / restore_state, ui/form_drafts.py) and offered back after unlock."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QWidget,
)

from therapynotes.domain import measures as defs
from therapynotes.ui.widgets import GRID, body, hbox, heading, message_label, vbox

FORM_POINT_SIZE = 14
CHOICE_STYLE = (
    "QPushButton { padding: 4px 8px; }"
    " QPushButton:checked { background-color: palette(highlight);"
    " color: palette(highlighted-text); }"
)


class MeasureForm(QDialog):
    """`submitted` asks the opener to store the answers; it closes the form (accept) only
    once they are stored, and a failure leaves it open with every answer (show_failure)."""

    submitted = Signal()

    def __init__(self, definition: defs.Instrument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.definition = definition
        self.setWindowTitle("Questionnaire")  # never a name: titles show in task switchers
        self.setAccessibleName(f"{definition.id} questionnaire")
        font = QFont(self.font())
        font.setPointSize(FORM_POINT_SIZE)
        self.setFont(font)
        outer = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        page = QWidget(scroll)
        layout = vbox(page, margins=2 * GRID, spacing=2 * GRID)
        layout.addWidget(heading(definition.name, size_delta=6, parent=page))
        layout.addWidget(body(definition.stem, parent=page))
        self.groups: list[QButtonGroup] = []
        layout.addLayout(self._items(page))
        notice = QLabel(f"{definition.notice}\nSource: {definition.source}", page)
        notice.setWordWrap(True)
        small = QFont(font)
        small.setPointSize(max(8, FORM_POINT_SIZE - 5))
        notice.setFont(small)
        notice.setAccessibleName("Notice and source")
        layout.addWidget(notice)
        layout.addStretch(1)
        scroll.setWidget(page)
        outer.addWidget(scroll, 1)
        self.message = message_label(self)
        outer.addWidget(self.message)
        row = hbox()
        self.progress = QLabel(self)
        self.progress.setAccessibleName("Items answered")
        row.addWidget(self.progress, 1)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Save answers", self)
        self.save_button.setAccessibleName("Save answers")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._save)
        row.addWidget(self.cancel_button)
        row.addWidget(self.save_button)
        outer.addLayout(row)
        self._update()

    def _items(self, page: QWidget) -> QGridLayout:
        """One row an item: its words, then one choice per answer on the scale."""
        definition = self.definition
        grid = QGridLayout()
        grid.setHorizontalSpacing(2 * GRID)
        grid.setVerticalSpacing(2 * GRID)
        for row, item in enumerate(definition.items, start=1):
            text = QLabel(f"{row}. {item}", page)
            text.setWordWrap(True)
            text.setMinimumWidth(30 * GRID)
            grid.addWidget(text, row, 0)
            group = QButtonGroup(self)
            group.setExclusive(True)
            for value, option in enumerate(definition.options):
                # A labelled button per answer rather than a small radio dot: the choice
                # made reads at a glance (filled with the highlight colour), light or dark.
                button = QPushButton(f"{option} ({value})", page)
                button.setCheckable(True)
                button.setAutoDefault(False)
                button.setMinimumHeight(5 * GRID)
                button.setStyleSheet(CHOICE_STYLE)
                button.setAccessibleName(f"Item {row}: {option}")
                group.addButton(button, value)
                grid.addWidget(button, row, value + 1, Qt.AlignmentFlag.AlignVCenter)
            group.idClicked.connect(lambda _id: self._update())
            self.groups.append(group)
        grid.setColumnStretch(0, 1)
        return grid

    def open_full_screen(self) -> None:
        self.setWindowState(self.windowState() | Qt.WindowState.WindowFullScreen)
        self.open()

    def answers(self) -> list[int | None]:
        return [g.checkedId() if g.checkedId() >= 0 else None for g in self.groups]

    def set_answers(self, answers: list[int | None]) -> None:
        for group, value in zip(self.groups, answers, strict=False):
            button = group.button(value) if isinstance(value, int) else None
            if button is not None:
                button.setChecked(True)
        self._update()

    def _update(self) -> None:
        done = sum(a is not None for a in self.answers())
        total = len(self.groups)
        self.progress.setText(f"{done} of {total} answered")
        self.save_button.setEnabled(done == total)
        if done == total:
            self.message.clear()

    def _save(self) -> None:
        missing = [n for n, a in enumerate(self.answers(), start=1) if a is None]
        if missing:  # the button is off until all are answered; a shortcut can't skip it
            self.message.setText(f"Item {missing[0]} has no answer yet.")
            return
        self.save_button.setEnabled(False)
        self.message.setText("Saving…")
        self.submitted.emit()

    def show_failure(self, text: str) -> None:
        """The answers could not be stored: say so, keep them, let the therapist retry."""
        self.message.setText(text)
        self._update()
        self.message.setText(text)

    # --- kept through a lock (ui/form_drafts.py) --------------------------------------

    def form_state(self) -> dict[str, Any]:
        return {"instrument": self.definition.id, "answers": self.answers()}

    def restore_state(self, state: dict[str, Any]) -> None:
        answers = state.get("answers")
        if state.get("instrument") == self.definition.id and isinstance(answers, list):
            self.set_answers([a if type(a) is int else None for a in answers])
