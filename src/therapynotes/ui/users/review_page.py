"""A supervisor's "To review" page (issue 17): the signed notes not yet co-signed, oldest
first (services/review.py `to_review`: ids, the client's display name, date and kind,
never note text). Arrow keys move through the list; Enter (or a double-click) opens the
note in its chart, where the review panel co-signs it."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QWidget

from therapynotes.domain.formatting import plural
from therapynotes.domain.review import ReviewItem
from therapynotes.services import review
from therapynotes.ui.errors import show_inline
from therapynotes.ui.records_access import KIND_WORDS, RecordsAccess, day
from therapynotes.ui.table_model import RowTableModel, TableOrEmpty, fit_columns, table_view
from therapynotes.ui.widgets import GRID, body, hbox, heading, message_label, vbox


class ReviewColumn(Enum):
    DATE = "Date"
    CLIENT = "Client"
    KIND = "Kind"


class ReviewModel(RowTableModel[ReviewItem]):
    columns = ReviewColumn

    def display(self, row: ReviewItem, column: ReviewColumn) -> str:
        if column is ReviewColumn.DATE:
            return day(row.service_date)
        if column is ReviewColumn.CLIENT:
            return row.client_name
        return KIND_WORDS[row.kind]


class ReviewPage(QWidget):
    view_id = "review"
    note_chosen = Signal(int, int)  # client id, note id

    def __init__(self, records: RecordsAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records = records
        self.setObjectName("Page_review")
        self.setAccessibleName("To review")
        self.model = ReviewModel(self)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(heading("To review"))
        self.summary = body(
            "Signed notes you have not co-signed yet, oldest first. Open one with Enter.",
            parent=self,
        )
        self.summary.setAccessibleName("Review summary")
        layout.addWidget(self.summary)
        self.table = table_view(self.model, "Notes to review", self, stretch=1)
        self.table.activated.connect(lambda _index: self.open_selected())
        layout.addWidget(
            TableOrEmpty(self.table, "Nothing to review: every signed note is co-signed.", self),
            1,
        )
        row = hbox()
        self.open_button = QPushButton("Open note", self)
        self.open_button.setAccessibleName("Open note")
        self.open_button.clicked.connect(self.open_selected)
        row.addWidget(self.open_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = message_label(self)
        layout.addWidget(self.message)
        self.setFocusProxy(self.table)

    def refresh(self) -> None:
        session = self.records.service.session
        self.records.op(self, lambda _s: review.to_review(session)).success(self._show).failure(
            lambda exc: show_inline(self.message, exc)
        ).run(database=True)

    def _show(self, items: list[ReviewItem]) -> None:
        self.model.set_rows(items)
        fit_columns(self.table)  # "Intake assessment" whole, the client's name the rest
        waiting = plural(len(items), "signed note")
        self.summary.setText(
            f"{waiting} to co-sign, oldest first. Arrow keys move, Enter opens the note."
            if items
            else "Nothing waiting: every signed note has your co-signature."
        )
        self.open_button.setEnabled(bool(items))
        if items and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def selected(self) -> ReviewItem | None:
        index = self.table.currentIndex()
        if not index.isValid() or not 0 <= index.row() < len(self.model.rows):
            return None
        return self.model.rows[index.row()]

    def open_selected(self) -> None:
        item = self.selected()
        if item is not None:
            self.note_chosen.emit(int(item.client_id), int(item.note_id))

    def clear(self) -> None:
        self.model.clear()
