"""A read-only QAbstractTableModel over a row cache, with a column Enum.

Screens subclass it with their column Enum (member value = header text) and a
`display(row, column)`; models hold ids and a row cache fetched through the service,
never a cursor. `clear()` drops the cache (a lock clears models before deleting them).
"""

from __future__ import annotations

from enum import Enum
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QWidget,
)

from therapynotes.ui.clipboard import conceal_copies

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


class RowTableModel(QAbstractTableModel, Generic[R]):
    columns: ClassVar[type[Enum]]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[R] = []

    def set_rows(self, rows: list[R]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def column(self, index: int) -> Enum:
        return list(self.columns)[index]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(self.columns)

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.columns)
        ):
            return self.column(section).value
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.display(row, self.column(index.column()))
        if role == ROW_ROLE:
            return index.row()
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.display(row, self.column(index.column()))
        return None

    def display(self, row: R, column: Any) -> str:
        raise NotImplementedError

    def row_at(self, index: Index) -> R | None:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        return self.rows[index.row()]


def table_view(
    model: QAbstractItemModel, name: str, parent: Any = None, *, stretch: int = -1
) -> QTableView:
    """A QTableView the way every list here looks: whole rows, no grid, one column (the
    last unless `stretch` names one) taking the room left, sortable only where a proxy
    sorts. Columns are never squeezed below their text (fit_columns): the stretching
    column fills the room but keeps its fitted width, and a table narrower than its
    columns scrolls sideways instead of cutting "Signed" to "Signe…"."""
    view = QTableView(parent)
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setShowGrid(False)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setHighlightSections(False)
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setResizeContentsPrecision(40)  # measure the first rows, not 300 notes
    view.setProperty(STRETCH, stretch if stretch >= 0 else model.columnCount() - 1)
    _StretchFill(view)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    view.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    )
    view.setCornerButtonEnabled(False)
    for child in view.findChildren(QAbstractButton):
        child.setAccessibleName("Select all rows")
    conceal_copies(view)  # Ctrl+C copies the current cell: record text
    return view


FIT_SAMPLE_ROWS = 30
STRETCH = "stretch_column"  # view property: the column that takes the room left
FITTED = "stretch_fitted"  # view property: that column's fitted width
PADDING = 16  # a cell's margins around its text (Fusion needs 6 px; room to spare)


class _StretchFill(QObject):
    """Keeps the stretching column at max(its fitted width, the room the others leave)
    as the table is resized or a column is dragged wider or narrower."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self.view = view
        self._busy = False
        view.viewport().installEventFilter(self)
        view.horizontalHeader().sectionResized.connect(self._resized)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        del watched  # only the viewport is watched
        if event.type() == QEvent.Type.Resize:
            fill(self.view)
        return False

    def _resized(self, column: int, _old: int, _new: int) -> None:
        if column != self.view.property(STRETCH) and not self._busy:
            self._busy = True
            try:
                fill(self.view)
            finally:
                self._busy = False


def fill(view: QTableView) -> None:
    """Give the stretching column the room the other columns leave (never less than its
    fitted width)."""
    column = view.property(STRETCH)
    header = view.horizontalHeader()
    if not isinstance(column, int) or not 0 <= column < header.count():
        return
    others = sum(
        header.sectionSize(c)
        for c in range(header.count())
        if c != column and not header.isSectionHidden(c)
    )
    fitted = view.property(FITTED)
    least = fitted if isinstance(fitted, int) else header.defaultSectionSize()
    header.resizeSection(column, max(least, view.viewport().width() - others))


def fit_columns(view: QTableView) -> None:
    """Size the columns to the header and the first rows' text (font metrics only, so a
    300-row chart costs the same as a 3-row one), leaving the stretching column."""
    header = view.horizontalHeader()
    model = view.model()
    metrics = view.fontMetrics()
    header_metrics = header.fontMetrics()
    rows = min(model.rowCount(), FIT_SAMPLE_ROWS)
    stretch = view.property(STRETCH)
    for column in range(header.count()):
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        width = header_metrics.horizontalAdvance(title) + PADDING
        for row in range(rows):
            text = str(model.index(row, column).data() or "")
            width = max(width, metrics.horizontalAdvance(text) + PADDING)
        width = min(width, 60 * 8)
        if column == stretch:
            view.setProperty(FITTED, width)
        else:
            header.resizeSection(column, width)
    fill(view)


class TableOrEmpty(QStackedWidget):
    """A table that shows a sentence saying what to do next while it has no rows."""

    def __init__(self, table: QTableView, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = table
        self.empty = QLabel(text, self)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty.setMargin(3 * 8)
        self.addWidget(table)
        self.addWidget(self.empty)
        model = table.model()
        model.modelReset.connect(self.sync)
        model.rowsInserted.connect(self.sync)
        model.rowsRemoved.connect(self.sync)
        self.sync()

    def sync(self) -> None:
        has_rows = self.table.model().rowCount() > 0
        self.setCurrentWidget(self.table if has_rows else self.empty)
