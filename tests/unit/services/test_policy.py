"""Issue 17 phase B: every use case x every role, through the real service functions.

Each use case has one real entry point called below, once per role, on a real vault with
real logins (keys17's `unlock(user=)`): allowed means the call ran (it may still fail
for its own reasons, e.g. a wrong passphrase, but never with RoleRefused nor a database
error); refused means RoleRefused naming the role, and one `access.refused` audit row
naming the login and the use case.

The assistant's session has vault.db alone (no `clinical` schema), so a refused clinical
use case that reached the database would fail with "no such table", not RoleRefused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import STRONG, FakeClock
from tests.support.records import add_client, log_session_now
from tests.support.users import ASSISTANT_PW, SUPERVISOR_PW, add, unlock_user
from tests.support.vaults import code_for, make_vault
from therapynotes.domain.billing import Practice
from therapynotes.domain.ids import ClientId, NoteId
from therapynotes.domain.models import ClientFields
from therapynotes.domain.profile import ClinicianProfile
from therapynotes.domain.roles import Role
from therapynotes.errors import RoleRefused, TherapyNotesError
from therapynotes.services import audit_trail, billing_documents, demo, review
from therapynotes.services.backups import BackupService
from therapynotes.services.billing import BillingService
from therapynotes.services.chart_document import ChartOptions, chart_pdf_document
from therapynotes.services.measures import MeasuresService
from therapynotes.services.policy import POLICY, UseCase, allowed
from therapynotes.services.portable import PortableService
from therapynotes.services.preferences import save_security_settings
from therapynotes.services.profile import ProfileService
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.services.rotation import KeyRotation
from therapynotes.services.schedule import ScheduleService
from therapynotes.services.session import VaultSession
from therapynotes.services.snippets import SnippetService
from therapynotes.services.spelling import SpellingService
from therapynotes.services.templates import TemplateService
from therapynotes.services.users import AddedUser
from therapynotes.services.vault import VaultService
from therapynotes.services.vault_create import CreatedVault
from therapynotes.settings import SecuritySettings
from therapynotes.store import audit
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import driver, has_clinical
from therapynotes.store.form_drafts import FormDraft


@dataclass
class Ctx:
    session: VaultSession
    clock: FakeClock
    tmp: Path
    client: ClientId
    signed: NoteId
    draft: NoteId

    @property
    def records(self) -> RecordsService:
        return RecordsService(self.session, clock=self.clock)


Call = Callable[[Ctx], object]

_TODAY = date(2027, 1, 15)

CALLS: dict[UseCase, Call] = {
    UseCase.CLIENTS_READ: lambda c: c.records.list_clients(include_all=True),
    UseCase.CLIENTS_WRITE: lambda c: c.records.create_client(ClientFields("Bea Newcomer")),
    UseCase.SESSIONS: lambda c: c.records.sessions_on("2027-01-01"),
    UseCase.SCHEDULE: lambda c: ScheduleService(c.session, clock=c.clock).between(_TODAY, _TODAY),
    UseCase.BILLING: lambda c: BillingService(c.session, clock=c.clock).balance(c.client),
    UseCase.SUPERBILL_CODES: lambda c: billing_documents.require_document(c.session, "superbill"),
    UseCase.PRACTICE: lambda c: BillingService(c.session, clock=c.clock).set_practice(
        Practice("Lee Counselling")
    ),
    UseCase.PROFILE: lambda c: ProfileService(c.session, clock=c.clock).set(
        ClinicianProfile("Dana Reyes", "LCSW", "12345")
    ),
    UseCase.READ_NOTES: lambda c: c.records.get_note(c.signed),
    UseCase.WRITE_NOTES: lambda c: c.records.start_note(c.client, "soap"),
    UseCase.SIGN_NOTE: lambda c: c.records.sign_note(c.draft),
    UseCase.VOID_NOTE: lambda c: c.records.void_note(c.signed, "wrong chart"),
    UseCase.PSYCHOTHERAPY_NOTES: lambda c: c.records.open_chart(
        c.client, include_psychotherapy=True
    ),
    UseCase.DIAGNOSES: lambda c: c.records.diagnoses(c.client),
    UseCase.EDIT_DIAGNOSES: lambda c: c.records.add_diagnosis(c.client, "F41.1"),
    UseCase.PLANS: lambda c: c.records.plan_versions(c.client),
    UseCase.EDIT_PLANS: lambda c: c.records.save_plan(
        c.client, _plan(), effective_date="2027-01-01"
    ),
    UseCase.MEASURES: lambda c: MeasuresService(c.session, clock=c.clock).history(c.client),
    UseCase.RECORD_MEASURES: lambda c: MeasuresService(c.session, clock=c.clock).address_risk(
        999, "called the client"
    ),
    UseCase.ATTACHMENTS: lambda c: c.records.read_attachment(999),  # type: ignore[arg-type]
    UseCase.ADD_ATTACHMENTS: lambda c: c.records.add_attachment(
        c.client, filename="letter.pdf", media_type="application/pdf", data=b"%PDF-1.4"
    ),
    UseCase.SEARCH: lambda c: c.records.search("better"),
    UseCase.CHART: lambda c: c.records.open_chart(c.client),
    UseCase.CHART_PDF: lambda c: chart_pdf_document(
        c.session, c.client, ChartOptions(), today=_TODAY
    ),
    UseCase.FORM_DRAFTS: lambda c: c.records.keep_form_drafts(
        [FormDraft("note.addendum", c.client, {"text": "half a sentence"})]
    ),
    UseCase.SHARED_DRAFTS: lambda c: c.records.keep_form_drafts(
        [FormDraft("client.edit", c.client, {"phone": "555 0100"})]
    ),
    UseCase.TEMPLATES: lambda c: TemplateService(c.session, clock=c.clock).entries(),
    UseCase.SNIPPETS: lambda c: SnippetService(c.session, clock=c.clock).all(),
    UseCase.SPELLING: lambda c: SpellingService(c.session, clock=c.clock).words(),
    UseCase.REVIEW: lambda c: review.to_review(c.session),
    UseCase.COSIGN: lambda c: review.cosign(c.session, c.signed),
    UseCase.REVIEW_COMMENT: lambda c: review.add_comment(c.session, c.signed, "Looks right."),
    UseCase.SIGNATURE: lambda c: review.signature(c.session),
    UseCase.EXPORT: lambda c: PortableService(c.session, clock=c.clock).export_json(c.tmp / "out"),
    UseCase.IMPORT: lambda c: PortableService(c.session, clock=c.clock).import_json(
        c.tmp / "nothing-here"
    ),
    UseCase.PURGE: lambda c: RetentionService(c.session, clock=c.clock).preview_purge(c.client),
    UseCase.RETENTION: lambda c: RetentionService(c.session, clock=c.clock).statuses(),
    UseCase.CLIENT_HISTORY: lambda c: c.records.client_history(c.client),
    UseCase.AUDIT: lambda c: audit_trail.find(c.records, audit_trail.TrailFilter()),
    UseCase.SETTINGS: lambda c: save_security_settings(
        c.session, SecuritySettings(idle_timeout_minutes=9)
    ),
    UseCase.BACKUP: lambda c: BackupService(c.session, clock=c.clock).verify(c.tmp / "none"),
    UseCase.ROTATE: lambda c: KeyRotation(
        VaultService(c.session.paths.root, clock=c.clock)
    ).prepare(c.session, "not the passphrase", new_recovery_key=True),
    UseCase.KEYS: lambda c: _vault(c).change_passphrase(c.session, "not the passphrase", STRONG),
    UseCase.DEMO: lambda c: demo.load(c.session, demo.DemoSpec(clients=1), today=_TODAY),
    UseCase.USERS: lambda c: _vault(c).add_user(
        c.session,
        name="eve",
        role="assistant",
        owner_passphrase="not the passphrase",
        owner_code="000000",
        user_passphrase=ASSISTANT_PW,
    ),
}


def _vault(c: Ctx) -> VaultService:
    return VaultService(c.session.paths.root, clock=c.clock)


def _plan() -> object:
    from therapynotes.domain.models import Goal, Objective, PlanContent, Problem  # noqa: PLC0415

    goal = Goal("Sleep through", (Objective("5 nights a week", "2027-06-01"),), ("CBT-I",))
    return PlanContent((Problem("Insomnia", (goal,)),), review_date="2027-06-01")


def test_every_use_case_has_a_row_and_a_call() -> None:
    assert set(POLICY) == set(UseCase)
    assert set(CALLS) == set(UseCase)
    assert all(allowed(Role.OWNER, u) for u in UseCase if u is not UseCase.COSIGN)


@dataclass
class Vault:
    svc: VaultService
    created: CreatedVault
    users: dict[Role, AddedUser]
    ids: dict[str, int]


@pytest.fixture
def vault(vault_dir: Path, clock: FakeClock) -> Vault:
    svc, created = make_vault(vault_dir, clock)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    try:
        users = {
            Role.SUPERVISOR: add(svc, owner, created, clock, "rlee", "supervisor", SUPERVISOR_PW),
            Role.ASSISTANT: add(svc, owner, created, clock, "sam", "assistant", ASSISTANT_PW),
        }
        records = RecordsService(owner, clock=clock)
        client = add_client(records, "Ada Canary")
        visit = log_session_now(records, clock, client)
        signed = records.start_note(client, "soap", session_id=visit)
        records.save_draft(signed, {"subjective": "better this week"})
        records.sign_note(signed)
        draft = records.start_note(client, "soap", sections={"subjective": "draft"})
    finally:
        owner.lock()
    return Vault(svc, created, users, {"client": client, "signed": signed, "draft": draft})


def _unlock(vault: Vault, role: Role, clock: FakeClock) -> VaultSession:
    if role is Role.OWNER:
        clock.advance(30)
        return vault.svc.unlock(STRONG, code_for(vault.created, clock()))
    password = SUPERVISOR_PW if role is Role.SUPERVISOR else ASSISTANT_PW
    return unlock_user(vault.svc, vault.users[role], password, clock)


def _run(vault: Vault, use: UseCase, role: Role, clock: FakeClock, tmp: Path) -> None:
    session = _unlock(vault, role, clock)
    try:
        assert session.login.role is role
        if role is Role.ASSISTANT:
            assert not has_clinical(session.conn)
            with pytest.raises(driver().OperationalError, match="no such table"):
                session.conn.execute("SELECT count(*) FROM notes").fetchone()
        c = Ctx(
            session,
            clock,
            tmp,
            ClientId(vault.ids["client"]),
            NoteId(vault.ids["signed"]),
            NoteId(vault.ids["draft"]),
        )
        before = len(audit.entries(session.conn))
        if allowed(role, use):
            try:
                CALLS[use](c)
            except RoleRefused:
                pytest.fail(f"{role} was refused {use}")
            except TherapyNotesError:
                pass  # allowed; failed for its own reason (wrong passphrase, no such file)
        else:
            with pytest.raises(RoleRefused) as refused:
                CALLS[use](c)
            article = {Role.ASSISTANT: "An", Role.SUPERVISOR: "A", Role.OWNER: "The"}[role]
            assert refused.value.message.startswith(f"{article} {role}'s login cannot ")
            assert refused.value.message.count(".") == 1
            rows = audit.entries(session.conn)[before:]
            # Psychotherapy notes come through a chart: an assistant is refused the chart.
            audited = use
            if use is UseCase.PSYCHOTHERAPY_NOTES and role is Role.ASSISTANT:
                audited = UseCase.CHART
            assert [(r.kind, r.actor, r.detail) for r in rows] == [
                (AuditKind.ACCESS_REFUSED, session.login.name, {"use": str(audited)})
            ]
    finally:
        session.lock("test finished")


@pytest.mark.parametrize("use", sorted(CALLS, key=str), ids=str)
def test_each_role_is_allowed_or_refused_through_the_real_service(
    vault: Vault, clock: FakeClock, tmp_path: Path, use: UseCase
) -> None:
    # The roles one after the other on one vault: refusals change nothing, and the owner
    # goes last (a void or an export may change what the others would see).
    for role in (Role.ASSISTANT, Role.SUPERVISOR, Role.OWNER):
        _run(vault, use, role, clock, tmp_path)
    session = _unlock(vault, Role.OWNER, clock)
    try:
        assert audit.verify(session.conn).ok
    finally:
        session.lock("test finished")
