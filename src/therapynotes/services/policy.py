"""What each role may do (issue 17): ONE table, checked at every service entry point.

`require(session, use)` is the first line of each use case the CLI and the window call:
a role the table does not list is refused before any query runs (an assistant's session
has no `clinical` schema attached, so a refused clinical use case must never reach the
database), the refusal is audited (`access.refused`, detail: the use case, actor: the
login) and `RoleRefused` names the role in one sentence.

Keys enforce the coarse line (an assistant's slot never receives the clinical key); this
table draws the rest, which keys cannot: a supervisor holds the clinical key but never
reads psychotherapy notes, never edits, voids, exports or purges. docs/security.md
"What each role may do" is checked against this table by a test.

Must not import PySide6.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import wraps
from types import MappingProxyType
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from therapynotes.domain.roles import Role
from therapynotes.errors import RoleRefused
from therapynotes.services.session import VaultSession
from therapynotes.store import audit
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import transaction


class UseCase(StrEnum):
    """One member per kind of service entry point (the value is written in audit rows)."""

    # clients, sessions, schedule, billing, practice (vault.db: the shared key)
    CLIENTS_READ = "clients.read"
    CLIENTS_WRITE = "clients.write"
    SESSIONS = "sessions"
    SCHEDULE = "schedule"
    BILLING = "billing"
    SUPERBILL_CODES = "billing.superbill"
    PRACTICE = "practice"
    PROFILE = "profile"
    # the clinical record (clinical.db: the clinical key)
    READ_NOTES = "notes.read"
    WRITE_NOTES = "notes.write"
    SIGN_NOTE = "notes.sign"
    VOID_NOTE = "notes.void"
    PSYCHOTHERAPY_NOTES = "notes.psychotherapy"
    DIAGNOSES = "diagnoses.read"
    EDIT_DIAGNOSES = "diagnoses.write"
    PLANS = "plans.read"
    EDIT_PLANS = "plans.write"
    MEASURES = "measures.read"
    RECORD_MEASURES = "measures.write"
    ATTACHMENTS = "attachments.read"
    ADD_ATTACHMENTS = "attachments.write"
    SEARCH = "search"
    CHART = "chart.read"
    CHART_PDF = "chart.pdf"
    FORM_DRAFTS = "form_drafts"
    SHARED_DRAFTS = "form_drafts.shared"
    TEMPLATES = "templates"
    SNIPPETS = "snippets"
    SPELLING = "spelling"
    # review (supervision)
    REVIEW = "review.read"
    COSIGN = "review.cosign"
    REVIEW_COMMENT = "review.comment"
    SIGNATURE = "review.signature"
    # the owner's business (a restore needs no login: the backup's owner passphrase or
    # the recovery key opens it, from the setup screen)
    EXPORT = "export"
    IMPORT = "import"
    PURGE = "retention.purge"
    RETENTION = "retention"
    CLIENT_HISTORY = "audit.client"
    AUDIT = "audit"
    SETTINGS = "settings"
    BACKUP = "backup"
    ROTATE = "rotate"
    KEYS = "keys"
    USERS = "users"
    DEMO = "demo"


_O = Role.OWNER
_A = Role.ASSISTANT
_S = Role.SUPERVISOR

# THE table. A use case missing here is allowed to nobody (a test checks every member
# has a row).
POLICY: Mapping[UseCase, frozenset[Role]] = MappingProxyType(
    {
        UseCase.CLIENTS_READ: frozenset({_O, _A, _S}),
        UseCase.CLIENTS_WRITE: frozenset({_O, _A}),
        UseCase.SESSIONS: frozenset({_O, _A}),
        UseCase.SCHEDULE: frozenset({_O, _A}),
        UseCase.BILLING: frozenset({_O, _A}),
        # A superbill carries diagnosis codes, which live under the clinical key: the
        # owner prints superbills (docs/security.md "What each role may do").
        UseCase.SUPERBILL_CODES: frozenset({_O}),
        UseCase.PRACTICE: frozenset({_O, _A}),
        UseCase.PROFILE: frozenset({_O}),
        UseCase.READ_NOTES: frozenset({_O, _S}),
        UseCase.WRITE_NOTES: frozenset({_O}),
        UseCase.SIGN_NOTE: frozenset({_O}),
        UseCase.VOID_NOTE: frozenset({_O}),
        UseCase.PSYCHOTHERAPY_NOTES: frozenset({_O}),
        UseCase.DIAGNOSES: frozenset({_O, _S}),
        UseCase.EDIT_DIAGNOSES: frozenset({_O}),
        UseCase.PLANS: frozenset({_O, _S}),
        UseCase.EDIT_PLANS: frozenset({_O}),
        UseCase.MEASURES: frozenset({_O, _S}),
        UseCase.RECORD_MEASURES: frozenset({_O}),
        UseCase.ATTACHMENTS: frozenset({_O, _S}),
        UseCase.ADD_ATTACHMENTS: frozenset({_O}),
        UseCase.SEARCH: frozenset({_O, _S}),
        UseCase.CHART: frozenset({_O, _S}),
        UseCase.CHART_PDF: frozenset({_O}),
        UseCase.FORM_DRAFTS: frozenset({_O, _S}),
        # Typing in dialogs without clinical text (vault.db): nothing typed is lost, for
        # every login (store/form_drafts.py SHARED_KINDS).
        UseCase.SHARED_DRAFTS: frozenset({_O, _A, _S}),
        UseCase.TEMPLATES: frozenset({_O}),
        UseCase.SNIPPETS: frozenset({_O}),
        UseCase.SPELLING: frozenset({_O}),
        UseCase.REVIEW: frozenset({_O, _S}),
        UseCase.COSIGN: frozenset({_S}),
        UseCase.REVIEW_COMMENT: frozenset({_O, _S}),
        UseCase.SIGNATURE: frozenset({_O, _S}),
        UseCase.EXPORT: frozenset({_O}),
        UseCase.IMPORT: frozenset({_O}),
        UseCase.PURGE: frozenset({_O}),
        UseCase.RETENTION: frozenset({_O}),
        UseCase.CLIENT_HISTORY: frozenset({_O}),
        UseCase.AUDIT: frozenset({_O}),
        UseCase.SETTINGS: frozenset({_O}),
        UseCase.BACKUP: frozenset({_O}),
        UseCase.ROTATE: frozenset({_O}),
        UseCase.KEYS: frozenset({_O}),
        UseCase.USERS: frozenset({_O}),
        UseCase.DEMO: frozenset({_O}),
    }
)

# What a refusal says after "An assistant's login cannot ..." (one sentence).
WHAT: Mapping[UseCase, str] = MappingProxyType(
    {
        UseCase.CLIENTS_READ: "see clients",
        UseCase.CLIENTS_WRITE: "add or change clients",
        UseCase.SESSIONS: "log sessions or attendance",
        UseCase.SCHEDULE: "use the schedule",
        UseCase.BILLING: "use billing",
        UseCase.SUPERBILL_CODES: "make a superbill, which carries diagnosis codes",
        UseCase.PRACTICE: "change the practice details",
        UseCase.PROFILE: "change the clinician profile",
        UseCase.READ_NOTES: "read notes",
        UseCase.WRITE_NOTES: "write or change notes",
        UseCase.SIGN_NOTE: "sign notes",
        UseCase.VOID_NOTE: "void notes",
        UseCase.PSYCHOTHERAPY_NOTES: "open psychotherapy notes",
        UseCase.DIAGNOSES: "see diagnoses",
        UseCase.EDIT_DIAGNOSES: "change diagnoses",
        UseCase.PLANS: "see treatment plans",
        UseCase.EDIT_PLANS: "change treatment plans",
        UseCase.MEASURES: "see measures",
        UseCase.RECORD_MEASURES: "record measures",
        UseCase.ATTACHMENTS: "open attachments",
        UseCase.ADD_ATTACHMENTS: "add attachments",
        UseCase.SEARCH: "search notes",
        UseCase.CHART: "open a client's chart",
        UseCase.CHART_PDF: "print or save a chart",
        UseCase.FORM_DRAFTS: "keep clinical drafts",
        UseCase.SHARED_DRAFTS: "keep what is typed in other forms over a lock",
        UseCase.TEMPLATES: "change note templates",
        UseCase.SNIPPETS: "change snippets",
        UseCase.SPELLING: "change the spelling dictionary",
        UseCase.REVIEW: "see the notes to review",
        UseCase.COSIGN: "co-sign notes",
        UseCase.REVIEW_COMMENT: "leave review comments",
        UseCase.SIGNATURE: "keep a signing line",
        UseCase.EXPORT: "export records",
        UseCase.IMPORT: "import records",
        UseCase.PURGE: "purge records",
        UseCase.RETENTION: "change retention or legal holds",
        UseCase.CLIENT_HISTORY: "see a client's access history",
        UseCase.AUDIT: "see the audit trail",
        UseCase.SETTINGS: "change the vault's settings",
        UseCase.BACKUP: "make or check backups",
        UseCase.ROTATE: "rotate the data keys",
        UseCase.KEYS: "change the vault's keys",
        UseCase.USERS: "add, change or remove users: only the owner can",
        UseCase.DEMO: "load the demo practice",
    }
)


def allowed(role: Role, use: UseCase) -> bool:
    return role in POLICY.get(use, frozenset())


def refusal(role: Role, use: UseCase) -> RoleRefused:
    return RoleRefused(role, WHAT[use])


def require(session: VaultSession, use: UseCase) -> None:
    """Return when the session's login may do `use`; otherwise audit the refusal (in a
    transaction of its own, or in the caller's when one is open) and raise RoleRefused.
    Runs no query when allowed, and only the audit row when refused."""
    login = session.login
    if allowed(login.role, use):
        return
    with session.db_lock:
        conn = session.conn
        if conn.in_transaction:
            audit.append(conn, AuditKind.ACCESS_REFUSED, detail={"use": str(use)})
        else:
            with transaction(conn):
                audit.append(conn, AuditKind.ACCESS_REFUSED, detail={"use": str(use)})
    raise refusal(login.role, use)


class _HasSession(Protocol):
    session: VaultSession


P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound=_HasSession)


def guarded(
    use: UseCase,
) -> Callable[[Callable[Concatenate[S, P], R]], Callable[Concatenate[S, P], R]]:
    """Decorate a method of a service holding `self.session`: `require` runs first."""

    def wrap(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
        @wraps(method)
        def checked(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            require(self.session, use)
            return method(self, *args, **kwargs)

        checked.__dict__["use_case"] = use
        return checked

    return wrap


def session_guarded(
    use: UseCase,
) -> Callable[
    [Callable[Concatenate[VaultSession, P], R]], Callable[Concatenate[VaultSession, P], R]
]:
    """Decorate a function whose first argument is the session: `require` runs first."""

    def wrap(
        func: Callable[Concatenate[VaultSession, P], R],
    ) -> Callable[Concatenate[VaultSession, P], R]:
        @wraps(func)
        def checked(session: VaultSession, /, *args: P.args, **kwargs: P.kwargs) -> R:
            require(session, use)
            return func(session, *args, **kwargs)

        checked.__dict__["use_case"] = use
        return checked

    return wrap


def has_clinical_key(session: VaultSession) -> bool:
    """Whether the session's login can read clinical.db at all (not an assistant)."""
    return allowed(session.login.role, UseCase.READ_NOTES)


def markdown_table() -> str:
    """docs/security.md's "What each role may do" table, from POLICY (a test checks the
    document holds exactly this, so the two cannot drift)."""
    roles = (Role.OWNER, Role.SUPERVISOR, Role.ASSISTANT)
    lines = [
        "| Use case | What it covers | " + " | ".join(r.value for r in roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for use in UseCase:
        marks = " | ".join("yes" if allowed(r, use) else "no" for r in roles)
        lines.append(f"| `{use.value}` | {WHAT[use]} | {marks} |")
    return "\n".join(lines) + "\n"
