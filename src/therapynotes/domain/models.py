"""Frozen dataclasses of the clinical record. Dates are ISO strings as stored
('YYYY-MM-DD' for calendar dates, 'YYYY-MM-DDTHH:MM:SSZ' UTC for instants), so the
domain stays free of time-zone policy; see docs/records.md."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from therapynotes.domain.enums import Attendance, ClientStatus, Modality, NoteKind, NoteState
from therapynotes.domain.ids import (
    AddendumId,
    AttachmentId,
    ClientId,
    DiagnosisId,
    NoteId,
    PlanId,
    SessionId,
)
from therapynotes.domain.rules import parse_instant


@dataclass(frozen=True)
class ClientFields:
    """The editable part of a client; `Client` adds what the store assigns."""

    legal_name: str
    preferred_name: str = ""
    pronouns: str = ""
    date_of_birth: str | None = None
    phone: str = ""
    email: str = ""
    address: str = ""
    emergency_contact: str = ""
    guardian: str = ""
    referral_source: str = ""
    intake_date: str | None = None
    status: ClientStatus = ClientStatus.ACTIVE
    discharge_date: str | None = None
    alerts: str = ""

    @property
    def display_name(self) -> str:
        return display_name(self.legal_name, self.preferred_name)


def display_name(legal_name: str, preferred_name: str = "") -> str:
    """How a client is shown wherever two clients could be confused (lists, search hits,
    filters, dialogs, the chart header, the CLI): the full legal name as written, with
    the preferred name in brackets when it says something the legal name does not.
    'Alexandra Rivera' + 'Alex' -> 'Alexandra Rivera (Alex)'; lists sort by this text."""
    legal, preferred = " ".join(legal_name.split()), " ".join(preferred_name.split())
    if not legal:
        return preferred
    if not preferred or f" {preferred.casefold()} " in f" {legal.casefold()} ":
        return legal
    return f"{legal} ({preferred})"


def name_sort_key(name: str) -> tuple[str, str]:
    """Sort by what is shown: ignoring case first, the exact text to break ties."""
    return (name.casefold(), name)


@dataclass(frozen=True)
class Client:
    id: ClientId
    fields: ClientFields
    created_at: str
    updated_at: str

    @property
    def display_name(self) -> str:
        return self.fields.display_name

    @property
    def status(self) -> ClientStatus:
        return self.fields.status


@dataclass(frozen=True)
class ClientSummary:
    """One row of the client list."""

    id: ClientId
    display_name: str
    status: ClientStatus
    last_session: str | None
    notes_due: int


@dataclass(frozen=True)
class Diagnosis:
    id: DiagnosisId
    client_id: ClientId
    code: str
    description: str
    primary: bool
    onset_date: str | None
    resolved_date: str | None


@dataclass(frozen=True)
class Participant:
    client_id: ClientId
    attendance: Attendance


@dataclass(frozen=True)
class ServiceEntry:
    """A session in the service log; couple, family and group sessions have several
    participants, and each participant's chart shows the session."""

    id: SessionId
    service_date: str
    starts_at: str
    ends_at: str
    service_code: str
    modality: Modality
    place: str
    participants: tuple[Participant, ...]

    @property
    def duration_minutes(self) -> int:
        delta = parse_instant(self.ends_at) - parse_instant(self.starts_at)
        return int(delta.total_seconds() // 60)


@dataclass(frozen=True)
class Addendum:
    id: AddendumId
    note_id: NoteId
    text: str
    signed_at: str
    content_hash: str
    signed_by: str | None = None  # the signer as named when signing; None: before a profile


@dataclass(frozen=True)
class Note:
    id: NoteId
    client_id: ClientId
    session_id: SessionId | None
    kind: NoteKind
    template: str
    service_date: str
    occurred_at: str
    state: NoteState
    sections: Mapping[str, str]
    created_at: str
    updated_at: str
    signed_at: str | None = None
    content_hash: str | None = None
    late_entry: bool = False
    voided_at: str | None = None
    void_reason: str | None = None
    # Who signed / voided, as named at that moment (domain/profile.py); None for
    # signatures made before a clinician profile existed, which keep their old wording.
    signed_by: str | None = None
    voided_by: str | None = None
    addenda: tuple[Addendum, ...] = ()

    @property
    def is_psychotherapy(self) -> bool:
        return self.kind is NoteKind.PSYCHOTHERAPY


@dataclass(frozen=True)
class NoteHeader:
    """A note as listed (no text): for notes-due and chart lists."""

    id: NoteId
    client_id: ClientId
    session_id: SessionId | None
    kind: NoteKind
    service_date: str
    state: NoteState
    late_entry: bool


@dataclass(frozen=True)
class DueSession:
    """An attended session of a client that has no signed note yet."""

    session_id: SessionId
    client_id: ClientId
    service_date: str
    ends_at: str
    overdue: bool


@dataclass(frozen=True)
class Objective:
    text: str
    target_date: str | None = None
    met: bool = False


@dataclass(frozen=True)
class Goal:
    text: str
    objectives: tuple[Objective, ...] = ()
    interventions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    text: str
    goals: tuple[Goal, ...] = ()


@dataclass(frozen=True)
class PlanContent:
    """Problems -> goals -> measurable objectives -> interventions."""

    problems: tuple[Problem, ...]
    review_date: str | None = None


@dataclass(frozen=True)
class TreatmentPlan:
    id: PlanId
    client_id: ClientId
    version: int
    effective_date: str
    content: PlanContent
    created_at: str


@dataclass(frozen=True)
class AttachmentMeta:
    id: AttachmentId
    client_id: ClientId
    note_id: NoteId | None
    filename: str
    media_type: str
    size: int
    sha256: str
    added_at: str


@dataclass(frozen=True)
class SearchHit:
    """One search result: a note (or a client name or diagnosis that matched)."""

    source: str  # "note", "psychotherapy", "client" or "diagnosis"
    client_id: ClientId
    client_name: str
    date: str
    kind: str
    snippet: str
    rank: float
    note_id: NoteId | None = None


@dataclass(frozen=True)
class Chart:
    """What opening a client's chart shows."""

    client: Client
    diagnoses: tuple[Diagnosis, ...]
    plan: TreatmentPlan | None
    sessions: tuple[ServiceEntry, ...]
    notes: tuple[Note, ...]
    attachments: tuple[AttachmentMeta, ...] = field(default=())

    def session_note(self, session_id: SessionId) -> Note | None:
        """The client's record note for a session: never a voided note (a new one may
        replace it) nor a psychotherapy note (kept apart from the record)."""
        return next(
            (
                n
                for n in self.notes
                if n.session_id == session_id
                and n.state is not NoteState.VOIDED
                and not n.is_psychotherapy
            ),
            None,
        )
