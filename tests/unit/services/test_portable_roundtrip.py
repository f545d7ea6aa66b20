"""Hypothesis: vaults filled with generated records (any Unicode text, signed, amended,
voided, drafts, group sessions, attachments of any bytes) export, import into a new
vault and export again to the same bytes."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FakeClock
from tests.support.records import unlock_new_vault
from therapynotes.domain.enums import Modality
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import ClientFields, Goal, Objective, PlanContent, Problem
from therapynotes.portable import format as fmt
from therapynotes.services.portable import PortableService
from therapynotes.services.records import RecordsService

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
# SQLite's length() stops at a NUL, so the schema's "not blank" checks see text that
# starts with NUL as empty (and the service refuses it): generate what a user could save.
NAME = TEXT.filter(lambda s: s.split("\x00")[0].strip() != "")
DOB = st.none() | st.dates(min_value=datetime(1920, 1, 1).date()).map(lambda d: d.isoformat())

NOTE = st.fixed_dictionaries(
    {
        "text": NAME,
        "fate": st.sampled_from(["draft", "signed", "addended", "voided"]),
        "addendum": NAME,
        "reason": NAME,
        "in_session": st.booleans(),
    }
)
CLIENT = st.fixed_dictionaries(
    {
        "name": NAME,
        "alerts": TEXT,
        "dob": DOB,
        "notes": st.lists(NOTE, max_size=3),
        "attachment": st.none() | st.binary(max_size=300),
        "plan": st.none() | st.tuples(NAME, NAME, st.booleans()),
        "private": st.none() | NAME,
    }
)


def _fill(records: RecordsService, clock: FakeClock, clients: list[dict[str, object]]) -> None:
    ids: list[ClientId] = []
    for spec in clients:
        ids.append(
            records.create_client(
                ClientFields(
                    legal_name=str(spec["name"]),
                    alerts=str(spec["alerts"]),
                    date_of_birth=spec["dob"],  # type: ignore[arg-type]
                )
            )
        )
    end = datetime.fromtimestamp(clock(), UTC)
    group = records.log_session(
        ids,
        starts_at=end - timedelta(minutes=90),
        ends_at=end,
        service_code="90853",
        modality=Modality.VIDEO,
        place="room",
    )
    for client, spec in zip(ids, clients, strict=True):
        used_session = False
        for note in spec["notes"]:  # type: ignore[attr-defined]
            session = group if note["in_session"] and not used_session else None
            used_session = used_session or session is not None
            note_id = records.start_note(
                client, "freeform", session_id=session, sections={"text": note["text"]}
            )
            clock.advance(61)
            if note["fate"] == "draft":
                continue
            records.sign_note(note_id)
            if note["fate"] in {"addended", "voided"}:
                records.add_addendum(note_id, note["addendum"])
            if note["fate"] == "voided":
                records.void_note(note_id, note["reason"])
        if spec["plan"] is not None:
            problem, goal, met = spec["plan"]  # type: ignore[misc]
            content = PlanContent(
                (Problem(problem, (Goal(goal, (Objective(goal, None, met),), (problem,)),)),)
            )
            records.save_plan(client, content, effective_date="2027-01-01")
            records.save_plan(client, content, effective_date="2027-02-01")
        if spec["private"] is not None:
            private = records.start_note(
                client, "psychotherapy", sections={"process": spec["private"]}
            )
            records.sign_note(private)
        if spec["attachment"] is not None:
            records.add_attachment(
                client, filename="a.bin", media_type="application/octet-stream",
                data=spec["attachment"],  # type: ignore[arg-type]
            )  # fmt: skip


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(clients=st.lists(CLIENT, min_size=1, max_size=3))
def test_export_import_export_is_identical(clients: list[dict[str, object]]) -> None:
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = unlock_new_vault(root / "a", clock)
        try:
            _fill(RecordsService(source, clock=clock), clock, clients)
            PortableService(source, clock=clock).export_json(root / "one")
        finally:
            source.lock("test finished")
        clock.advance(60)
        target = unlock_new_vault(root / "b", clock)
        try:
            PortableService(target, clock=clock).import_json(root / "one")
            PortableService(target, clock=clock).export_json(root / "two")
        finally:
            target.lock("test finished")
        first = (root / "one" / fmt.JSON_NAME).read_bytes()
        assert (root / "two" / fmt.JSON_NAME).read_bytes() == first
        for blob in (root / "one" / fmt.ATTACHMENTS_DIR).glob("*"):
            assert (
                root / "two" / fmt.ATTACHMENTS_DIR / blob.name
            ).read_bytes() == blob.read_bytes()
