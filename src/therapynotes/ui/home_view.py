"""Home: what needs doing. Notes due (click → that session's note), today's sessions (a
couple, family or group session asks whose chart to open) and backup health. Every count
comes from the service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import Enum

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from therapynotes.domain.formatting import plural
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import DueSession, ServiceEntry
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.ui.billing.home_card import UnpaidCard
from therapynotes.ui.clipboard import conceal_copies
from therapynotes.ui.context import AppContext
from therapynotes.ui.measures.banner import HomeRisks, fetch_open_risks
from therapynotes.ui.pages import Card
from therapynotes.ui.records_access import RecordsAccess, day, local_clock
from therapynotes.ui.schedule.today_list import TodaySchedule
from therapynotes.ui.table_model import RowTableModel, fit_columns, table_view
from therapynotes.ui.widgets import GRID, body, heading, ok_cancel, vbox

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


TodayRow = tuple[ServiceEntry, tuple[str, ...], bool]


class TodayModel(RowTableModel[TodayRow]):
    """Rows are (session, each participant's name in the session's order, whether a note
    is still due)."""

    columns = TodayColumn

    def display(self, row: TodayRow, column: TodayColumn) -> str:
        entry, names, due = row
        if column is TodayColumn.TIME:
            return f"{local_clock(entry.starts_at)}–{local_clock(entry.ends_at)}"
        if column is TodayColumn.CLIENTS:
            return ", ".join(names)
        if column is TodayColumn.SERVICE:
            return entry.service_code
        return "Note due" if due else ""


class ParticipantDialog(QDialog):
    """Whose chart to open for a couple, family or group session: the participants by
    the names the client list shows. The window title names no one."""

    def __init__(self, entry: ServiceEntry, names: Sequence[str], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open a chart")
        self.setMinimumWidth(48 * GRID)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        when = f"{local_clock(entry.starts_at)}–{local_clock(entry.ends_at)}"
        self.question = body(
            f"{plural(len(entry.participants), 'client')} took part in the session at {when}. "
            "Whose chart do you want to open?",
            parent=self,
        )
        layout.addWidget(self.question)
        self.people = QListWidget(self)
        self.people.setAccessibleName("Clients in this session")
        conceal_copies(self.people)  # Ctrl+C copies a name
        for person, name in zip(entry.participants, names, strict=True):
            item = QListWidgetItem(name or "Client")
            item.setData(Qt.ItemDataRole.UserRole, int(person.client_id))
            self.people.addItem(item)
        self.people.setCurrentRow(0)
        # A double-click opens; Enter reaches the default button (an `activated` link
        # as well would accept twice).
        self.people.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(self.people)
        box, self.ok = ok_cancel(self, "Open chart")
        self.ok.setAccessibleName("Open chart")
        self.ok.setDefault(True)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.people.setFocus()

    def chosen(self) -> ClientId | None:
        item = self.people.currentItem()
        return ClientId(int(item.data(Qt.ItemDataRole.UserRole))) if item is not None else None


class HomePage(QWidget):
    view_id = "home"
    due_chosen = Signal(int, int)  # client id, session id
    risk_chosen = Signal(int)  # client id: a safety flag's chart

    def __init__(self, ctx: AppContext, session: VaultSession, records: RecordsAccess) -> None:
        super().__init__()
        self.records = records
        self._chooser: ParticipantDialog | None = None
        self._generation = 0
        self.setObjectName("Page_home")
        self.setAccessibleName("Home")
        # The cards scroll rather than squeeze when there are many (a safety flag, the
        # schedule, unpaid balances, a device warning): squeezed, their text was cut.
        scroll = QScrollArea(self)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        vbox(self).addWidget(scroll)
        content = QWidget(scroll)
        layout = vbox(content, margins=3 * GRID, spacing=2 * GRID)
        scroll.setWidget(content)
        layout.addWidget(heading("Home", parent=self))
        # Safety flags (ui/measures/banner.py): first on the page until addressed.
        self.risks = HomeRisks(self.risk_chosen.emit, self)
        layout.addWidget(self.risks)
        self.due_card = Card("Notes due", "", parent=self)
        self.due_model = DueModel(self)
        self.due_table = table_view(self.due_model, "Notes due", self.due_card, stretch=2)
        self.due_table.activated.connect(self._chosen)
        self.due_table.doubleClicked.connect(self._chosen)
        self.due_table.clicked.connect(self._chosen)
        self.due_card.layout_.addWidget(self.due_table)
        layout.addWidget(self.due_card)
        self.today_schedule = TodaySchedule(records, self)  # the schedule (issue 13)
        layout.addWidget(self.today_schedule)
        self.today_card = Card("Today's sessions", "", parent=self)
        self.today_model = TodayModel(self)
        self.today_table = table_view(
            self.today_model, "Today's sessions", self.today_card, stretch=2
        )
        self.today_table.activated.connect(self._chosen_today)
        self.today_table.clicked.connect(self._chosen_today)
        self.today_card.layout_.addWidget(self.today_table)
        layout.addWidget(self.today_card)
        self.unpaid_card = UnpaidCard(records, self)  # billing (ui/billing/home_card.py)
        layout.addWidget(self.unpaid_card)
        folder = ctx.settings.backup_folder
        text = (
            f"Backups go to {folder}."
            if folder
            else "No backup folder yet. Choose one so your records are safe if this computer fails."
        )
        self.backup_card = Card("Backups", text, parent=self)
        layout.addWidget(self.backup_card)
        self._add_device_card(ctx, session, layout)
        layout.addStretch(1)
        self.refresh()

    def _add_device_card(self, ctx: AppContext, session: VaultSession, layout: QVBoxLayout) -> None:
        """Issue 16: a warning while a device check fails (ui/admin/this_computer.py)."""
        from therapynotes.ui.admin.rehearsal_dialog import RehearsalCard  # noqa: PLC0415
        from therapynotes.ui.admin.this_computer import DeviceWarningCard  # noqa: PLC0415

        self.rehearsal_card = RehearsalCard(session, clock=ctx.clock, parent=self)
        layout.addWidget(self.rehearsal_card)
        self.device_card = DeviceWarningCard(
            session,
            ctx.vault.paths.root,
            parent=self,
            backup_folder=lambda: ctx.settings.backup_folder,
        )
        layout.addWidget(self.device_card)

    def refresh(self) -> None:
        """The counts come from the database worker; the page shows the last ones until
        they arrive (a newer refresh wins over an older one still in flight)."""
        self._generation += 1
        generation = self._generation
        self.unpaid_card.refresh()
        self.today_schedule.refresh()
        self.records.op(self, self._fetch).success(
            lambda found: self._show(generation, *found)
        ).run(database=True)
        self.records.op(self, fetch_open_risks).success(
            lambda risks: self.risks.show_risks(risks) if generation == self._generation else None
        ).run(database=True)

    def _show(
        self,
        generation: int,
        due: list[DueSession],
        names: dict[ClientId, str],
        today: list[ServiceEntry],
    ) -> None:
        if generation != self._generation:
            return  # an older answer: a newer refresh is on its way
        self.due_model.set_rows([(d, names.get(d.client_id, "")) for d in due])
        due_keys = {(d.session_id, d.client_id) for d in due}
        self.today_model.set_rows(
            [
                (
                    entry,
                    tuple(names.get(p.client_id, "") for p in entry.participants),
                    any((entry.id, p.client_id) in due_keys for p in entry.participants),
                )
                for entry in today
            ]
        )
        count = len(due)
        self.due_card.text.setText(
            "Nothing due. Notes you still need to write will show here."
            if not count
            else f"{plural(count, 'session')} without a signed note. Click one to write it."
        )
        self.due_table.setVisible(bool(count))
        self.today_card.text.setText("No sessions today." if not today else f"{len(today)} today.")
        self.today_table.setVisible(bool(today))
        # Today's schedule (above) already says what the day holds: this card only shows
        # once a session is logged for today.
        self.today_card.setVisible(bool(today))
        for table in (self.due_table, self.today_table):
            fit_columns(table)
            rows = min(table.model().rowCount(), VISIBLE_ROWS)
            height = table.horizontalHeader().height() + 2 * table.frameWidth()
            table.setFixedHeight(height + rows * table.verticalHeader().defaultSectionSize())

    @staticmethod
    def _fetch(
        service: RecordsService,
    ) -> tuple[list[DueSession], dict[ClientId, str], list[ServiceEntry]]:
        """On the database worker: touches no widget."""
        due = service.notes_due()
        names = {c.id: c.display_name for c in service.list_clients(include_all=True)}
        today_iso = date.fromtimestamp(service.clock()).isoformat()  # noqa: DTZ012
        today = service.sessions_on(today_iso)
        return due, names, today

    def _chosen(self, index: QModelIndex) -> None:
        row = self.due_model.row_at(index)
        if row is not None:
            self.due_chosen.emit(int(row[0].client_id), int(row[0].session_id))

    def _chosen_today(self, index: QModelIndex) -> ParticipantDialog | None:
        """One client: open their chart at the session's note. Several (couple, family,
        group): ask whose chart first."""
        row = self.today_model.row_at(index)
        if row is None or not row[0].participants:
            return None
        entry, names, _due = row
        if len(entry.participants) == 1:
            self.due_chosen.emit(int(entry.participants[0].client_id), int(entry.id))
            return None
        if self._chooser is not None:
            if self._chooser.isVisible():  # a double-click's second click
                return self._chooser
            self._chooser.deleteLater()
        dialog = ParticipantDialog(entry, names, self)
        session_id = int(entry.id)
        dialog.accepted.connect(lambda: self._participant_chosen(dialog, session_id))
        self._chooser = dialog
        dialog.open()
        return dialog

    def _participant_chosen(self, dialog: ParticipantDialog, session_id: int) -> None:
        client_id = dialog.chosen()
        if client_id is not None:
            self.due_chosen.emit(int(client_id), session_id)

    def clear(self) -> None:
        self.unpaid_card.clear()
        self.risks.clear()
        self.today_schedule.clear()
        self.due_model.clear()
        self.today_model.clear()
        if self._chooser is not None:
            self._chooser.reject()
            self._chooser.people.clear()
