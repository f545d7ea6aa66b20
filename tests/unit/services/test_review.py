"""Issue 17 phase B: co-signatures, review comments and signing lines (services/review.py),
on a real vault. Until keys17's real logins are merged, the supervisor is the owner's
session with its `login` switched (the keys are the owner's; the policy is the thing
under test here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.records import add_client, log_session_now
from tests.support.users import SUPERVISOR_PW, add, unlock_user
from tests.support.vaults import STRONG, code_for, make_vault
from therapynotes.domain.ids import NoteId
from therapynotes.domain.roles import OWNER_LOGIN, Login, Role
from therapynotes.errors import RoleRefused
from therapynotes.records_errors import (
    AlreadyCosigned,
    CommentEmpty,
    NotCosignable,
    SignatureLineInvalid,
    SignatureLineMissing,
)
from therapynotes.services import review
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.store import audit
from therapynotes.store.audit import AuditKind

SUPERVISOR = Login("rlee", Role.SUPERVISOR)
LINE = "Dr. R. Lee, PhD, licensed psychologist #12345"


def _notes(session: VaultSession, clock: FakeClock) -> dict[str, NoteId]:
    records = RecordsService(session, clock=clock)
    client = add_client(records, "Ada Canary")
    visit = log_session_now(records, clock, client)
    signed = records.start_note(client, "soap", session_id=visit)
    records.save_draft(signed, {"subjective": "better this week"})
    records.sign_note(signed)
    private = records.start_note(client, "psychotherapy", sections={"process": "private"})
    records.sign_note(private)
    draft = records.start_note(client, "soap", sections={"subjective": "draft"})
    voided = records.start_note(client, "soap", sections={"subjective": "wrong chart"})
    records.sign_note(voided)
    records.void_note(voided, "wrong chart")
    return {"signed": signed, "private": private, "draft": draft, "voided": voided}


def test_supervisor_cosigns_a_signed_note_once_and_the_note_is_unchanged(
    unlocked: VaultSession, clock: FakeClock
) -> None:
    ids = _notes(unlocked, clock)
    before = RecordsService(unlocked, clock=clock).get_note(ids["signed"])
    unlocked.login = SUPERVISOR
    assert [i.note_id for i in review.to_review(unlocked)] == [ids["signed"]]
    with pytest.raises(SignatureLineMissing):
        review.cosign(unlocked, ids["signed"])
    with pytest.raises(SignatureLineInvalid):
        review.set_signature(unlocked, "   ")
    review.set_signature(unlocked, f"  {LINE} ")
    assert review.signature(unlocked) == LINE
    made = review.cosign(unlocked, ids["signed"])
    assert (made.login, made.signature_line, made.note_id) == ("rlee", LINE, ids["signed"])
    assert review.cosignatures(unlocked, ids["signed"]) == [made]
    assert review.to_review(unlocked) == []
    with pytest.raises(AlreadyCosigned):
        review.cosign(unlocked, ids["signed"])
    unlocked.login = OWNER_LOGIN
    assert RecordsService(unlocked, clock=clock).get_note(ids["signed"]) == before
    rows = audit.entries(unlocked.conn)
    cosigned = [r for r in rows if r.kind == AuditKind.NOTE_COSIGNED]
    assert [(r.actor, r.subject) for r in cosigned] == [("rlee", f"note:{ids['signed']}")]
    assert audit.verify(unlocked.conn).ok


def test_cosign_refused_on_drafts_voided_and_psychotherapy_notes(
    unlocked: VaultSession, clock: FakeClock
) -> None:
    ids = _notes(unlocked, clock)
    unlocked.login = SUPERVISOR
    review.set_signature(unlocked, LINE)
    for which in ("draft", "voided"):
        with pytest.raises(NotCosignable):
            review.cosign(unlocked, ids[which])
    with pytest.raises(RoleRefused, match="A supervisor's login cannot open psychotherapy"):
        review.cosign(unlocked, ids["private"])
    with pytest.raises(RoleRefused):
        review.comments(unlocked, ids["private"])
    refused = [r for r in audit.entries(unlocked.conn) if r.kind == AuditKind.ACCESS_REFUSED]
    assert [(r.actor, r.detail["use"]) for r in refused] == [("rlee", "notes.psychotherapy")] * 2


def test_comments_are_kept_in_order_with_their_author(
    unlocked: VaultSession, clock: FakeClock
) -> None:
    ids = _notes(unlocked, clock)
    unlocked.login = SUPERVISOR
    with pytest.raises(CommentEmpty):
        review.add_comment(unlocked, ids["signed"], "  ")
    first = review.add_comment(unlocked, ids["signed"], "Consider a safety plan.")
    unlocked.login = OWNER_LOGIN
    reply = review.add_comment(unlocked, ids["signed"], "Done at the next session.")
    assert [(c.login, c.body) for c in review.comments(unlocked, ids["signed"])] == [
        ("rlee", "Consider a safety plan."),
        ("owner", "Done at the next session."),
    ]
    assert first.id < reply.id


def test_owner_cannot_cosign_and_an_assistant_cannot_review(
    unlocked: VaultSession, clock: FakeClock
) -> None:
    ids = _notes(unlocked, clock)
    with pytest.raises(RoleRefused, match="^The owner's login cannot co-sign notes.$"):
        review.cosign(unlocked, ids["signed"])
    unlocked.login = Login("sam", Role.ASSISTANT)
    for call in (
        lambda: review.to_review(unlocked),
        lambda: review.comments(unlocked, ids["signed"]),
        lambda: review.add_comment(unlocked, ids["signed"], "hi"),
        lambda: review.cosignatures(unlocked, ids["signed"]),
        lambda: review.signature(unlocked),
    ):
        with pytest.raises(RoleRefused, match="^An assistant's login cannot"):
            call()


def test_with_real_logins_a_supervisor_cosigns_and_the_owner_sees_it(
    vault_dir: Path, clock: FakeClock
) -> None:
    svc, created = make_vault(vault_dir, clock)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    lee = add(svc, owner, created, clock, "Dr Lee", "supervisor", SUPERVISOR_PW)
    ids = _notes(owner, clock)
    owner.lock()

    sup = unlock_user(svc, lee, SUPERVISOR_PW, clock)
    try:
        assert sup.login == Login("Dr Lee", Role.SUPERVISOR)
        records = RecordsService(sup, clock=clock)
        chart = records.open_chart(records.get_note(ids["signed"]).client_id)
        assert ids["private"] not in {n.id for n in chart.notes}  # never listed
        review.set_signature(sup, LINE)
        made = review.cosign(sup, ids["signed"])
        review.add_comment(sup, ids["signed"], "Consider a safety plan.")
    finally:
        sup.lock()

    clock.advance(30)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    try:
        assert review.cosignatures(owner, ids["signed"]) == [made]
        assert [c.login for c in review.comments(owner, ids["signed"])] == ["Dr Lee"]
        rows = [e for e in audit.entries(owner.conn) if e.actor == "Dr Lee"]
        assert {AuditKind.NOTE_COSIGNED, AuditKind.REVIEW_COMMENTED} <= {e.kind for e in rows}
        assert audit.verify(owner.conn).ok
    finally:
        owner.lock()
