"""The client list: a table of clients (name, status, last session, notes due) with an
active / discharged / all filter and search as you type, an "Add client" button and an
empty state. Rows come from `RecordsService.list_clients`; the model holds summaries.

The highlight and the open chart never disagree: moving the highlight (arrow keys, Page
Up/Down, typing a name in the list) opens that client's chart once it settles
(`FOLLOW_MS`); highlight changes the list makes itself (showing the open client again,
a filter hiding rows) open nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QStackedWidget, QWidget

from therapynotes.domain.enums import ClientStatus
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import ClientSummary
from therapynotes.ui.client_dialog import STATUS_WORDS, ClientDialog
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.icons import icon
from therapynotes.ui.records_access import RecordsAccess, day
from therapynotes.ui.table_model import RowTableModel, fit_columns, table_view
from therapynotes.ui.widgets import GRID, hbox, vbox

EMPTY_TEXT = "No clients yet. Add your first client."
MAX_COMPACT = 48 * GRID
FOLLOW_MS = 200  # arrowing past a client opens (and audits) no chart for it


class ClientColumn(Enum):
    NAME = "Name"
    STATUS = "Status"
    LAST_SESSION = "Last session"
    NOTES_DUE = "Notes due"


def _reads_notes(records: RecordsAccess) -> bool:
    from therapynotes.ui.users.chart_roles import access_of  # noqa: PLC0415

    return access_of(records).clinical


class ClientListModel(RowTableModel[ClientSummary]):
    columns = ClientColumn

    def display(self, row: ClientSummary, column: ClientColumn) -> str:
        if column is ClientColumn.NAME:
            return row.display_name
        if column is ClientColumn.STATUS:
            return STATUS_WORDS[row.status]
        if column is ClientColumn.LAST_SESSION:
            return day(row.last_session) or "None yet"
        return str(row.notes_due) if row.notes_due else ""

    def index_of(self, client_id: ClientId) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == client_id), -1)


class ClientFilterModel(QSortFilterProxyModel):
    """Status filter plus the search text (case-insensitive, on the name)."""

    FILTERS = ("Active", "Discharged", "All")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status_filter = "Active"
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(list(ClientColumn).index(ClientColumn.NAME))

    def set_status_filter(self, word: str) -> None:
        self.status_filter = word
        self.invalidateFilter()

    def filterAcceptsRow(  # noqa: N802 - Qt API
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        if isinstance(model, ClientListModel) and 0 <= source_row < len(model.rows):
            status = model.rows[source_row].status
            if self.status_filter == "Active" and status is not ClientStatus.ACTIVE:
                return False
            if self.status_filter == "Discharged" and status is not ClientStatus.DISCHARGED:
                return False
        return super().filterAcceptsRow(source_row, source_parent)


class ClientListView(QWidget):
    client_chosen = Signal(int)
    rows_shown = Signal()  # a refresh arrived

    def __init__(self, records: RecordsAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records = records
        self.current: ClientId | None = None
        self._generation = 0
        self._quiet = 0  # > 0 while the list moves the highlight itself
        self.follow = QTimer(self)
        self.follow.setSingleShot(True)
        self.follow.setInterval(FOLLOW_MS)
        self.follow.timeout.connect(self._follow_highlight)
        self.setAccessibleName("Client list")
        self.model = ClientListModel(self)
        self.proxy = ClientFilterModel(self)
        self.proxy.setSourceModel(self.model)
        layout = vbox(self, spacing=GRID)
        top = hbox()
        self.filter = QComboBox(self)
        self.filter.setAccessibleName("Show clients")
        self.filter.addItems(ClientFilterModel.FILTERS)
        self.filter.currentTextChanged.connect(
            lambda word: self._refilter(lambda: self.proxy.set_status_filter(word))
        )
        self.add_button = QPushButton(icon("clients"), "Add client…", self)
        self.add_button.setAccessibleName("Add client")
        self.add_button.clicked.connect(self.add_client)
        top.addWidget(self.filter, 1)
        top.addWidget(self.add_button)
        layout.addLayout(top)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Find a client")
        self.search.setAccessibleName("Find a client")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.textChanged.connect(
            lambda text: self._refilter(lambda: self.proxy.setFilterFixedString(text))
        )
        layout.addWidget(self.search)
        self.stack = QStackedWidget(self)
        self.table = table_view(self.proxy, "Clients", self, stretch=0)
        from therapynotes.ui.users.chart_roles import access_of, fit_client_list  # noqa: PLC0415

        fit_client_list(self.add_button, access_of(records))
        if not _reads_notes(records):
            # Notes due are counted from the clinical record (issue 17: an assistant's)
            self.table.setColumnHidden(list(ClientColumn).index(ClientColumn.NOTES_DUE), True)
        self.table.setSortingEnabled(False)
        self.table.activated.connect(self._activated)
        self.table.clicked.connect(self._activated)
        self.table.selectionModel().currentRowChanged.connect(self._highlight_moved)
        self.empty = QLabel(EMPTY_TEXT, self)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty.setMargin(3 * GRID)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.refresh()

    def compact_width(self) -> int:
        """The width beside a chart at which every name shows whole (two "Alex"es must
        not both end in "Alexand…"), within MAX_COMPACT."""
        metrics = self.table.fontMetrics()
        names = [metrics.horizontalAdvance(r.display_name) for r in self.model.rows]
        due = self.table.horizontalHeader().sectionSize(
            list(ClientColumn).index(ClientColumn.NOTES_DUE)
        )
        frame = 2 * self.table.frameWidth() + self.table.verticalScrollBar().sizeHint().width()
        return min(max(names, default=0) + 3 * GRID + due + frame, MAX_COMPACT)

    def set_compact(self, compact: bool) -> None:
        """Beside an open chart only the name and notes due show (three panes)."""
        for column in (ClientColumn.STATUS, ClientColumn.LAST_SESSION):
            self.table.setColumnHidden(list(ClientColumn).index(column), compact)

    def refresh(self) -> None:
        """The list comes from the database worker (after every chart change too); the
        last one shows until it arrives, and a newer refresh wins over an older one."""
        self._generation += 1
        generation = self._generation
        self.records.op(self, lambda s: s.list_clients(include_all=True)).success(
            lambda rows: self._show(generation, rows)
        ).run(database=True)

    def _show(self, generation: int, rows: list[ClientSummary]) -> None:
        if generation != self._generation:
            return  # an older answer: a newer refresh is on its way
        # A highlight the therapist just moved (its chart not open yet) stays where it is.
        settling = self._highlighted() if self.follow.isActive() else None
        with self._quietly():
            self.model.set_rows(rows)
        self.stack.setCurrentWidget(self.table if rows else self.empty)
        fit_columns(self.table)
        if settling is not None:
            self._highlight(settling)
            self.follow.start()
        elif self.current is not None:
            self.select(self.current)
        self.rows_shown.emit()

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def select(self, client_id: ClientId | None) -> None:
        """Highlight the open client's row (or nothing: no chart, or its row is hidden
        by the filter); never another client's."""
        self.current = client_id
        self.follow.stop()
        self._highlight(client_id)

    def _highlight(self, client_id: ClientId | None) -> None:
        with self._quietly():
            row = -1 if client_id is None else self.model.index_of(client_id)
            proxy_index = (
                self.proxy.mapFromSource(self.model.index(row, 0)) if row >= 0 else QModelIndex()
            )
            if proxy_index.isValid():
                self.table.setCurrentIndex(proxy_index)
                self.table.selectRow(proxy_index.row())
            else:
                self.table.selectionModel().clear()

    def _refilter(self, apply: Callable[[], None]) -> None:
        """A filter may hide the highlighted row; Qt would then highlight a neighbour.
        Show the open client's row again instead (or none), opening nothing."""
        with self._quietly():
            apply()
        self.select(self.current)

    def _highlight_moved(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._quiet and current.isValid():
            self.follow.start()

    def _highlighted(self) -> ClientId | None:
        row = self.model.row_at(self.proxy.mapToSource(self.table.currentIndex()))
        return None if row is None else row.id

    def _follow_highlight(self) -> None:
        client_id = self._highlighted()
        if client_id is not None and client_id != self.current:
            self.client_chosen.emit(int(client_id))

    def settle(self) -> None:
        """Open the highlighted client now if the highlight is still settling (before an
        action on "the open chart", such as New note)."""
        if self.follow.isActive():
            self.follow.stop()
            self._follow_highlight()

    def _activated(self, index: QModelIndex) -> None:
        self.follow.stop()
        row = self.model.row_at(self.proxy.mapToSource(index))
        if row is not None:
            self.client_chosen.emit(int(row.id))

    def add_client(self) -> ClientDialog:
        dialog = ClientDialog(parent=self)
        tag(dialog, "client.add", None)
        dialog.accepted.connect(lambda: self._create(dialog))
        dialog.open()
        return dialog

    def _create(self, dialog: ClientDialog) -> None:
        """Saved on the database worker, Add client disabled until it is; then the list
        refreshes and the new chart opens."""
        fields = dialog.fields()
        self.records.op(self, lambda s: s.create_client(fields)).busy(
            lambda busy: self.add_button.setEnabled(not busy)
        ).success(self._created).run(database=True)

    def _created(self, client_id: ClientId) -> None:
        self.refresh()
        self.select(client_id)
        self.client_chosen.emit(int(client_id))
