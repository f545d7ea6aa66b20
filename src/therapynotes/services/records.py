"""RecordsService: the use cases of the clinical record, called by the CLI and the UI.

Each write runs in one transaction together with its audit row. Chart views are audited
when a chart is opened through `open_chart`. Note life-cycle cases live in note_cases.py,
diagnoses in records_diagnoses.py.

Must not import PySide6.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from therapynotes.domain import rules
from therapynotes.domain.codes import is_cpt_code
from therapynotes.domain.enums import Attendance, ClientStatus, Modality, NoteKind
from therapynotes.domain.ids import AttachmentId, ClientId, NoteId, PlanId, SessionId
from therapynotes.domain.models import (
    AttachmentMeta,
    Chart,
    Client,
    ClientFields,
    ClientSummary,
    Participant,
    PlanContent,
    SearchHit,
    ServiceEntry,
    TreatmentPlan,
)
from therapynotes.records_errors import (
    AttachmentCorrupt,
    AttachmentNotFound,
    AttachmentTooLarge,
    ClientNotFound,
    InvalidRecord,
    NotInSession,
    SessionNotFound,
    UnknownServiceCode,
)
from therapynotes.services.form_drafts import FormDraftCases
from therapynotes.services.note_cases import NoteCases
from therapynotes.services.policy import UseCase, guarded
from therapynotes.services.records_diagnoses import DiagnosisCases
from therapynotes.store import (
    appointments,
    attachments,
    audit,
    clients,
    diagnoses,
    notes,
    plans,
    record_settings,
    search,
    sessions,
)
from therapynotes.store.audit import AuditKind
from therapynotes.store.search import Order, Page


def _check_client(fields: ClientFields) -> None:
    if not fields.legal_name.strip():
        raise InvalidRecord
    if fields.status is ClientStatus.DISCHARGED and not fields.discharge_date:
        raise InvalidRecord


# Far above any attachment limit a vault uses (25 MiB by default): a file picked by
# mistake (a film, a disk image) is refused before it is read into memory, not after.
ATTACHMENT_READ_CEILING = 512 * 1024 * 1024


def read_attachment_file(path: Path) -> bytes:
    """The bytes of a file the therapist chose to attach; add_attachment then applies the
    vault's own limit."""
    if path.stat().st_size > ATTACHMENT_READ_CEILING:
        raise AttachmentTooLarge(f"limit {ATTACHMENT_READ_CEILING // (1024 * 1024)} MiB")
    return path.read_bytes()


class RecordsService(NoteCases, DiagnosisCases, FormDraftCases):
    # --- clients -------------------------------------------------------------

    @guarded(UseCase.CLIENTS_WRITE)
    def create_client(self, fields: ClientFields) -> ClientId:
        _check_client(fields)
        with self.write() as conn:
            client_id = clients.insert(conn, fields, now=self.now())
            self.audit(conn, AuditKind.RECORD_CREATED, f"client:{client_id}", record="client")
        return client_id

    @guarded(UseCase.CLIENTS_WRITE)
    def update_client(self, client_id: ClientId, fields: ClientFields) -> None:
        _check_client(fields)
        with self.write() as conn:
            before = clients.get(conn, client_id)
            if before is None:
                raise ClientNotFound
            clients.update(conn, client_id, fields, now=self.now())
            changed = sorted(  # field names only, never their values
                f.name
                for f in dataclasses.fields(ClientFields)
                if getattr(before.fields, f.name) != getattr(fields, f.name)
            )
            self.audit(
                conn,
                AuditKind.RECORD_EDITED,
                f"client:{client_id}",
                record="client",
                fields=changed,
            )

    @guarded(UseCase.CLIENTS_READ)
    def get_client(self, client_id: ClientId) -> Client:
        found = clients.get(self.conn, client_id)
        if found is None:
            raise ClientNotFound
        return found

    @guarded(UseCase.CLIENTS_READ)
    def list_clients(self, *, include_all: bool = False) -> list[ClientSummary]:
        """Active clients (or all), each with their last session and notes-due count."""
        return clients.summaries(self.conn, include_all=include_all, due_cutoff=self.now())

    @guarded(UseCase.CHART)
    def open_chart(
        self,
        client_id: ClientId,
        *,
        include_psychotherapy: bool = False,
        record_view: bool = True,
    ) -> Chart:
        """Everything the chart shows; records the view in the audit log (a refresh of a
        chart already open, after an edit in it, passes `record_view=False`)."""
        self.require_psychotherapy(include_psychotherapy)
        with self.write() as conn:
            client = clients.get(conn, client_id)
            if client is None:
                raise ClientNotFound
            if record_view:
                self.audit(
                    conn,
                    AuditKind.CHART_VIEWED,
                    f"client:{client_id}",
                    psychotherapy_notes=include_psychotherapy,
                )
        conn = self.conn
        return Chart(
            client=client,
            diagnoses=tuple(diagnoses.for_client(conn, client_id)),
            plan=plans.current(conn, client_id),
            sessions=tuple(sessions.for_client(conn, client_id)),
            notes=tuple(
                notes.for_client(conn, client_id, include_psychotherapy=include_psychotherapy)
            ),
            attachments=tuple(attachments.for_client(conn, client_id)),
        )

    # --- sessions ------------------------------------------------------------

    @guarded(UseCase.SESSIONS)
    def log_session(
        self,
        client_ids: Sequence[ClientId],
        *,
        starts_at: datetime,
        ends_at: datetime,
        service_code: str,
        modality: Modality,
        place: str = "",
        attendance: Attendance = Attendance.ATTENDED,
        service_date: str | None = None,
    ) -> SessionId:
        """One session; several clients for couple, family and group sessions, each of
        whose charts then shows it. `service_date` defaults to the local date of start."""
        if not client_ids or len(set(client_ids)) != len(client_ids) or ends_at < starts_at:
            raise InvalidRecord
        if not is_cpt_code(service_code):
            raise UnknownServiceCode
        date = service_date or starts_at.astimezone().date().isoformat()
        with self.write() as conn:
            for cid in client_ids:
                self.require_client(conn, cid)
            session_id = sessions.insert(
                conn,
                service_date=date,
                starts_at=rules.format_instant(starts_at),
                ends_at=rules.format_instant(ends_at),
                service_code=service_code,
                modality=modality,
                place=place,
                participants=[Participant(cid, attendance) for cid in client_ids],
                now=self.now(),
            )
            appointments.follow_session(conn, session_id, now=self.now())  # the schedule
            self.audit(
                conn,
                AuditKind.RECORD_CREATED,
                f"session:{session_id}",
                record="session",
                participants=len(client_ids),
            )
        return session_id

    @guarded(UseCase.SESSIONS)
    def sessions_on(self, service_date: str) -> list[ServiceEntry]:
        return sessions.on_date(self.conn, service_date)

    @guarded(UseCase.SESSIONS)
    def set_attendance(
        self, session_id: SessionId, client_id: ClientId, attendance: Attendance
    ) -> None:
        """One participant's attendance (attended / no-show / late cancel / cancelled).
        Notes filed under the session stay as they are: a no-show is documented too."""
        with self.write() as conn:
            if sessions.get(conn, session_id) is None:
                raise SessionNotFound
            if not sessions.set_attendance(conn, session_id, client_id, attendance):
                raise NotInSession
            appointments.follow_session(conn, session_id, now=self.now())  # the schedule
            self.audit(
                conn,
                AuditKind.RECORD_EDITED,
                f"session:{session_id}",
                record="session",
                client=client_id,
                fields=["attendance"],
            )

    # --- treatment plans -----------------------------------------------------

    @guarded(UseCase.EDIT_PLANS)
    def save_plan(
        self, client_id: ClientId, content: PlanContent, *, effective_date: str
    ) -> tuple[PlanId, int]:
        """A new version of the client's plan (earlier versions are kept unchanged)."""
        if not content.problems:
            raise InvalidRecord
        with self.write() as conn:
            self.require_client(conn, client_id)
            plan_id, version = plans.insert_version(
                conn,
                client_id=client_id,
                effective_date=effective_date,
                content=content,
                now=self.now(),
            )
            self.audit(
                conn, AuditKind.RECORD_CREATED, f"plan:{plan_id}", record="plan", version=version
            )
        return plan_id, version

    @guarded(UseCase.PLANS)
    def plan_versions(self, client_id: ClientId) -> list[TreatmentPlan]:
        return plans.versions(self.conn, client_id)

    # --- attachments ---------------------------------------------------------

    @guarded(UseCase.ADD_ATTACHMENTS)
    def add_attachment(
        self,
        client_id: ClientId,
        *,
        filename: str,
        media_type: str,
        data: bytes,
        note_id: NoteId | None = None,
        progress: attachments.Progress | None = None,
    ) -> AttachmentId:
        """`progress(done, total)` is called as the bytes are stored, a chunk at a time."""
        limit = record_settings.attachment_max_bytes(self.conn)
        if len(data) > limit:
            raise AttachmentTooLarge(f"limit {limit // (1024 * 1024)} MiB")
        digest = hashlib.sha256(data).hexdigest()
        with self.write() as conn:
            self.require_client(conn, client_id)
            att_id = attachments.insert(
                conn,
                client_id=client_id,
                note_id=note_id,
                filename=filename,
                media_type=media_type,
                data=data,
                sha256=digest,
                now=self.now(),
                progress=progress,
            )
            self.audit(conn, AuditKind.RECORD_CREATED, f"attachment:{att_id}", record="attachment")
        return att_id

    @guarded(UseCase.ATTACHMENTS)
    def read_attachment(self, attachment_id: AttachmentId) -> bytes:
        """The attachment's bytes, checked against the SHA-256 stored with them."""
        parts: list[bytes] = []
        self.stream_attachment(attachment_id, parts.append)
        return b"".join(parts)

    @guarded(UseCase.ATTACHMENTS)
    def stream_attachment(
        self,
        attachment_id: AttachmentId,
        sink: Callable[[bytes], object],
        progress: attachments.Progress | None = None,
    ) -> AttachmentMeta:
        """The attachment's bytes handed to `sink` a chunk at a time (store/attachments:
        no long hold of the GIL however large the file), hashed as they pass and checked
        against the size and SHA-256 stored with them at the end: on AttachmentCorrupt
        the caller drops what `sink` got."""
        meta = attachments.get_meta(self.conn, attachment_id)
        if meta is None:
            raise AttachmentNotFound
        digest = hashlib.sha256()
        size = 0

        def take(chunk: bytes) -> None:
            nonlocal size
            digest.update(chunk)
            size += len(chunk)
            sink(chunk)

        if not attachments.read_chunks(self.conn, attachment_id, take, progress):
            raise AttachmentNotFound
        if size != meta.size or digest.hexdigest() != meta.sha256:
            raise AttachmentCorrupt
        return meta

    # --- search and settings -------------------------------------------------

    @guarded(UseCase.SEARCH)
    def search(
        self,
        text: str,
        *,
        client_id: ClientId | None = None,
        since: str | None = None,
        until: str | None = None,
        kinds: Sequence[NoteKind] = (),
        include_psychotherapy: bool = False,
        limit: int = 50,
        marks: tuple[str, str] = ("[", "]"),
    ) -> list[SearchHit]:
        self.require_psychotherapy(include_psychotherapy or NoteKind.PSYCHOTHERAPY in kinds)
        filters = search.Filters(client_id, since, until, tuple(kinds), include_psychotherapy)
        return search.search(self.conn, text, filters, limit=limit, marks=marks)

    @guarded(UseCase.SEARCH)
    def search_page(
        self,
        text: str,
        *,
        client_id: ClientId | None = None,
        since: str | None = None,
        until: str | None = None,
        kinds: Sequence[NoteKind] = (),
        include_psychotherapy: bool = False,
        limit: int = 50,
        order: Order = Order.BEST,
        marks: tuple[str, str] = ("[", "]"),
    ) -> Page:
        """What the search view shows: the first `limit` hits (best first among the
        newest matches, or newest first) and how many there are in all."""
        self.require_psychotherapy(include_psychotherapy or NoteKind.PSYCHOTHERAPY in kinds)
        filters = search.Filters(client_id, since, until, tuple(kinds), include_psychotherapy)
        return search.page(self.conn, text, filters, limit=limit, order=order, marks=marks)

    @guarded(UseCase.SEARCH)
    def record_search_shown(
        self, hits: Sequence[SearchHit], *, include_psychotherapy: bool
    ) -> None:
        """Search results shown outside a chart (the CLI prints snippets of record text):
        audited like opening the chart of each client shown, one row per client with
        the number of results (ids and counts only, never the words searched for)."""
        self.require_psychotherapy(include_psychotherapy)
        per_client: dict[int, int] = {}
        for hit in hits:
            per_client[int(hit.client_id)] = per_client.get(int(hit.client_id), 0) + 1
        if not per_client:
            return
        with self.write() as conn:
            for client, count in sorted(per_client.items()):
                self.audit(
                    conn,
                    AuditKind.CHART_VIEWED,
                    f"client:{client}",
                    psychotherapy_notes=include_psychotherapy,
                    via="search",
                    results=count,
                )

    @guarded(UseCase.SEARCH)
    def count_search_hits(
        self,
        text: str,
        *,
        client_id: ClientId | None = None,
        since: str | None = None,
        until: str | None = None,
        kinds: Sequence[NoteKind] = (),
        include_psychotherapy: bool = False,
    ) -> int:
        """How many hits `search` finds with no limit (for "first 50 of N")."""
        self.require_psychotherapy(include_psychotherapy or NoteKind.PSYCHOTHERAPY in kinds)
        filters = search.Filters(client_id, since, until, tuple(kinds), include_psychotherapy)
        return search.count(self.conn, text, filters)

    @guarded(UseCase.CLIENT_HISTORY)
    def client_history(self, client_id: ClientId) -> list[audit.AuditEntry]:
        """The audit rows about this client and their records (ids and kinds, no text)."""
        conn = self.conn
        subjects = {f"client:{client_id}"}
        subjects |= {
            f"note:{n.id}" for n in notes.for_client(conn, client_id, include_psychotherapy=True)
        }
        subjects |= {f"session:{e.id}" for e in sessions.for_client(conn, client_id)}
        subjects |= {f"attachment:{a.id}" for a in attachments.for_client(conn, client_id)}
        subjects |= {f"plan:{p.id}" for p in plans.versions(conn, client_id)}
        return [e for e in audit.entries(conn) if e.subject in subjects]

    @guarded(UseCase.SETTINGS)
    def set_late_entry_hours(self, hours: int) -> None:
        if not 1 <= hours <= 24 * 30:
            raise InvalidRecord
        with self.write() as conn:
            record_settings.set_value(conn, record_settings.LATE_ENTRY_HOURS, str(hours))
            self.audit(conn, AuditKind.SETTINGS_CHANGED, "settings", key="late_entry_hours")
