"""A small chart with every kind of entry a records request must handle, each carrying a
unique canary word so tests can find (or miss) it in rendered output."""

from __future__ import annotations

from dataclasses import dataclass

from tests.conftest import FakeClock
from tests.support.records import add_client, log_session_now
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import Goal, Objective, PlanContent, Problem
from therapynotes.services.records import RecordsService

DAY = 24 * 3600


@dataclass(frozen=True)
class SampleChart:
    client: ClientId
    first_date: str  # service date of the first (early) note
    last_date: str  # service date of the late entry


def build_sample_chart(records: RecordsService, clock: FakeClock) -> SampleChart:
    client = add_client(
        records, "Quillon Canaryname", date_of_birth="1990-04-02", pronouns="they/them"
    )
    records.add_diagnosis(client, "F41.1", primary=True, onset_date="2026-01-10")
    goal = Goal(
        "Fewer panic episodes",
        (Objective("Under 2 a week", target_date="2027-06-01"),),
        ("CBT weekly",),
    )
    records.save_plan(
        client,
        PlanContent((Problem("Plancanary worry", (goal,)),), review_date="2027-09-01"),
        effective_date="2027-01-05",
    )

    s1 = log_session_now(records, clock, client, code="90791", minutes=60)
    n1 = records.start_note(client, "soap", session_id=s1)
    records.save_draft(n1, {"subjective": "Signedcanary alpha\nsecond line", "plan": "Plan A"})
    first = records.sign_note(n1)
    records.add_addendum(n1, "Addendumcanary correction")

    clock.advance(7 * DAY)
    s2 = log_session_now(records, clock, client, code="90834")
    n2 = records.start_note(client, "soap", session_id=s2)
    records.save_draft(n2, {"subjective": "Voidedcanary wrong chart"})
    records.sign_note(n2)
    records.void_note(n2, "wrong chart")
    p = records.start_note(client, "psychotherapy", session_id=s2)
    records.save_draft(p, {next(iter(records.get_note(p).sections)): "Processcanary musing"})
    records.sign_note(p)
    draft = records.start_note(client, "freeform", service_date=first.service_date)
    records.save_draft(draft, {next(iter(records.get_note(draft).sections)): "Draftcanary"})

    clock.advance(7 * DAY)
    s3 = log_session_now(records, clock, client, code="90837", minutes=60)
    clock.advance(3 * DAY)  # signed three days after the session: a late entry
    n3 = records.start_note(client, "dap", session_id=s3)
    records.save_draft(n3, {"data": "Latecanary session"})
    late = records.sign_note(n3)
    assert late.late_entry
    return SampleChart(client, first.service_date, late.service_date)
