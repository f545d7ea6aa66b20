"""A client whose every field and feature holds a canary string, for the purge, audit
and export tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.conftest import FakeClock
from tests.support.records import log_session_now
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import ClientFields, Goal, Objective, PlanContent, Problem
from therapynotes.domain.schedule import AppointmentStatus, Repeat
from therapynotes.services.measures import MeasuresService
from therapynotes.services.records import RecordsService
from therapynotes.services.schedule import Booking, ScheduleService

TEXT_FIELDS = (
    "preferred_name",
    "pronouns",
    "phone",
    "email",
    "address",
    "emergency_contact",
    "guardian",
    "referral_source",
    "alerts",
)


def fill_client(
    records: RecordsService,
    clock: FakeClock,
    canary: str,
    *,
    group_with: ClientId | None = None,
    date_of_birth: str | None = None,
) -> ClientId:
    """A client using every record feature, each field holding `canary` (plus a suffix
    naming the field). With `group_with`, they share a group session with that client,
    who has a signed note of their own there."""
    fields = {name: f"{canary}{name}" for name in TEXT_FIELDS}
    client = records.create_client(
        ClientFields(legal_name=f"{canary}legal", date_of_birth=date_of_birth, **fields)
    )
    records.add_diagnosis(client, "F41.1", primary=True)
    members = (client, group_with) if group_with is not None else (client,)
    visit = log_session_now(records, clock, *members, code="90853")
    note = records.start_note(client, "soap", session_id=visit)
    for i in range(3):
        clock.advance(400)
        records.save_draft(note, {"subjective": f"{canary}draft{i} " * 30})
    records.sign_note(note)
    records.add_addendum(note, f"{canary}addendum")
    if group_with is not None:
        theirs = records.start_note(group_with, "soap", session_id=visit)
        records.save_draft(theirs, {"subjective": "group member note, kept"})
        records.sign_note(theirs)
    private = records.start_note(client, "psychotherapy", sections={"process": f"{canary}pn"})
    records.sign_note(private)
    draft = records.start_note(client, "freeform", sections={"text": f"{canary}opendraft"})
    records.save_draft(draft, {"text": f"{canary}opendraft2 " * 20})
    plan = PlanContent(
        (
            Problem(
                f"{canary}problem",
                (Goal(f"{canary}goal", (Objective(f"{canary}obj", "2027-06-01"),), ("CBT",)),),
            ),
        ),
        review_date="2027-06-01",
    )
    records.save_plan(client, plan, effective_date="2027-01-01")
    records.save_plan(client, plan, effective_date="2027-02-01")
    records.add_attachment(
        client,
        filename=f"{canary}file.pdf",
        media_type="application/pdf",
        data=f"{canary}blob".encode() * 3000,
    )
    voided = records.start_note(client, "freeform", sections={"text": f"{canary}voided"})
    records.sign_note(voided)
    records.add_addendum(voided, f"{canary}voidadd")
    records.void_note(voided, f"{canary}voidreason")
    measures = MeasuresService(records.session, clock=records.clock)
    measures.record(client, "GAD-7", [1, 2, 1, 0, 2, 1, 1])
    flagged = measures.record(client, "PHQ-9", [2, 2, 1, 1, 0, 1, 1, 0, 1])
    measures.address_risk(flagged.response.id, f"{canary}safety plan reviewed")
    _book_series(records, clock, client, canary)
    return client


def _book_series(records: RecordsService, clock: FakeClock, client: ClientId, canary: str) -> None:
    """The schedule: a weekly series with a memo and place, one occurrence marked."""
    schedule = ScheduleService(records.session, clock=clock, zone=ZoneInfo("Europe/Berlin"))
    ids = schedule.book(
        Booking(
            (client,),
            datetime(2027, 3, 1, 9, 0),
            50,
            place=f"{canary}place",
            memo=f"{canary}memo",
            repeat=Repeat.WEEKLY,
            count=3,
        ),
        allow_overlap=True,
    )
    schedule.set_status(ids[0], AppointmentStatus.NO_SHOW)
