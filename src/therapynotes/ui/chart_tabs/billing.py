"""A chart's Billing tab: the client's ledger (charges, payments, write-offs, refunds,
corrections), the balance, and the documents: receipt, superbill, statement and Good
Faith Estimate, written as PDFs only where the therapist saves them (audited).

Sessions with a fee and no charge yet are charged when the tab loads
(BillingService.post_charges), so the ledger always follows the session log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QMessageBox, QPushButton, QWidget

from therapynotes.domain.billing import ChargeLine, Entry, EntryKind, Ledger, fee_code_label
from therapynotes.domain.codes import CPT_BY_CODE
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import Chart
from therapynotes.domain.money import format_money
from therapynotes.services import billing_documents as docs
from therapynotes.services.billing import BillingService
from therapynotes.services.documents import PrintDocument
from therapynotes.ui.billing.access import BillingAccess
from therapynotes.ui.billing.dialogs import (
    METHOD_WORDS,
    CorrectDialog,
    EstimateDialog,
    PaymentDialog,
    PeriodDialog,
    WriteOffDialog,
)
from therapynotes.ui.billing.pdf import default_file_name, write_billing_pdf
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.ops import Op
from therapynotes.ui.records_access import RecordsAccess, day
from therapynotes.ui.table_model import RowTableModel, TableOrEmpty, fit_columns, table_view
from therapynotes.ui.widgets import GRID, hbox, plain_buttons, vbox


class LedgerColumn(Enum):
    DATE = "Date"
    ENTRY = "Entry"
    AMOUNT = "Amount"
    PAID = "Paid"
    STATUS = "Status"


@dataclass(frozen=True)
class LedgerRow:
    entry: Entry
    charge: ChargeLine | None
    reversed: bool
    currency: str


def describe(entry: Entry) -> str:
    if entry.kind is EntryKind.CHARGE:
        found = CPT_BY_CODE.get(entry.service_code)
        label = fee_code_label(entry.service_code)
        return f"{label} {found.description}" if found else f"{label.capitalize()} fee"
    if entry.kind is EntryKind.PAYMENT:
        words = METHOD_WORDS.get(entry.method, entry.method)  # type: ignore[call-overload]
        return " · ".join(p for p in (f"Payment: {words}", entry.reference) if p)
    what = {
        EntryKind.ADJUSTMENT: "Adjustment",
        EntryKind.WRITE_OFF: "Write-off",
        EntryKind.REFUND: "Refund",
        EntryKind.REVERSAL: f"Correction of entry {entry.applies_to}",
    }[entry.kind]
    return f"{what}: {entry.reason}" if entry.reason else what


class LedgerModel(RowTableModel[LedgerRow]):
    columns = LedgerColumn

    def display(self, row: LedgerRow, column: LedgerColumn) -> str:
        entry = row.entry
        if column is LedgerColumn.DATE:
            return day(entry.entry_date)
        if column is LedgerColumn.ENTRY:
            return f"{describe(entry)}  (no. {entry.id})"
        if column is LedgerColumn.AMOUNT:
            return format_money(entry.amount, row.currency)
        if column is LedgerColumn.PAID:
            return format_money(row.charge.paid, row.currency) if row.charge else ""
        if row.charge is not None:
            return row.charge.status.capitalize()
        return "Reversed" if row.reversed else ""


def balance_words(balance: int, currency: str) -> str:
    if balance > 0:
        return f"Balance due: {format_money(balance, currency)}"
    if balance < 0:
        return f"Credit: {format_money(-balance, currency)}"
    return "Nothing owed."


class BillingTab(QWidget):
    ledger_changed = Signal()  # not `changed`: the chart itself needs no refresh
    loaded = Signal()

    def __init__(self, records: RecordsAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records = records
        self.billing = BillingAccess(records)
        self.client_id: ClientId | None = None
        self.ledger: Ledger | None = None
        self.currency = "USD"
        self.model = LedgerModel(self)
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        top = hbox()
        self.balance = QLabel("", self)
        self.balance.setAccessibleName("Balance")
        font = self.balance.font()
        font.setBold(True)
        self.balance.setFont(font)
        top.addWidget(self.balance, 1)
        layout.addLayout(top)
        self.buttons: dict[str, QPushButton] = {}
        # Two short rows rather than one long one: the chart's tabs must not widen it.
        for group in (
            (("Take payment…", self.take_payment), ("Write off…", self.write_off),
             ("Correct…", self.correct), ("Receipt…", self.receipt)),
            (("Superbill…", self.superbill), ("Statement…", self.statement),
             ("Good Faith Estimate…", self.estimate)),
        ):  # fmt: skip
            row = hbox()
            for text, slot in group:
                button = QPushButton(text, self)
                button.setAccessibleName(text.rstrip("…"))
                button.clicked.connect(slot)
                row.addWidget(button)
                self.buttons[text.rstrip("…")] = button
            row.addStretch(1)
            layout.addLayout(row)
        self.table = table_view(self.model, "Ledger", self, stretch=1)
        self.table.selectionModel().selectionChanged.connect(self._selection)
        layout.addWidget(
            TableOrEmpty(
                self.table,
                "No charges yet. Set your fees (Billing in the sidebar) and log sessions: "
                "each session is charged at the fee on its date.",
                self,
            ),
            1,
        )
        self._selection()

    # --- loading -----------------------------------------------------------------------

    def show_chart(self, chart: Chart) -> None:
        self.client_id = chart.client.id
        self.reload()

    def clear(self) -> None:
        self.client_id, self.ledger = None, None
        self.model.clear()
        self.balance.setText("")

    def reload(self) -> None:
        client_id = self.client_id
        if client_id is None:
            return

        def work(b: BillingService) -> tuple[Ledger, str]:
            b.post_charges(client_id)
            return b.ledger(client_id), b.currency()

        self.billing.op(self, work).success(lambda got: self._show(client_id, *got)).run(
            database=True
        )

    def _show(self, client_id: ClientId, ledger: Ledger, currency: str) -> None:
        if client_id != self.client_id:
            return
        self.ledger, self.currency = ledger, currency
        lines = {c.entry.id: c for c in ledger.charges()}
        gone = ledger.reversed_ids
        rows = [
            LedgerRow(e, lines.get(e.id), e.id in gone, currency)
            for e in sorted(ledger.entries, key=lambda e: (e.entry_date, e.id), reverse=True)
        ]
        self.model.set_rows(rows)
        fit_columns(self.table)
        self.balance.setText(balance_words(ledger.balance, currency))
        self._selection()
        self.loaded.emit()

    def selected(self) -> LedgerRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0]) if rows else None

    def select_entry(self, entry_id: int) -> None:
        for i, row in enumerate(self.model.rows):
            if row.entry.id == entry_id:
                self.table.selectRow(i)

    def _selection(self) -> None:
        found = self.selected()
        open_charge = found is not None and found.charge is not None and found.charge.open > 0
        payment = found is not None and found.entry.kind is EntryKind.PAYMENT
        self.buttons["Write off"].setEnabled(open_charge)
        self.buttons["Receipt"].setEnabled(payment)
        correctable = (
            found is not None and not found.reversed and found.entry.kind is not EntryKind.REVERSAL
        )
        self.buttons["Correct"].setEnabled(correctable)

    def _today(self) -> date:
        return date.fromtimestamp(self.billing.clock())  # noqa: DTZ012 - the local day

    # --- the ledger ------------------------------------------------------------------------

    def take_payment(self) -> PaymentDialog | None:
        client_id = self.client_id
        if client_id is None or self.ledger is None:
            return None
        owed = balance_words(self.ledger.balance, self.currency)
        dialog = PaymentDialog(self._today(), owed, self)
        tag(dialog, "billing.payment", client_id)

        def save() -> None:
            cents, method, paid_on, reference = dialog.values()
            self._write(lambda b: b.pay(client_id, cents, method, on=paid_on, reference=reference))

        dialog.accepted.connect(save)
        dialog.open()
        return dialog

    def write_off(self) -> WriteOffDialog | None:
        found = self.selected()
        if self.client_id is None or found is None or found.charge is None:
            return None
        client_id, charge_id = self.client_id, found.entry.id
        dialog = WriteOffDialog(
            f"{describe(found.entry)} on {day(found.entry.entry_date)}",
            format_money(found.charge.open, self.currency),
            self,
        )
        tag(dialog, "billing.write_off", client_id, entry=charge_id)

        def save() -> None:
            cents, reason = dialog.cents(), dialog.reason.text()
            self._write(lambda b: b.adjust(client_id, charge_id, cents, reason=reason,
                                           write_off=True))  # fmt: skip

        dialog.accepted.connect(save)
        dialog.open()
        return dialog

    def correct(self) -> CorrectDialog | None:
        found = self.selected()
        if self.client_id is None or found is None or found.reversed:
            return None
        client_id, entry_id = self.client_id, found.entry.id
        what = f"{describe(found.entry)} on {day(found.entry.entry_date)}, " + format_money(
            found.entry.amount, self.currency
        )
        dialog = CorrectDialog(what, self)
        tag(dialog, "billing.correct", client_id, entry=entry_id)

        def save() -> None:
            reason = dialog.reason.text()
            self._write(lambda b: b.reverse(client_id, entry_id, reason=reason))

        dialog.accepted.connect(save)
        dialog.open()
        return dialog

    def _write(self, fn: Any) -> None:
        self.billing.op(self, fn).success(lambda _r: self._written()).run(database=True)

    def _written(self) -> None:
        self.reload()
        self.ledger_changed.emit()

    # --- documents -------------------------------------------------------------------------

    def ask_save_path(self, kind: str) -> Path | None:
        """Where to save (tests replace this). Never the client's name in the file name."""
        suggested = str(Path.home() / default_file_name(kind, self._today().isoformat()))
        path, _ = QFileDialog.getSaveFileName(self, "Save as PDF", suggested, "PDF (*.pdf)")
        if not path:
            return None
        return Path(path) if path.lower().endswith(".pdf") else Path(f"{path}.pdf")

    def receipt(self) -> None:
        found = self.selected()
        if self.client_id is None or found is None or found.entry.kind is not EntryKind.PAYMENT:
            return
        payment_id = found.entry.id
        self._save("receipt", lambda conn, cid, cur, today: docs.receipt_document(
            conn, cid, payment_id, currency=cur, today=today))  # fmt: skip

    def _period(self, kind: str, title: str) -> PeriodDialog | None:
        client_id = self.client_id
        if client_id is None:
            return None
        dialog = PeriodDialog(title, "Save as PDF…", self._today(), self)
        tag(dialog, f"billing.{kind}", client_id)
        build = docs.superbill_document if kind == "superbill" else docs.statement_document

        def chosen() -> None:
            start, end = dialog.period()
            self._save(kind, lambda conn, cid, cur, today: build(
                conn, cid, start, end, currency=cur, today=today))  # fmt: skip

        dialog.accepted.connect(chosen)
        dialog.open()
        return dialog

    def superbill(self) -> PeriodDialog | None:
        return self._period("superbill", "Superbill")

    def statement(self) -> PeriodDialog | None:
        return self._period("statement", "Statement")

    def estimate(self) -> EstimateDialog | None:
        client_id = self.client_id
        if client_id is None:
            return None
        dialog = EstimateDialog(self._today(), self)
        tag(dialog, "billing.estimate", client_id)

        def chosen() -> None:
            (start, end), (code, count) = dialog.period(), dialog.choice()

            def build(conn: Any, cid: ClientId, cur: str, today: date) -> PrintDocument:
                fee = self.billing.service.fee_on(cid, code, start)
                if fee is None:
                    from therapynotes.billing_errors import NoFee  # noqa: PLC0415

                    raise NoFee
                estimate = docs.Estimate(code, count, fee, start, end)
                return docs.estimate_document(conn, cid, estimate, currency=cur, today=today)

            self._save("estimate", build)

        dialog.accepted.connect(chosen)
        dialog.open()
        return dialog

    def _save(self, kind: str, build: Any) -> None:
        """Ask where, then build (under the database lock) and render off the UI thread;
        "Saved" when done, the reason when not."""
        client_id = self.client_id
        path = self.ask_save_path(kind)
        if client_id is None or path is None:
            return
        session, today, currency = self.billing.session, self._today(), self.currency

        def work() -> Path:
            docs.require_document(session, kind)  # a role's refusal, before any read
            with session.db_lock:
                document = build(session.conn, client_id, currency, today)
            write_billing_pdf(session, client_id, document, kind, path)
            return path

        Op(self, work).success(self._saved).run()

    def _saved(self, path: Path) -> None:
        self.last_saved = path
        box = QMessageBox(self)
        box.setWindowTitle("Saved")
        box.setText(
            f"Saved {path.name}. It is not encrypted: hand it over securely, and delete it "
            "when it is no longer needed."
        )
        box.setAccessibleName("Saved")
        plain_buttons(box)
        box.open()
        self.saved_box: QDialog = box
