"""What the record-keeping dialogs share: vault work on the database worker under the
session's db_lock (as ui/records_access.py does for the chart), and a table that shows
rows of words."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from therapynotes.services.session import VaultSession
from therapynotes.ui.ops import Op
from therapynotes.ui.widgets import GRID

T = TypeVar("T")


def db_op(parent: QObject, session: VaultSession, fn: Callable[[], T]) -> Op[T]:
    """`fn` on the one database worker, holding the session's db_lock; then
    `.success(...).run(database=True)`."""

    def run() -> T:
        with session.db_lock:
            return fn()

    return Op(parent, run)


def word_table(parent: QWidget, headers: Sequence[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    table.setMinimumSize(80 * GRID, 30 * GRID)
    return table


def fill(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    table.setRowCount(len(rows))
    for i, cells in enumerate(rows):
        for column, text in enumerate(cells):
            table.setItem(i, column, QTableWidgetItem(text))


def selected_row(table: QTableWidget) -> int | None:
    rows = table.selectionModel().selectedRows()
    return rows[0].row() if rows else None
