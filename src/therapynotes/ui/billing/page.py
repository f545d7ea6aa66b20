"""The Billing page (sidebar): who owes money on sessions older than 30 days, and the
fee schedule (Set fee…: an amount per service code from a date on, for everyone or one
client's sliding-scale fee). A client's own ledger and documents are in their chart's
Billing tab; double-clicking an unpaid balance opens it."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QPushButton, QWidget

from therapynotes.domain.billing import LATE_CANCEL, NO_SHOW
from therapynotes.domain.codes import CPT_CODES
from therapynotes.domain.ids import ClientId
from therapynotes.domain.money import format_money
from therapynotes.services.billing import BillingService
from therapynotes.store.billing import Fee
from therapynotes.ui.billing.access import BillingAccess
from therapynotes.ui.billing.dialogs import _AmountDialog
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.pages import Card
from therapynotes.ui.records_access import RecordsAccess, day
from therapynotes.ui.table_model import RowTableModel, fit_columns, table_view
from therapynotes.ui.widgets import GRID, DateField, hbox, heading, vbox

CODE_WORDS = {
    **{c.code: f"{c.code}  {c.description}" for c in CPT_CODES},
    LATE_CANCEL: "Late cancellation fee",
    NO_SHOW: "No-show fee",
}


class UnpaidColumn(Enum):
    CLIENT = "Client"
    OWED = "Owed"


class UnpaidModel(RowTableModel[tuple[ClientId, str, str]]):
    columns = UnpaidColumn

    def display(self, row: tuple[ClientId, str, str], column: UnpaidColumn) -> str:
        return row[1] if column is UnpaidColumn.CLIENT else row[2]


class FeeColumn(Enum):
    SERVICE = "Service"
    FOR = "For"
    FROM = "From"
    AMOUNT = "Fee"


class FeeModel(RowTableModel[tuple[Fee, str, str]]):
    columns = FeeColumn

    def display(self, row: tuple[Fee, str, str], column: FeeColumn) -> str:
        fee, who, currency = row
        if column is FeeColumn.SERVICE:
            return CODE_WORDS.get(fee.code, fee.code)
        if column is FeeColumn.FOR:
            return who
        if column is FeeColumn.FROM:
            return day(fee.effective_from)
        return format_money(fee.amount, currency)


class FeeDialog(_AmountDialog):
    """Set a fee: for a service code, from a date on; optionally one client's own."""

    def __init__(
        self, today: date, clients: list[tuple[ClientId, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        form: QFormLayout = self._setup(
            "Set fee",
            "Set fee",
            "A new fee applies to sessions on or after its start date; earlier sessions keep "
            "the fee they were charged.",
        )
        self.code = QComboBox(self)
        self.code.setAccessibleName("Service")
        for code, words in CODE_WORDS.items():
            self.code.addItem(words, code)
        self.code.setCurrentIndex(max(0, self.code.findData("90834")))
        form.insertRow(0, "&Service", self.code)
        self.start = DateField(
            "Applies from", self, value=QDate(today.year, today.month, today.day), optional=False
        )
        form.addRow("Applies &from", self.start)
        self.client = QComboBox(self)
        self.client.setAccessibleName("For")
        self.client.addItem("Everyone (your usual fee)", 0)
        for client_id, name in clients:
            self.client.addItem(f"{name} only (sliding scale)", int(client_id))
        form.addRow("F&or", self.client)
        self._finish()

    def _problem(self) -> str:
        return self.start.problem()

    def values(self) -> tuple[str, int, str, ClientId | None]:
        client = int(self.client.currentData() or 0)
        return (
            str(self.code.currentData()),
            self.cents(),
            self.start.iso() or "",
            ClientId(client) if client else None,
        )

    def form_state(self) -> dict[str, Any]:
        return {
            "code": self.code.currentData(),
            "amount": self.amount.text(),
            "from": self.start.iso(),
            "client": self.client.currentData(),
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        for combo, key in ((self.code, "code"), (self.client, "client")):
            index = combo.findData(state.get(key))
            if index >= 0:
                combo.setCurrentIndex(index)
        self.amount.setText(str(state.get("amount", "")))
        if state.get("from"):
            self.start.set_iso(str(state["from"]))


class BillingPage(QWidget):
    view_id = "billing"
    client_chosen = Signal(int)
    loaded = Signal()

    def __init__(self, records: RecordsAccess) -> None:
        super().__init__()
        self.records = records
        self.billing = BillingAccess(records)
        self.names: dict[ClientId, str] = {}
        self.setObjectName("Page_billing")
        self.setAccessibleName("Billing")
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(heading("Billing", parent=self))
        self.unpaid_card = Card("Unpaid over 30 days", "", parent=self)
        self.unpaid_model = UnpaidModel(self)
        self.unpaid_table = table_view(self.unpaid_model, "Unpaid balances", self, stretch=0)
        self.unpaid_table.activated.connect(self._chosen)
        self.unpaid_table.doubleClicked.connect(self._chosen)
        self.unpaid_card.layout_.addWidget(self.unpaid_table)
        layout.addWidget(self.unpaid_card)
        self.fees_card = Card("Fees", "", parent=self)
        row = hbox()
        self.set_fee_button = QPushButton("Set fee…", self)
        self.set_fee_button.setAccessibleName("Set fee")
        self.set_fee_button.clicked.connect(self.set_fee)
        row.addWidget(self.set_fee_button)
        row.addStretch(1)
        self.fees_card.layout_.addLayout(row)
        self.fee_model = FeeModel(self)
        self.fee_table = table_view(self.fee_model, "Fee schedule", self, stretch=0)
        self.fees_card.layout_.addWidget(self.fee_table)
        layout.addWidget(self.fees_card, 1)
        self.refresh()

    def refresh(self) -> None:
        def work(b: BillingService) -> tuple[Any, ...]:
            names = {
                c.id: c.display_name for c in self.records.service.list_clients(include_all=True)
            }
            b.post_all_charges()
            fees = [(f, "Everyone") for f in b.fees()]
            for client_id, name in names.items():
                fees += [(f, name) for f in b.fees(client_id)]
            return names, b.overdue(), fees, b.currency()

        self.billing.op(self, work).success(lambda got: self._show(*got)).run(database=True)

    def _show(
        self,
        names: dict[ClientId, str],
        overdue: list[tuple[ClientId, int]],
        fees: list[tuple[Fee, str]],
        currency: str,
    ) -> None:
        self.names = names
        rows = [(c, names.get(c, ""), format_money(owed, currency)) for c, owed in overdue]
        self.unpaid_model.set_rows(rows)
        self.unpaid_card.text.setText(
            "No balance is older than 30 days."
            if not rows
            else f"Clients with sessions unpaid after 30 days: {len(rows):,}. Double-click "
            "one to open their billing."
        )
        self.unpaid_table.setVisible(bool(rows))
        self.fee_model.set_rows([(f, who, currency) for f, who in fees])
        self.fees_card.text.setText(
            "No fees yet: set your usual fee for each service you bill."
            if not fees
            else "Each session is charged the fee in force on its date."
        )
        for table in (self.unpaid_table, self.fee_table):
            fit_columns(table)
        self.loaded.emit()

    def _chosen(self, index: QModelIndex) -> None:
        row = self.unpaid_model.row_at(index)
        if row is not None:
            self.client_chosen.emit(int(row[0]))

    def set_fee(self) -> FeeDialog:
        today = date.fromtimestamp(self.billing.clock())  # noqa: DTZ012 - the local day
        clients = sorted(self.names.items(), key=lambda item: item[1].lower())
        dialog = FeeDialog(today, clients, self)
        tag(dialog, "billing.fee", None)

        def save() -> None:
            code, cents, start, client = dialog.values()
            self.billing.op(
                self, lambda b: b.set_fee(code, cents, effective_from=start, client_id=client)
            ).success(lambda _r: self.refresh()).run(database=True)

        dialog.accepted.connect(save)
        dialog.open()
        return dialog

    def clear(self) -> None:
        self.unpaid_model.clear()
        self.fee_model.clear()
        self.names = {}
