"""Home's "Unpaid over 30 days" card: who owes on sessions more than 30 days old, and
how much (the Billing page lists them too, and opens their billing)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from therapynotes.domain.ids import ClientId
from therapynotes.domain.money import format_money
from therapynotes.services.billing import BillingService
from therapynotes.ui.billing.access import BillingAccess
from therapynotes.ui.pages import Card
from therapynotes.ui.records_access import RecordsAccess

SHOWN = 5


class UnpaidCard(Card):
    def __init__(self, records: RecordsAccess, parent: QWidget | None = None) -> None:
        super().__init__("Unpaid over 30 days", "", parent=parent)
        self.records = records
        self.billing = BillingAccess(records)
        self._generation = 0

    def refresh(self) -> None:
        self._generation += 1
        generation = self._generation

        def work(b: BillingService) -> tuple[list[tuple[ClientId, int]], dict[ClientId, str], str]:
            b.post_all_charges()
            overdue = b.overdue()
            names = {
                c.id: c.display_name for c in self.records.service.list_clients(include_all=True)
            }
            return overdue, names, b.currency()

        self.billing.op(self, work).success(lambda got: self._show(generation, *got)).run(
            database=True
        )

    def _show(
        self, generation: int, overdue: list[tuple[ClientId, int]], names: dict[ClientId, str],
        currency: str,
    ) -> None:  # fmt: skip
        if generation != self._generation:
            return
        if not overdue:
            self.text.setText("No unpaid balances older than 30 days.")
            return
        parts = [f"{names.get(c, '')} {format_money(owed, currency)}" for c, owed in overdue]
        more = len(parts) - SHOWN
        listed = "; ".join(parts[:SHOWN]) + (f"; and {more} more" if more > 0 else "")
        self.text.setText(f"{listed}. Billing in the sidebar lists them all.")

    def clear(self) -> None:
        self._generation += 1
        self.text.clear()
