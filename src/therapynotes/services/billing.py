"""BillingService: practice details, the fee schedule, charges from sessions, and the
append-only ledger (adjustments, write-offs, payments, refunds, reversals) with the
allocation of payments to charges, oldest first unless allocated by hand.

Charges come from the logged sessions (store/sessions.py: date of service, CPT code,
attendance): `post_charges` charges each of the client's sessions that has none yet
and a fee on its date (attended: the session's code; late cancel and no-show: their
own schedule entries, none by default). When appointments (issue 13) arrive, a kept
appointment becomes a session as today and is charged the same way; a late-cancelled
or missed appointment should post its fee here through `post_charges` too.

Every write is one transaction with its audit row (ids, kinds and counts, never an
amount typed as text, a reason or a name). Must not import PySide6.
"""

from __future__ import annotations

import dataclasses
import locale
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from therapynotes.billing_errors import (
    EntryAlreadyReversed,
    EntryNotFound,
    InvalidBillingDate,
    InvalidReason,
    InvalidRetention,
    OverAllocated,
    ZeroAmount,
)
from therapynotes.domain.billing import (
    LATE_CANCEL,
    NO_SHOW,
    Allocation,
    ChargeLine,
    Entry,
    EntryKind,
    Ledger,
    PaymentMethod,
    Practice,
    fee_code,
    settle,
)
from therapynotes.domain.enums import Attendance
from therapynotes.domain.ids import ClientId
from therapynotes.services.policy import UseCase, guarded
from therapynotes.services.records_base import RecordsBase
from therapynotes.store import billing as store
from therapynotes.store import record_settings, sessions
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection

CURRENCY = "billing.currency"
RETENTION_YEARS = store.RETENTION_YEARS
DEFAULT_RETENTION_YEARS = store.DEFAULT_RETENTION_YEARS
MAX_REASON = 500
MAX_REFERENCE = 200
OVERDUE_DAYS = 30


def check_date(text: str) -> str:
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InvalidBillingDate from None


def locale_currency() -> str:
    """The ISO 4217 code of the user's locale; USD when it names none."""
    try:
        code = str(locale.localeconv().get("int_curr_symbol", "")).strip()
    except (ValueError, locale.Error):
        code = ""
    return code if len(code) == 3 and code.isalpha() else "USD"


def _reason(text: str, *, required: bool) -> str:
    text = " ".join(text.split())
    if (required and not text) or len(text) > MAX_REASON:
        raise InvalidReason
    return text


class BillingService(RecordsBase):
    # --- settings ---------------------------------------------------------------------

    def today(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).astimezone().date().isoformat()

    def currency(self) -> str:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (CURRENCY,)).fetchone()
        return str(row[0]) if row else locale_currency()

    def _fix_currency(self, conn: Connection) -> None:
        """One currency per vault: the locale's, written the first time money is."""
        if conn.execute("SELECT 1 FROM settings WHERE key = ?", (CURRENCY,)).fetchone() is None:
            record_settings.set_value(conn, CURRENCY, locale_currency())

    def retention_years(self) -> int:
        return record_settings.get_int(self.conn, RETENTION_YEARS, DEFAULT_RETENTION_YEARS)

    @guarded(UseCase.RETENTION)
    def set_retention_years(self, years: int) -> None:
        if not 1 <= years <= 100:
            raise InvalidRetention
        with self.write() as conn:
            record_settings.set_value(conn, RETENTION_YEARS, str(years))
            self.audit(conn, AuditKind.SETTINGS_CHANGED, "settings", area="billing_retention")

    # --- practice ---------------------------------------------------------------------

    def practice(self) -> Practice | None:
        return store.get_practice(self.conn)

    @guarded(UseCase.PRACTICE)
    def set_practice(self, new: Practice) -> list[str]:
        """Validate and save; the names of the fields that changed."""
        new = new.validated()
        with self.write() as conn:
            old = store.get_practice(conn)
            changed = [
                f.name
                for f in dataclasses.fields(Practice)
                if old is None or getattr(old, f.name) != getattr(new, f.name)
            ]
            if changed:
                store.put_practice(conn, new, now=self.now())
                self.audit(
                    conn, AuditKind.SETTINGS_CHANGED, "settings", area="practice", fields=changed
                )
        return changed

    # --- fees -------------------------------------------------------------------------

    @guarded(UseCase.BILLING)
    def set_fee(
        self,
        code: str,
        amount: int,
        *,
        effective_from: str | None = None,
        client_id: ClientId | None = None,
    ) -> int:
        """A fee from a date on (today by default): later sessions only. With a client:
        that client's own fee (sliding scale)."""
        stored = fee_code(code)
        start = check_date(effective_from) if effective_from else self.today()
        with self.write() as conn:
            if client_id is not None:
                self.require_client(conn, client_id)
            fee_id = store.add_fee(
                conn,
                code=stored,
                amount=amount,
                effective_from=start,
                client_id=client_id,
                now=self.now(),
            )
            self._fix_currency(conn)
            subject = "practice" if client_id is None else f"client:{client_id}"
            self.audit(conn, AuditKind.RECORD_CREATED, subject, record="fee", fee=fee_id)
        return fee_id

    @guarded(UseCase.BILLING)
    def fees(self, client_id: ClientId | None = None) -> list[store.Fee]:
        return store.fees(self.conn, client_id)

    @guarded(UseCase.BILLING)
    def fee_on(self, client_id: ClientId, code: str, day: str) -> int | None:
        """The fee the client would be charged for `code` on `day` (None: no fee)."""
        self.require_client(self.conn, client_id)
        return store.fee_for(self.conn, fee_code(code), client_id, day)

    # --- the ledger -------------------------------------------------------------------

    @guarded(UseCase.BILLING)
    def ledger(self, client_id: ClientId) -> Ledger:
        return store.ledger(self.conn, client_id)

    @guarded(UseCase.BILLING)
    def balance(self, client_id: ClientId) -> int:
        return store.ledger(self.conn, client_id).balance

    @guarded(UseCase.BILLING)
    def post_charges(self, client_id: ClientId) -> int:
        """Charge every session of the client, up to today, that has a fee and no live
        charge yet; the number of charges made."""
        today = self.today()
        with self.write() as conn:
            self.require_client(conn, client_id)
            book = store.ledger(conn, client_id)
            charged = {c.entry.session_id for c in book.charges() if not c.reversed}
            made = 0
            for entry in sorted(sessions.for_client(conn, client_id), key=lambda s: s.starts_at):
                if entry.id in charged or entry.service_date > today:
                    continue
                attendance = next(
                    p.attendance for p in entry.participants if p.client_id == client_id
                )
                code = {
                    Attendance.ATTENDED: entry.service_code,
                    Attendance.LATE_CANCEL: LATE_CANCEL,
                    Attendance.NO_SHOW: NO_SHOW,
                }.get(attendance)
                fee = (
                    None
                    if code is None
                    else store.fee_for(conn, code, client_id, entry.service_date)
                )
                if code is None or fee is None:
                    continue
                charge = Entry(
                    0, client_id, EntryKind.CHARGE, entry.service_date, fee,
                    session_id=entry.id, service_code=code,
                )  # fmt: skip
                self._add(conn, charge)
                made += 1
            if made:
                self._fix_currency(conn)
                self._apply_credit(conn, client_id)
        return made

    @guarded(UseCase.BILLING)
    def post_all_charges(self) -> int:
        """post_charges for every client with a session not charged yet (Home and the
        Billing page call this, so balances follow the session log)."""
        rows = self.conn.execute(
            "SELECT DISTINCT p.client_id FROM session_participants p"
            " JOIN sessions s ON s.id = p.session_id"
            " WHERE p.attendance <> 'cancelled' AND s.service_date <= ? AND NOT EXISTS"
            " (SELECT 1 FROM ledger l WHERE l.session_id = p.session_id"
            "  AND l.client_id = p.client_id AND l.kind = 'charge')",
            (self.today(),),
        ).fetchall()
        return sum(self.post_charges(ClientId(int(r[0]))) for r in rows)

    @guarded(UseCase.BILLING)
    def pay(
        self,
        client_id: ClientId,
        amount: int,
        method: PaymentMethod,
        *,
        on: str | None = None,
        reference: str = "",
        allocate: Mapping[int, int] | None = None,
    ) -> int:
        """Record a payment; applied to the charges given (`allocate`: charge id ->
        cents), the rest to the oldest open charges; what is left is a credit."""
        if amount <= 0:
            raise ZeroAmount
        reference = " ".join(reference.split())
        if len(reference) > MAX_REFERENCE:
            raise InvalidReason
        when = check_date(on) if on else self.today()
        with self.write() as conn:
            self.require_client(conn, client_id)
            book = store.ledger(conn, client_id)
            payment = Entry(
                0, client_id, EntryKind.PAYMENT, when, -amount,
                method=method.value, reference=reference,
            )  # fmt: skip
            payment_id = self._add(conn, payment)
            if allocate:
                lines = {c.entry.id: c for c in book.charges()}
                wanted = {int(k): int(v) for k, v in allocate.items() if v}
                if sum(wanted.values()) > amount or any(
                    k not in lines or v < 0 or v > lines[k].open for k, v in wanted.items()
                ):
                    raise OverAllocated
                for charge_id, cents in sorted(wanted.items()):
                    store.insert_allocation(conn, Allocation(payment_id, charge_id, cents))
            self._fix_currency(conn)
            self._apply_credit(conn, client_id)
        return payment_id

    @guarded(UseCase.BILLING)
    def adjust(
        self, client_id: ClientId, charge_id: int, amount: int, *, reason: str, write_off: bool
    ) -> int:
        """Change what a charge asks (`amount` signed cents: negative lowers it), or write
        off part of it (`write_off`, `amount` the cents forgiven, > 0). Never below what
        is still open."""
        reason = _reason(reason, required=True)
        if amount == 0:
            raise ZeroAmount
        with self.write() as conn:
            line = self._charge(conn, client_id, charge_id)
            delta = -abs(amount) if write_off else amount
            if line.reversed or (delta < 0 and -delta > line.open):
                raise OverAllocated
            kind = EntryKind.WRITE_OFF if write_off else EntryKind.ADJUSTMENT
            entry = Entry(
                0, client_id, kind, self.today(), delta, applies_to=charge_id, reason=reason
            )
            entry_id = self._add(conn, entry)
            self._apply_credit(conn, client_id)
        return entry_id

    @guarded(UseCase.BILLING)
    def refund(
        self, client_id: ClientId, amount: int, method: PaymentMethod, *, reason: str = ""
    ) -> list[int]:
        """Pay back part of the client's credit (never more than the credit)."""
        reason = _reason(reason, required=False)
        if amount <= 0:
            raise ZeroAmount
        with self.write() as conn:
            self.require_client(conn, client_id)
            credit = store.ledger(conn, client_id).unapplied()
            if amount > sum(credit.values()):
                raise OverAllocated
            made, left = [], amount
            for payment_id, rest in credit.items():
                take = min(rest, left)
                if take <= 0:
                    break
                refund = Entry(
                    0, client_id, EntryKind.REFUND, self.today(), take,
                    method=method.value, reason=reason, applies_to=payment_id,
                )  # fmt: skip
                made.append(self._add(conn, refund))
                left -= take
        return made

    @guarded(UseCase.BILLING)
    def reverse(self, client_id: ClientId, entry_id: int, *, reason: str) -> int:
        """Correct an entry by a new one that cancels it (the old stays, as in any
        ledger). A charge's adjustments and a payment's refunds are reversed with it."""
        reason = _reason(reason, required=True)
        with self.write() as conn:
            self.require_client(conn, client_id)
            book = store.ledger(conn, client_id)
            found = {e.id: e for e in book.entries}
            target = found.get(entry_id)
            if target is None:
                raise EntryNotFound
            gone = book.reversed_ids
            if entry_id in gone or target.kind is EntryKind.REVERSAL:
                raise EntryAlreadyReversed
            follow = {
                EntryKind.CHARGE: (EntryKind.ADJUSTMENT, EntryKind.WRITE_OFF),
                EntryKind.PAYMENT: (EntryKind.REFUND,),
            }.get(target.kind, ())
            dependants = [
                e for e in book.entries if e.kind in follow and e.applies_to == entry_id
                and e.id not in gone
            ]  # fmt: skip
            first = 0
            for e in [*dependants, target]:
                reversal = Entry(
                    0, client_id, EntryKind.REVERSAL, self.today(), -e.amount,
                    applies_to=e.id, reason=reason,
                )  # fmt: skip
                first = self._add(conn, reversal)
            self._apply_credit(conn, client_id)
        return first

    def _charge(self, conn: Connection, client_id: ClientId, charge_id: int) -> ChargeLine:
        self.require_client(conn, client_id)
        for line in store.ledger(conn, client_id).charges():
            if line.entry.id == charge_id:
                return line
        raise EntryNotFound

    def _add(self, conn: Connection, entry: Entry) -> int:
        entry_id = store.insert_entry(conn, entry, now=self.now())
        self.audit(
            conn,
            AuditKind.RECORD_CREATED,
            f"client:{entry.client_id}",
            record="ledger",
            entry=entry_id,
            kind=entry.kind.value,
        )
        return entry_id

    def _apply_credit(self, conn: Connection, client_id: ClientId) -> None:
        book = store.ledger(conn, client_id)
        for allocation in settle(book):
            store.insert_allocation(conn, allocation)

    # --- the home view ------------------------------------------------------------------

    @guarded(UseCase.BILLING)
    def overdue(self, days: int = OVERDUE_DAYS) -> list[tuple[ClientId, int]]:
        """Clients with a charge older than `days` still open, and what they owe."""
        cutoff = (date.fromisoformat(self.today()) - timedelta(days=days)).isoformat()
        found = []
        for client_id, _ in store.old_balances(self.conn, before=cutoff):
            book = store.ledger(self.conn, client_id)
            if any(c.open > 0 and c.entry.entry_date < cutoff for c in book.charges()):
                found.append((client_id, book.balance))
        return found
