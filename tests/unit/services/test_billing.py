"""BillingService on a real vault: fees from a start date and per client, charges from
sessions, payments applied oldest first (or by hand), write-offs, refunds, reversals
that never edit an entry, the schema refusing edits, and the audit trail."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import FakeClock
from tests.support.billing import session_on
from tests.support.records import add_client
from therapynotes.billing_errors import (
    EntryAlreadyReversed,
    InvalidPlaceOfService,
    InvalidReason,
    InvalidServiceCode,
    InvalidTaxId,
    OverAllocated,
)
from therapynotes.domain.billing import EntryKind, PaymentMethod, Practice
from therapynotes.domain.enums import Attendance
from therapynotes.profile_errors import InvalidNpi
from therapynotes.services.billing import BillingService
from therapynotes.services.records import RecordsService
from therapynotes.store import audit
from therapynotes.store.connection import driver

PRACTICE = Practice("Reyes Counselling", "1 Main St\nSpringfield, IL", "555-0100",
                    "12-3456789", "1234567893", "11")  # fmt: skip


@pytest.fixture
def billing(records: RecordsService, clock: FakeClock) -> BillingService:
    return BillingService(records.session, clock=clock)


def _statuses(billing: BillingService, client: int) -> list[tuple[str, int, int, str]]:
    return [
        (c.entry.entry_date, c.amount, c.paid, c.status)
        for c in billing.ledger(client).charges()  # type: ignore[arg-type]
    ]


def test_practice_is_validated_saved_and_audited_without_values(billing: BillingService) -> None:
    assert billing.practice() is None
    assert billing.set_practice(PRACTICE) == [
        "name", "address", "phone", "tax_id", "npi", "place_of_service"
    ]  # fmt: skip
    assert billing.practice() == PRACTICE
    assert billing.set_practice(PRACTICE) == []
    for bad, error in [
        (Practice("P", npi="1234567890"), InvalidNpi),
        (Practice("P", tax_id="123456789"), InvalidTaxId),
        (Practice("P", tax_id="12-34567"), InvalidTaxId),
        (Practice("P", place_of_service="99"), InvalidPlaceOfService),
    ]:
        with pytest.raises(error):
            billing.set_practice(bad)
    assert billing.set_practice(Practice("P", tax_id="123-45-6789")) != []
    rows = [r for r in audit.entries(billing.conn) if r.kind == "settings.changed"]
    assert rows[0].detail["area"] == "practice"
    assert "Reyes" not in json.dumps([r.detail for r in rows])
    assert "3456789" not in json.dumps([r.detail for r in rows])


def test_fees_apply_from_their_start_date_and_client_fees_win(
    billing: BillingService, records: RecordsService
) -> None:
    ada, bo = add_client(records), add_client(records, "Bo Sliding")
    billing.set_fee("90834", 150_00, effective_from="2026-01-01")
    billing.set_fee("90834", 175_00, effective_from="2026-03-01")
    billing.set_fee("90834", 60_00, effective_from="2026-02-01", client_id=bo)
    for client in (ada, bo):
        for day in ("2026-01-15", "2026-02-15", "2026-03-15"):
            session_on(records, client, day)
    assert billing.post_charges(ada) == 3
    assert [c.amount for c in billing.ledger(ada).charges()] == [150_00, 150_00, 175_00]
    assert billing.post_charges(bo) == 3
    assert [c.amount for c in billing.ledger(bo).charges()] == [150_00, 60_00, 60_00]
    assert billing.post_charges(ada) == 0  # never charged twice
    with pytest.raises(InvalidServiceCode):
        billing.set_fee("9083", 100_00)


def test_late_cancel_and_no_show_only_with_their_own_fee(
    billing: BillingService, records: RecordsService
) -> None:
    ada = add_client(records)
    billing.set_fee("90834", 150_00, effective_from="2026-01-01")
    session_on(records, ada, "2026-01-05", attendance=Attendance.LATE_CANCEL)
    session_on(records, ada, "2026-01-06", attendance=Attendance.NO_SHOW)
    session_on(records, ada, "2026-01-07", attendance=Attendance.CANCELLED)
    assert billing.post_charges(ada) == 0  # default: no fee for either
    billing.set_fee("late-cancel", 75_00, effective_from="2026-01-01")
    billing.set_fee("no_show", 100_00, effective_from="2026-01-01")
    assert billing.post_charges(ada) == 2
    codes = [(c.entry.service_code, c.amount) for c in billing.ledger(ada).charges()]
    assert codes == [("late_cancel", 75_00), ("no_show", 100_00)]


def test_payments_go_to_the_oldest_open_charges_and_the_rest_is_credit(
    billing: BillingService, records: RecordsService
) -> None:
    ada = add_client(records)
    billing.set_fee("90834", 150_00, effective_from="2026-01-01")
    for day in ("2026-01-15", "2026-01-22", "2026-01-29"):
        session_on(records, ada, day)
    billing.post_charges(ada)
    billing.pay(ada, 200_00, PaymentMethod.CARD, on="2026-02-01", reference="visa 4242")
    assert _statuses(billing, ada) == [
        ("2026-01-15", 150_00, 150_00, "paid"),
        ("2026-01-22", 150_00, 50_00, "partly paid"),
        ("2026-01-29", 150_00, 0, "open"),
    ]
    assert billing.balance(ada) == 250_00
    # By hand: the newest charge first; the rest goes oldest first, then to credit.
    third = billing.ledger(ada).charges()[2].entry.id
    billing.pay(ada, 400_00, PaymentMethod.CHEQUE, allocate={third: 150_00})
    assert [c.status for c in billing.ledger(ada).charges()] == ["paid"] * 3
    assert billing.balance(ada) == -150_00
    assert sum(billing.ledger(ada).unapplied().values()) == 150_00
    # A later session takes the credit.
    session_on(records, ada, "2026-02-05")
    billing.post_charges(ada)
    assert billing.balance(ada) == 0
    assert billing.ledger(ada).charges()[-1].status == "paid"
    with pytest.raises(OverAllocated):
        billing.pay(ada, 10_00, PaymentMethod.CASH, allocate={third: 20_00})


def test_write_offs_refunds_and_reversals_never_edit_an_entry(
    billing: BillingService, records: RecordsService
) -> None:
    ada = add_client(records)
    billing.set_fee("90834", 150_00, effective_from="2026-01-01")
    session_on(records, ada, "2026-01-15")
    session_on(records, ada, "2026-01-22")
    billing.post_charges(ada)
    first, second = (c.entry.id for c in billing.ledger(ada).charges())
    billing.adjust(ada, first, 30_00, reason="sliding scale agreed", write_off=True)
    with pytest.raises(OverAllocated):
        billing.adjust(ada, first, 200_00, reason="too much", write_off=True)
    with pytest.raises(InvalidReason):
        billing.adjust(ada, first, 10_00, reason="  ", write_off=True)
    assert billing.balance(ada) == 270_00
    payment = billing.pay(ada, 300_00, PaymentMethod.CASH)
    assert billing.balance(ada) == -30_00
    billing.refund(ada, 30_00, PaymentMethod.CASH, reason="overpaid")
    assert billing.balance(ada) == 0
    with pytest.raises(OverAllocated):
        billing.refund(ada, 1, PaymentMethod.CASH)
    # The payment bounced: reversed, with its refund; the charges are open again.
    billing.reverse(ada, payment, reason="cheque bounced")
    assert billing.balance(ada) == 270_00
    assert [c.status for c in billing.ledger(ada).charges()] == ["open", "open"]
    with pytest.raises(EntryAlreadyReversed):
        billing.reverse(ada, payment, reason="again")
    # A charge made in error: reversed with its write-off.
    billing.reverse(ada, first, reason="session was not held")
    assert billing.balance(ada) == 150_00
    assert [c.status for c in billing.ledger(ada).charges()] == ["reversed", "open"]
    assert billing.ledger(ada).charges()[1].entry.id == second
    kinds = [e.kind for e in billing.ledger(ada).entries]
    assert kinds.count(EntryKind.REVERSAL) == 4
    db = driver()
    for statement in (
        "UPDATE ledger SET amount_cents = 1",
        "DELETE FROM ledger",
        "UPDATE allocations SET amount_cents = 1",
        "DELETE FROM allocations",
        "UPDATE fee_schedule SET amount_cents = 1",
        "DELETE FROM fee_schedule",
    ):
        with pytest.raises(db.IntegrityError):
            billing.conn.execute(statement)
    created = [r for r in audit.entries(billing.conn) if r.detail.get("record") == "ledger"]
    assert len(created) == len(billing.ledger(ada).entries)
    assert all(r.subject == f"client:{ada}" for r in created)
    assert "bounced" not in json.dumps([r.detail for r in audit.entries(billing.conn)])


def test_overdue_lists_clients_owing_on_charges_older_than_30_days(
    billing: BillingService, records: RecordsService
) -> None:
    ada, bo = add_client(records), add_client(records, "Bo Paid")
    billing.set_fee("90834", 150_00, effective_from="2020-01-01")
    today = billing.today()
    session_on(records, ada, "2026-06-01")
    session_on(records, bo, "2026-06-01")
    session_on(records, bo, today)
    for c in (ada, bo):
        billing.post_charges(c)
    billing.pay(bo, 150_00, PaymentMethod.CASH)
    assert billing.overdue() == [(ada, 150_00)]
    billing.set_retention_years(10)
    assert billing.retention_years() == 10


def test_purge_removes_the_clients_billing_and_waits_for_financial_retention(
    billing: BillingService, records: RecordsService, clock: FakeClock
) -> None:
    from tests.support.billing import fill_billing
    from therapynotes.retention_errors import RetentionDateNotReached
    from therapynotes.services.retention import RetentionService

    ada, bo = add_client(records), add_client(records, "Bo Stays")
    fill_billing(billing.session, records, clock, ada)
    session_on(records, bo, "2026-02-02")
    billing.post_charges(bo)
    retention = RetentionService(billing.session, clock=clock)
    clinical = retention.status(bo).retention_date
    # Financial records: 7 years from the last ledger entry by default, 12 when set so.
    billing.set_retention_years(12)
    # (the refund, entered today, is ada's last entry)
    assert retention.status(ada).retention_date == date(2027 + 12, 1, 15)
    assert retention.status(bo).retention_date > clinical
    clock.advance(365 * 86400 * 11)
    with pytest.raises(RetentionDateNotReached):
        retention.purge(ada)
    counts = retention.purge(ada, before_retention_date="client asked")
    assert counts["ledger_entries"] > 5 and counts["fees"] == 1
    conn = billing.conn
    assert (
        conn.execute("SELECT count(*) FROM ledger WHERE client_id = ?", (ada,)).fetchone()[0] == 0
    )
    assert (
        conn.execute("SELECT count(*) FROM fee_schedule WHERE client_id = ?", (ada,)).fetchone()[0]
        == 0
    )
    left = conn.execute("SELECT count(*) FROM allocations").fetchone()[0]
    assert left == 0  # bo's charge is unpaid: no allocations of anyone's remain
    assert billing.balance(bo) == 150_00
    assert len(billing.fees()) == 3  # the practice's fee schedule stays


def test_post_all_charges_charges_every_client_once(
    billing: BillingService, records: RecordsService
) -> None:
    ada, bo = add_client(records), add_client(records, "Bo Also")
    billing.set_fee("90834", 100_00, effective_from="2026-01-01")
    session_on(records, ada, "2026-01-05")
    session_on(records, bo, "2026-01-06")
    session_on(records, bo, "2026-01-07", attendance=Attendance.CANCELLED)
    assert billing.post_all_charges() == 2
    assert billing.post_all_charges() == 0
    assert (billing.balance(ada), billing.balance(bo)) == (100_00, 100_00)
