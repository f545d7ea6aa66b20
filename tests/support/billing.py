"""Helpers for the billing tests: sessions on given dates, a billing service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import FakeClock
from therapynotes.domain.billing import PaymentMethod, Practice
from therapynotes.domain.enums import Attendance, Modality
from therapynotes.domain.ids import ClientId, SessionId
from therapynotes.services.billing import BillingService
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession


def session_on(
    records: RecordsService,
    client_id: ClientId,
    day: str,
    *,
    code: str = "90834",
    attendance: Attendance = Attendance.ATTENDED,
    modality: Modality = Modality.IN_PERSON,
) -> SessionId:
    start = datetime.fromisoformat(f"{day}T15:00:00").replace(tzinfo=UTC)
    session_id = records.log_session(
        [client_id],
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
        service_code=code,
        modality=modality,
        service_date=day,
        attendance=attendance,
    )
    return session_id


def fill_billing(
    session: VaultSession,
    records: RecordsService,
    clock: FakeClock,
    client: ClientId,
    *,
    marker: str = "",
) -> BillingService:
    """Every billing record kind for `client`: practice details, a fee change, a
    sliding-scale fee, late-cancel fee, charges, a partial payment, a write-off, a
    refund and a reversal (so each billing table has rows). `marker` goes into every
    reason and reference, for canary tests."""
    billing = BillingService(session, clock=clock)
    billing.set_practice(
        Practice(
            "Canary Counselling",
            "1 Main St\nSpringfield, IL 62701",
            "555-0100",
            "12-3456789",
            "1234567893",
            "11",
        )  # fmt: skip
    )
    billing.set_fee("90834", 150_00, effective_from="2026-01-01")
    billing.set_fee("90834", 160_00, effective_from="2026-06-01")
    billing.set_fee("late-cancel", 75_00, effective_from="2026-01-01")
    billing.set_fee("90837", 99_99, effective_from="2026-01-01", client_id=client)
    session_on(records, client, "2026-05-04")
    session_on(records, client, "2026-06-08")
    session_on(records, client, "2026-06-15", code="90837", modality=Modality.VIDEO)
    session_on(records, client, "2026-06-22", attendance=Attendance.LATE_CANCEL)
    billing.post_charges(client)
    last = billing.ledger(client).charges()[-1].entry.id
    billing.pay(client, 200_01, PaymentMethod.CARD, on="2026-06-30", reference=f"visa 4242{marker}")
    billing.adjust(client, last, 10_00, reason=f"sliding scale{marker}", write_off=True)
    wrong = billing.pay(client, 5_00, PaymentMethod.CASH, on="2026-07-01")
    billing.reverse(client, wrong, reason=f"entered twice{marker}")
    billing.pay(client, 400_00, PaymentMethod.TRANSFER, on="2026-07-02")
    billing.refund(client, 1_00, PaymentMethod.TRANSFER, reason=f"overpaid{marker}")
    return billing
