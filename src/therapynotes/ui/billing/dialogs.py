"""Billing dialogs: take a payment, write off or adjust a charge, choose a document's
period, prepare a Good Faith Estimate. Each keeps what was typed through a lock
(`form_state`/`restore_state`, ui/form_drafts.py); amounts are checked as typed
(domain/money.py) and a problem is shown in the dialog, which stays open."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from therapynotes.domain.billing import PaymentMethod
from therapynotes.domain.codes import CPT_CODES
from therapynotes.domain.money import parse_amount
from therapynotes.errors import TherapyNotesError
from therapynotes.ui.widgets import GRID, DateField, body, message_label, ok_cancel, vbox

METHOD_WORDS = {
    PaymentMethod.CARD: "Card",
    PaymentMethod.CASH: "Cash",
    PaymentMethod.CHEQUE: "Cheque",
    PaymentMethod.TRANSFER: "Bank transfer",
    PaymentMethod.INSURANCE: "Insurance",
    PaymentMethod.OTHER: "Other",
}


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class _AmountDialog(QDialog):
    """A dialog whose OK first checks the amount; the message says what is wrong."""

    def _setup(self, title: str, ok_text: str, explain: str) -> QFormLayout:
        self.setWindowTitle(title)
        self.setMinimumWidth(56 * GRID)
        self.layout_ = vbox(self, margins=3 * GRID, spacing=GRID)
        if explain:
            self.layout_.addWidget(body(explain, parent=self))
        form = QFormLayout()
        self.layout_.addLayout(form)
        self.amount = QLineEdit(self)
        self.amount.setAccessibleName("Amount")
        self.amount.setPlaceholderText("for example 150.00")
        form.addRow("&Amount", self.amount)
        self.message = message_label(self)
        self._ok_text = ok_text
        return form

    def _finish(self) -> None:
        self.layout_.addWidget(self.message)
        box, self.ok = ok_cancel(self, self._ok_text)
        self.ok.setAccessibleName(self._ok_text)
        self.ok.setDefault(True)
        box.accepted.connect(self._check)
        box.rejected.connect(self.reject)
        self.layout_.addWidget(box)

    def cents(self) -> int:
        return parse_amount(self.amount.text())

    def _problem(self) -> str:
        return ""

    def _check(self) -> None:
        try:
            if self.cents() <= 0:
                self._say("The amount must be more than zero.")
                return
        except TherapyNotesError as exc:
            self._say(exc.message)
            return
        problem = self._problem()
        if problem:
            self._say(problem)
            return
        self.accept()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)


class PaymentDialog(_AmountDialog):
    def __init__(self, today: date, owed: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = self._setup(
            "Take payment",
            "Record payment",
            f"{owed.rstrip('.')}. The payment goes to the oldest unpaid sessions first; "
            "anything over is kept as a credit.",
        )
        self.method = QComboBox(self)
        self.method.setAccessibleName("Payment method")
        for method, words in METHOD_WORDS.items():
            self.method.addItem(words, method.value)
        form.addRow("&Method", self.method)
        self.date = DateField("Date paid", self, value=_qdate(today), optional=False)
        form.addRow("&Date paid", self.date)
        self.reference = QLineEdit(self)
        self.reference.setAccessibleName("Reference")
        self.reference.setPlaceholderText("cheque number, last digits of the card…")
        self.reference.setMaxLength(200)
        form.addRow("&Reference", self.reference)
        self._finish()

    def _problem(self) -> str:
        return self.date.problem()

    def values(self) -> tuple[int, PaymentMethod, str, str]:
        return (
            self.cents(),
            PaymentMethod(self.method.currentData()),
            self.date.iso() or "",
            self.reference.text(),
        )

    def form_state(self) -> dict[str, Any]:
        return {
            "amount": self.amount.text(),
            "method": self.method.currentData(),
            "date": self.date.iso(),
            "reference": self.reference.text(),
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        self.amount.setText(str(state.get("amount", "")))
        index = self.method.findData(state.get("method"))
        if index >= 0:
            self.method.setCurrentIndex(index)
        if state.get("date"):
            self.date.set_iso(str(state["date"]))
        self.reference.setText(str(state.get("reference", "")))


class WriteOffDialog(_AmountDialog):
    """Write off part of a session's charge (the charge and the write-off both stay in
    the ledger)."""

    def __init__(self, what: str, open_amount: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = self._setup(
            "Write off",
            "Write off",
            f"{what}: {open_amount} still open. The charge stays in the ledger with the "
            "write-off and your reason beside it.",
        )
        self.amount.setText(open_amount.lstrip("$").split(" ")[0])
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("for example: sliding scale agreed, hardship")
        self.reason.setMaxLength(500)
        form.addRow("&Reason", self.reason)
        self._finish()

    def _problem(self) -> str:
        return "" if self.reason.text().strip() else "Please give a reason."

    def form_state(self) -> dict[str, Any]:
        return {"amount": self.amount.text(), "reason": self.reason.text()}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.amount.setText(str(state.get("amount", "")))
        self.reason.setText(str(state.get("reason", "")))


class PeriodDialog(QDialog):
    """The period of a superbill or statement (defaults: this calendar year)."""

    def __init__(self, title: str, action: str, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = vbox(self, margins=3 * GRID, spacing=GRID)
        form = QFormLayout()
        self.date_from = DateField("From", self, value=_qdate(today.replace(month=1, day=1)),
                                   optional=False)  # fmt: skip
        self.date_to = DateField("To", self, value=_qdate(today), optional=False)
        form.addRow("&From", self.date_from)
        form.addRow("&To", self.date_to)
        layout.addLayout(form)
        self.extra = form
        self.message = message_label(self)
        layout.addWidget(self.message)
        box, self.ok = ok_cancel(self, action)
        self.ok.setAccessibleName(action.rstrip("…"))
        self.ok.setDefault(True)
        box.accepted.connect(self._check)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def period(self) -> tuple[str, str]:
        return self.date_from.iso() or "", self.date_to.iso() or ""

    def _check(self) -> None:
        start, end = self.period()
        problem = self.date_from.problem() or self.date_to.problem()
        if not problem and start > end:
            problem = "The period ends before it starts."
        if problem:
            self.message.setText(problem)
            self.message.setVisible(True)
            return
        self.accept()

    def form_state(self) -> dict[str, Any]:
        start, end = self.period()
        return {"from": start, "to": end}

    def restore_state(self, state: dict[str, Any]) -> None:
        if state.get("from"):
            self.date_from.set_iso(str(state["from"]))
        if state.get("to"):
            self.date_to.set_iso(str(state["to"]))


class EstimateDialog(PeriodDialog):
    """A Good Faith Estimate: the service expected, how many sessions, over which period
    (defaults: the next twelve months)."""

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__("Good Faith Estimate", "Save as PDF…", today, parent)
        self.date_from.set_iso(today.isoformat())
        self.date_to.set_iso(date(today.year + 1, today.month, min(today.day, 28)).isoformat())
        self.code = QComboBox(self)
        self.code.setAccessibleName("Service")
        for found in CPT_CODES:
            self.code.addItem(f"{found.code}  {found.description}", found.code)
        self.code.setCurrentIndex(max(0, self.code.findData("90834")))
        self.sessions = QSpinBox(self)
        self.sessions.setAccessibleName("Number of sessions")
        self.sessions.setRange(1, 520)
        self.sessions.setValue(12)
        self.extra.insertRow(0, "&Service", self.code)
        self.extra.insertRow(1, "&Sessions", self.sessions)

    def choice(self) -> tuple[str, int]:
        return str(self.code.currentData()), self.sessions.value()

    def form_state(self) -> dict[str, Any]:
        code, count = self.choice()
        return {**super().form_state(), "code": code, "sessions": count}

    def restore_state(self, state: dict[str, Any]) -> None:
        super().restore_state(state)
        index = self.code.findData(state.get("code"))
        if index >= 0:
            self.code.setCurrentIndex(index)
        count = state.get("sessions")
        if isinstance(count, int):
            self.sessions.setValue(count)


class CorrectDialog(QDialog):
    """Correct (reverse) a ledger entry: the entry stays, a new one cancels it."""

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Correct entry")
        self.setMinimumWidth(56 * GRID)
        layout = vbox(self, margins=3 * GRID, spacing=GRID)
        layout.addWidget(
            body(
                f"{what}. Nothing in the ledger is deleted: a correction is a new entry "
                "that cancels this one (a charge's write-offs and a payment's refunds are "
                "cancelled with it). Log the session again or take the payment again if "
                "it was right after all.",
                parent=self,
            )
        )
        form = QFormLayout()
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("for example: entered twice, cheque bounced")
        self.reason.setMaxLength(500)
        form.addRow("&Reason", self.reason)
        layout.addLayout(form)
        self.message = message_label(self)
        layout.addWidget(self.message)
        box, self.ok = ok_cancel(self, "Correct entry")
        self.ok.setAccessibleName("Correct entry")
        box.accepted.connect(self._check)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def _check(self) -> None:
        if not self.reason.text().strip():
            self.message.setText("Please give a reason.")
            self.message.setVisible(True)
            return
        self.accept()

    def form_state(self) -> dict[str, Any]:
        return {"reason": self.reason.text()}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.reason.setText(str(state.get("reason", "")))
