"""RecordsService use cases: clients, sessions (incl. group), the note life cycle, plans,
attachments, notes due, and the audit rows each write leaves (without record content)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.records import add_client, log_session_now
from therapynotes.domain import rules
from therapynotes.domain.enums import Attendance, ClientStatus, Modality, NoteState
from therapynotes.domain.models import ClientFields, Goal, Objective, PlanContent, Problem
from therapynotes.errors import InputError, TherapyNotesError
from therapynotes.records_errors import (
    AttachmentCorrupt,
    AttachmentTooLarge,
    ClientNotFound,
    DuplicateNote,
    InvalidRecord,
    NotAParticipant,
    NoteEmpty,
    NoteNotSigned,
    NoteSigned,
    SectionsMismatch,
    UnknownDiagnosisCode,
    UnknownServiceCode,
    UnknownTemplate,
    VoidReasonRequired,
)
from therapynotes.services.records import RecordsService
from therapynotes.store import audit

CANARY = "Zqxcanary"


def _audit_rows(records: RecordsService) -> list[audit.AuditEntry]:
    return audit.entries(records.conn)


def test_client_create_update_and_audit_without_names(records: RecordsService) -> None:
    client = add_client(records, f"{CANARY} Legal", preferred_name=f"{CANARY}Pref")
    assert records.get_client(client).display_name == f"{CANARY} Legal ({CANARY}Pref)"
    fields = ClientFields(
        legal_name=f"{CANARY} Legal",
        status=ClientStatus.DISCHARGED,
        discharge_date="2027-01-10",
    )
    records.update_client(client, fields)
    assert records.get_client(client).status is ClientStatus.DISCHARGED
    kinds = [(e.kind, e.subject) for e in _audit_rows(records)[-2:]]
    assert kinds == [("record.created", f"client:{client}"), ("record.edited", f"client:{client}")]
    changed = _audit_rows(records)[-1].detail["fields"]
    assert changed == ["discharge_date", "preferred_name", "status"]
    dump = json.dumps([e.__dict__ for e in _audit_rows(records)])
    assert CANARY not in dump
    with pytest.raises(InvalidRecord):
        records.update_client(client, ClientFields(f"{CANARY}", status=ClientStatus.DISCHARGED))
    with pytest.raises(ClientNotFound):
        records.update_client(client + 99, fields)  # type: ignore[arg-type]


def test_sign_hash_late_entry_and_immutability(records: RecordsService, clock: FakeClock) -> None:
    client = add_client(records)
    session = log_session_now(records, clock, client)
    note = records.start_note(client, "soap", session_id=session)
    records.save_draft(note, {"subjective": "s", "plan": "p"})
    clock.advance(2 * 3600)
    signed = records.sign_note(note)
    assert signed.state is NoteState.SIGNED and not signed.late_entry
    assert signed.content_hash == rules.note_content_hash(
        client_id=client,
        session_id=session,
        kind="progress",
        template="soap",
        service_date=signed.service_date,
        sections=signed.sections,
        signed_at=signed.signed_at or "",
    )
    with pytest.raises(NoteSigned):
        records.save_draft(note, {"subjective": "changed"})
    with pytest.raises(NoteSigned):
        records.discard_draft(note)
    assert records.get_note(note).sections["subjective"] == "s"
    assert _audit_rows(records)[-1].kind == "note.signed"


def test_late_entry_label_uses_the_setting(records: RecordsService, clock: FakeClock) -> None:
    client = add_client(records)
    first = records.start_note(client, "soap", session_id=log_session_now(records, clock, client))
    second = records.start_note(
        client, "soap", session_id=log_session_now(records, clock, client, code="90837")
    )
    for n in (first, second):
        records.save_draft(n, {"subjective": "x"})
    clock.advance(25 * 3600)
    assert records.sign_note(first).late_entry
    records.set_late_entry_hours(48)
    assert not records.sign_note(second).late_entry
    note = records.get_note(first)
    assert note.service_date < (note.signed_at or "")[:10]  # both dates are kept
    assert _audit_rows(records)[-1].detail == {"late_entry": False}


def test_empty_note_cannot_be_signed(records: RecordsService) -> None:
    note = records.start_note(add_client(records), "dap")
    with pytest.raises(NoteEmpty):
        records.sign_note(note)


def test_addendum_keeps_the_original(records: RecordsService) -> None:
    client = add_client(records)
    note = records.start_note(client, "freeform", sections={"text": "original"})
    with pytest.raises(NoteNotSigned):
        records.add_addendum(note, "too early")
    signed = records.sign_note(note)
    records.add_addendum(note, "correction: the date was wrong")
    again = records.get_note(note)
    assert again.sections == signed.sections and again.content_hash == signed.content_hash
    (addendum,) = again.addenda
    assert addendum.text == "correction: the date was wrong"
    assert addendum.content_hash == rules.addendum_content_hash(
        note_hash=signed.content_hash or "", text=addendum.text, signed_at=addendum.signed_at
    )
    assert _audit_rows(records)[-1].kind == "note.addended"
    with pytest.raises(NoteEmpty):
        records.add_addendum(note, "  ")


def test_void_keeps_history_with_reason(records: RecordsService) -> None:
    client = add_client(records)
    note = records.start_note(client, "freeform", sections={"text": "wrong chart"})
    with pytest.raises(NoteNotSigned):
        records.void_note(note, "wrong chart")
    records.sign_note(note)
    with pytest.raises(VoidReasonRequired):
        records.void_note(note, " ")
    records.void_note(note, f"{CANARY} wrong chart")
    voided = records.get_note(note)
    assert voided.state is NoteState.VOIDED and voided.void_reason == f"{CANARY} wrong chart"
    assert note in [n.id for n in records.open_chart(client).notes]
    last = _audit_rows(records)[-2]  # then the chart view
    assert last.kind == "note.voided" and CANARY not in json.dumps(last.detail)
    with pytest.raises(NoteNotSigned):
        records.add_addendum(note, "after void")
    with pytest.raises(NoteNotSigned):
        records.void_note(note, "twice")


def test_group_session_one_note_per_participant(records: RecordsService, clock: FakeClock) -> None:
    a, b, c, outsider = (add_client(records, n) for n in ("Ann", "Ben", "Cat", "Out"))
    session = log_session_now(records, clock, a, b, c, code="90853", minutes=90)
    for client in (a, b, c):
        chart = records.open_chart(client)
        assert [s.id for s in chart.sessions] == [session]
        assert {p.client_id for p in chart.sessions[0].participants} == {a, b, c}
    notes = {client: records.start_note(client, "birp", session_id=session) for client in (a, b)}
    with pytest.raises(DuplicateNote):
        records.start_note(a, "soap", session_id=session)
    with pytest.raises(NotAParticipant):
        records.start_note(outsider, "soap", session_id=session)
    records.start_note(a, "psychotherapy", session_id=session)  # the private note may sit beside
    records.save_draft(notes[a], {"behavior": "engaged"})
    records.sign_note(notes[a])
    assert [n.id for n in records.open_chart(b).notes] == [notes[b]]
    due = {(d.client_id, d.session_id) for d in records.notes_due()}
    assert due == {(b, session), (c, session)}


def test_log_session_validation(records: RecordsService, clock: FakeClock) -> None:
    client = add_client(records)
    start = datetime.fromtimestamp(clock(), UTC)
    with pytest.raises(UnknownServiceCode):
        records.log_session(
            [client], starts_at=start, ends_at=start, service_code="12345", modality=Modality.VIDEO
        )
    with pytest.raises(InvalidRecord):
        records.log_session(
            [client],
            starts_at=start,
            ends_at=start - timedelta(minutes=1),
            service_code="90834",
            modality=Modality.VIDEO,
        )
    with pytest.raises(InvalidRecord):
        records.log_session(
            [client, client],
            starts_at=start,
            ends_at=start,
            service_code="90834",
            modality=Modality.VIDEO,
        )
    with pytest.raises(ClientNotFound):
        records.log_session(
            [client + 5],
            starts_at=start,
            ends_at=start,
            service_code="90834",
            modality=Modality.VIDEO,
        )  # type: ignore[list-item]


def test_notes_due_and_client_list(records: RecordsService, clock: FakeClock) -> None:
    a, b = add_client(records, "Ann"), add_client(records, "Ben")
    old = log_session_now(records, clock, a)
    clock.advance(30 * 3600)
    recent = log_session_now(records, clock, a)
    missed = log_session_now(records, clock, b)
    records.set_attendance(missed, b, Attendance.NO_SHOW)
    clock.advance(60)
    due = records.notes_due()
    assert [(d.session_id, d.overdue) for d in due] == [(old, True), (recent, False)]
    rows = {r.id: r for r in records.list_clients()}
    assert rows[a].notes_due == 2 and rows[b].notes_due == 0
    assert rows[a].last_session == records.open_chart(a).sessions[0].service_date
    note = records.start_note(a, "soap", session_id=old)
    records.save_draft(note, {"plan": "x"})
    records.sign_note(note)
    assert [d.session_id for d in records.notes_due(a)] == [recent]
    records.update_client(b, ClientFields("Ben", status=ClientStatus.INACTIVE))
    assert [r.id for r in records.list_clients()] == [a]
    assert {r.id for r in records.list_clients(include_all=True)} == {a, b}


def test_draft_revisions_per_meaningful_save(records: RecordsService, clock: FakeClock) -> None:
    note = records.start_note(add_client(records), "freeform")
    assert records.save_draft(note, {"text": "a"}) is False  # seconds later, tiny change
    clock.advance(10)
    assert records.save_draft(note, {"text": "a" * 400}) is True  # big change
    clock.advance(10)
    assert records.save_draft(note, {"text": "a" * 401}) is False
    clock.advance(6 * 60)
    assert records.save_draft(note, {"text": "a" * 402}) is True  # five minutes on
    assert [len(r[1]["text"]) for r in records.draft_revisions(note)] == [0, 400, 402]
    assert records.get_note(note).sections == {"text": "a" * 402}  # every save lands
    with pytest.raises(SectionsMismatch):
        records.save_draft(note, {"nope": "x"})


def test_start_from_last_note(records: RecordsService, clock: FakeClock) -> None:
    client = add_client(records)
    first = records.start_note(client, "girp", session_id=log_session_now(records, clock, client))
    records.save_draft(first, {"goals": "sleep 7 h", "plan": "keep the diary"})
    records.sign_note(first)
    clock.advance(7 * 86400)
    second_session = log_session_now(records, clock, client)
    copy = records.get_note(records.start_from_last_note(client, second_session))
    assert copy.template == "girp" and copy.state is NoteState.DRAFT
    assert copy.sections["goals"] == "sleep 7 h" and copy.session_id == second_session
    other = add_client(records, "New")
    fresh = records.get_note(
        records.start_from_last_note(other, log_session_now(records, clock, other, code="90791"))
    )
    assert fresh.template == "soap" and not any(fresh.sections.values())


def test_unknown_template(records: RecordsService) -> None:
    with pytest.raises(UnknownTemplate):
        records.start_note(add_client(records), "haiku")


def test_diagnoses(records: RecordsService) -> None:
    client = add_client(records)
    records.add_diagnosis(client, "f411", primary=True)
    records.add_diagnosis(client, "F32.1", primary=True)
    dx = records.open_chart(client).diagnoses
    assert [(d.code, d.primary) for d in dx] == [("F32.1", True), ("F41.1", False)]
    with pytest.raises(UnknownDiagnosisCode):
        records.add_diagnosis(client, "F41")
    assert records.find_diagnosis("generalized anxiety")[0].code == "F41.1"


def test_treatment_plan_versions(records: RecordsService) -> None:
    client = add_client(records)
    goal = Goal("Sleep better", (Objective("7 h on 5 nights", "2027-03-01"),), ("CBT-I",))
    v1 = PlanContent((Problem("Insomnia", (goal,)),), review_date="2027-04-01")
    v2 = PlanContent((Problem("Insomnia", (goal,)), Problem("Low mood")), review_date="2027-07-01")
    assert records.save_plan(client, v1, effective_date="2027-01-01")[1] == 1
    assert records.save_plan(client, v2, effective_date="2027-04-01")[1] == 2
    versions = records.plan_versions(client)
    assert [p.content for p in versions] == [v1, v2]
    chart_plan = records.open_chart(client).plan
    assert chart_plan is not None and chart_plan.version == 2
    with pytest.raises(InvalidRecord):
        records.save_plan(client, PlanContent(()), effective_date="2027-01-01")


def test_attachments_integrity_and_size_cap(records: RecordsService) -> None:
    client = add_client(records)
    for size in (0, 1, 64 * 1024 - 1, 64 * 1024 + 1):
        data = bytes(range(256)) * (size // 256) + bytes(size % 256)
        att = records.add_attachment(
            client, filename="consent.pdf", media_type="application/pdf", data=data
        )
        assert records.read_attachment(att) == data
    meta = records.open_chart(client).attachments[-1]
    assert meta.size == 64 * 1024 + 1 and meta.sha256 == hashlib.sha256(data).hexdigest()
    records.conn.execute("UPDATE attachments SET sha256 = printf('%064d', 0) WHERE id = ?", (att,))
    with pytest.raises(AttachmentCorrupt):
        records.read_attachment(att)
    records.conn.execute("UPDATE settings SET value = '1000' WHERE key = 'attachment_max_bytes'")
    with pytest.raises(AttachmentTooLarge) as caught:
        records.add_attachment(
            client, filename=f"{CANARY}.pdf", media_type="application/pdf", data=b"x" * 1001
        )
    assert CANARY not in str(caught.value)
    with pytest.raises(InputError):
        records.set_late_entry_hours(0)


def test_chart_view_is_audited_and_excludes_psychotherapy(records: RecordsService) -> None:
    client = add_client(records)
    private = records.start_note(client, "psychotherapy", sections={"process": "mine"})
    chart = records.open_chart(client)
    assert private not in [n.id for n in chart.notes]
    assert private in [n.id for n in records.open_chart(client, include_psychotherapy=True).notes]
    views = [e for e in _audit_rows(records) if e.kind == "chart.viewed"]
    assert [v.detail for v in views] == [
        {"psychotherapy_notes": False},
        {"psychotherapy_notes": True},
    ]
    with pytest.raises(ClientNotFound):
        records.open_chart(client + 100)  # type: ignore[arg-type]


def test_every_write_is_audited_in_its_transaction(
    records: RecordsService, clock: FakeClock
) -> None:
    before = len(_audit_rows(records))
    client = add_client(records)
    session = log_session_now(records, clock, client)
    note = records.start_note(client, "soap", session_id=session)
    records.save_draft(note, {"subjective": "x" * 500})
    records.sign_note(note)
    records.add_addendum(note, "more")
    records.void_note(note, "reason")
    kinds = [e.kind for e in _audit_rows(records)[before:]]
    assert kinds == [
        "record.created",
        "record.created",
        "record.created",
        "record.edited",
        "note.signed",
        "note.addended",
        "note.voided",
    ]
    assert audit.verify(records.conn).ok


def test_errors_never_carry_record_content(records: RecordsService) -> None:
    client = add_client(records, CANARY)
    note = records.start_note(client, "freeform", sections={"text": CANARY})
    records.sign_note(note)
    for action in (
        lambda: records.save_draft(note, {"text": CANARY}),
        lambda: records.void_note(note, ""),
        lambda: records.start_note(client, CANARY),
    ):
        with pytest.raises(TherapyNotesError) as caught:
            action()
        assert CANARY not in str(caught.value) and CANARY not in repr(caught.value)


def test_backdated_note_counts_late_from_its_day(records: RecordsService, clock: FakeClock) -> None:
    client = add_client(records)
    today = rules.instant_from_timestamp(clock())[:10]
    earlier = (datetime.fromisoformat(today) - timedelta(days=3)).date().isoformat()
    late = records.start_note(client, "contact", service_date=earlier, sections={"summary": "x"})
    prompt = records.start_note(client, "contact", sections={"summary": "y"})
    assert records.sign_note(late).late_entry
    assert not records.sign_note(prompt).late_entry
    assert records.get_note(late).service_date == earlier


def test_a_huge_file_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from therapynotes.services import records as records_module

    path = tmp_path / "holiday-video.mp4"
    path.write_bytes(b"x" * 2048)
    monkeypatch.setattr(records_module, "ATTACHMENT_READ_CEILING", 1024)
    monkeypatch.setattr(Path, "read_bytes", lambda _self: pytest.fail("read before refusing"))
    with pytest.raises(AttachmentTooLarge):
        records_module.read_attachment_file(path)
