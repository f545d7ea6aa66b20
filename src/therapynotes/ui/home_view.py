"""Home: what needs doing. Notes due (click → that session's note), today's sessions and
backup health. Every count comes from the service."""

from __future__ import annotations

from datetime import date
from enum import Enum

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QWidget

from therapynotes.domain.models import DueSession, ServiceEntry
from therapynotes.services.session import VaultSession
from therapynotes.ui.context import AppContext
from therapynotes.ui.pages import Card
from therapynotes.ui.records_access import RecordsAccess, day, local_clock
from therapynotes.ui.table_model import RowTableModel, fit_columns, table_view
from therapynotes.ui.widgets import GRID, heading, vbox

VISIBLE_ROWS = 8


class DueColumn(Enum):
    CLIENT = "Client"
    DATE = "Session"
    STATE = "Due"


class DueModel(RowTableModel[tuple[DueSession, str]]):
    """Rows are (due session, client display name)."""

    columns = DueColumn

    def display(self, row: tuple[DueSession, str], column: DueColumn) -> str:
        due, name = row
        if column is DueColumn.CLIENT:
            return name
        if column is DueColumn.DATE:
            return f"{day(due.service_date)}, ended {local_clock(due.ends_at)}"
        return "Overdue" if due.overdue else "Due"


class TodayColumn(Enum):
    TIME = "Time"
    CLIENTS = "Client"
    SERVICE = "Service"
    NOTE = "Note"


class TodayModel(RowTableModel[tuple[ServiceEntry, str, bool]]):
    """Rows are (session, client names, whether a note is still due)."""

    columns = TodayColumn

    def display(self, row: tuple[ServiceEntry, str, bool], column: TodayColumn) -> str:
        entry, names, due = row
        if column is TodayColumn.TIME:
            return f"{local_clock(entry.starts_at)}–{local_clock(entry.ends_at)}"
        if column is TodayColumn.CLIENTS:
            return names
        if column is TodayColumn.SERVICE:
            return entry.service_code
        return "Note due" if due else ""


class HomePage(QWidget):
    view_id = "home"
    due_chosen = Signal(int, int)  # client id, session id

    def __init__(self, ctx: AppContext, session: VaultSession, records: RecordsAccess) -> None:
        super().__init__()
        del session
        self.records = records
        self.setObjectName("Page_home")
        self.setAccessibleName("Home")
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(heading("Home", parent=self))
        self.due_card = Card("Notes due", "", parent=self)
        self.due_model = DueModel(self)
        self.due_table = table_view(self.due_model, "Notes due", self.due_card, stretch=2)
        self.due_table.activated.connect(self._chosen)
        self.due_table.doubleClicked.connect(self._chosen)
        self.due_table.clicked.connect(self._chosen)
        self.due_card.layout_.addWidget(self.due_table)
        layout.addWidget(self.due_card)
        self.today_card = Card("Today's sessions", "", parent=self)
        self.today_model = TodayModel(self)
        self.today_table = table_view(
            self.today_model, "Today's sessions", self.today_card, stretch=2
        )
        self.today_table.activated.connect(self._chosen_today)
        self.today_table.clicked.connect(self._chosen_today)
        self.today_card.layout_.addWidget(self.today_table)
        layout.addWidget(self.today_card)
        folder = ctx.settings.backup_folder
        text = (
            f"Backups go to {folder}."
            if folder
            else "No backup folder yet. Choose one so your records are safe if this computer fails."
        )
        self.backup_card = Card("Backups", text, parent=self)
        layout.addWidget(self.backup_card)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        due, names, today = self.records.call(self._fetch)
        self.due_model.set_rows([(d, names.get(d.client_id, "")) for d in due])
        due_keys = {(d.session_id, d.client_id) for d in due}
        self.today_model.set_rows(
            [
                (
                    entry,
                    ", ".join(names.get(p.client_id, "") for p in entry.participants),
                    any((entry.id, p.client_id) in due_keys for p in entry.participants),
                )
                for entry in today
            ]
        )
        count = len(due)
        self.due_card.text.setText(
            "Nothing due. Notes you still need to write will show here."
            if not count
            else f"{count} session{'s' if count != 1 else ''} without a signed note. "
            "Click one to write it."
        )
        self.due_table.setVisible(bool(count))
        self.today_card.text.setText("No sessions today." if not today else f"{len(today)} today.")
        self.today_table.setVisible(bool(today))
        for table in (self.due_table, self.today_table):
            fit_columns(table)
            rows = min(table.model().rowCount(), VISIBLE_ROWS)
            height = table.horizontalHeader().height() + 2 * table.frameWidth()
            table.setFixedHeight(height + rows * table.verticalHeader().defaultSectionSize())

    def _fetch(self, service):
        due = service.notes_due()
        names = {c.id: c.display_name for c in service.list_clients(include_all=True)}
        today_iso = date.fromtimestamp(service.clock()).isoformat()  # noqa: DTZ012
        today = service.sessions_on(today_iso)
        return due, names, today

    def _chosen(self, index: QModelIndex) -> None:
        row = self.due_model.row_at(index)
        if row is not None:
            self.due_chosen.emit(int(row[0].client_id), int(row[0].session_id))

    def _chosen_today(self, index: QModelIndex) -> None:
        row = self.today_model.row_at(index)
        if row is not None and row[0].participants:
            entry = row[0]
            self.due_chosen.emit(int(entry.participants[0].client_id), int(entry.id))

    def clear(self) -> None:
        self.due_model.clear()
        self.today_model.clear()
