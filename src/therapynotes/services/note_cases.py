"""Use cases of the note life cycle: start, autosave with revisions, sign, addendum,
void, start from the last note, notes due. Part of RecordsService (services/records.py).

Must not import PySide6.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from therapynotes.domain import rules
from therapynotes.domain.enums import NoteKind, NoteState
from therapynotes.domain.ids import AddendumId, ClientId, NoteId, SessionId
from therapynotes.domain.models import DueSession, Note
from therapynotes.domain.templates import TEMPLATES, Template
from therapynotes.records_errors import (
    NotAParticipant,
    NoteEmpty,
    NoteNotFound,
    NoteNotSigned,
    NoteSigned,
    SectionsMismatch,
    SessionNotFound,
    UnknownTemplate,
    VoidReasonRequired,
)
from therapynotes.services.policy import UseCase, allowed, guarded
from therapynotes.services.records_base import RecordsBase
from therapynotes.store import note_templates, notes, profile, record_settings, sessions
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection
from therapynotes.writing_errors import RequiredSectionEmpty


def _template(template_id: str, conn: Connection) -> Template:
    """A built-in template, or the stored version of an own one ('my-soap@2')."""
    found = TEMPLATES.get(template_id) or note_templates.get(conn, template_id)
    if found is None:
        raise UnknownTemplate
    return found


def _subject(note_id: int) -> str:
    return f"note:{note_id}"


class NoteCases(RecordsBase):
    @guarded(UseCase.WRITE_NOTES)
    def start_note(
        self,
        client_id: ClientId,
        template_id: str,
        *,
        session_id: SessionId | None = None,
        service_date: str | None = None,
        sections: Mapping[str, str] | None = None,
    ) -> NoteId:
        """A new draft from a template, filed in the client's chart (and, for a session
        note, under that session: each participant of a group session has their own)."""
        template = _template(template_id, self.conn)
        filled = self._conform(template, sections or {})
        with self.write() as conn:
            self.require_client(conn, client_id)
            now = self.now()
            if session_id is not None:
                entry = sessions.get(conn, session_id)
                if entry is None:
                    raise SessionNotFound
                if client_id not in {p.client_id for p in entry.participants}:
                    raise NotAParticipant
                date, occurred = entry.service_date, entry.ends_at
            else:
                date = service_date or now[:10]
                # A note about an earlier day (a phone call yesterday) counts from the end
                # of that day, so signing it days later still earns the late-entry label.
                occurred = min(now, f"{date}T23:59:59Z")
            note_id = notes.insert_draft(
                conn,
                client_id=client_id,
                session_id=session_id,
                kind=template.kind,
                template=template.id,
                service_date=date,
                occurred_at=occurred,
                sections=filled,
                now=now,
            )
            notes.add_revision(conn, note_id, filled, now=now)
            self.audit(
                conn,
                AuditKind.RECORD_CREATED,
                _subject(note_id),
                record="note",
                kind=template.kind.value,
                client=client_id,
            )
        return note_id

    @guarded(UseCase.WRITE_NOTES)
    def start_from_last_note(self, client_id: ClientId, session_id: SessionId) -> NoteId:
        """A draft for `session_id` holding a copy of the sections of the client's last
        signed progress note (an empty SOAP note when there is none)."""
        entry = sessions.get(self.conn, session_id)
        if entry is None:
            raise SessionNotFound
        last = notes.last_signed(
            self.conn, client_id, kind=NoteKind.PROGRESS, before_date=entry.service_date
        )
        if last is None:
            return self.start_note(client_id, "soap", session_id=session_id)
        return self.start_note(
            client_id, last.template, session_id=session_id, sections=last.sections
        )

    @staticmethod
    def _conform(template: Template, sections: Mapping[str, str]) -> dict[str, str]:
        if template.unknown_keys(sections):
            raise SectionsMismatch
        return template.conform(sections)

    @guarded(UseCase.READ_NOTES)
    def template(self, ref: str) -> Template | None:
        """The template a note was written with (None when it is unknown here)."""
        return TEMPLATES.get(ref) or note_templates.get(self.conn, ref)

    @guarded(UseCase.READ_NOTES)
    def get_note(self, note_id: NoteId) -> Note:
        note = notes.get(self.conn, note_id)
        if note is None:
            raise NoteNotFound
        self.require_psychotherapy(note.is_psychotherapy)
        return note

    def _draft(self, conn: Connection, note_id: NoteId) -> Note:
        note = notes.get(conn, note_id)
        if note is None:
            raise NoteNotFound
        if note.state is not NoteState.DRAFT:
            raise NoteSigned
        return note

    @guarded(UseCase.WRITE_NOTES)
    def save_draft(self, note_id: NoteId, sections: Mapping[str, str]) -> bool:
        """Autosave. Returns True when this save was kept as a revision (a meaningful
        change); those saves are also the ones written to the audit log, so frequent
        autosaves do not flood it."""
        with self.write() as conn:
            note = self._draft(conn, note_id)
            filled = self._conform(_template(note.template, conn), sections)
            now = self.now()
            notes.update_draft(conn, note_id, filled, now=now)
            last = notes.last_revision(conn, note_id)
            keep = rules.is_meaningful_change(
                previous=last[1] if last else None,
                current=filled,
                last_revision_at=last[0] if last else None,
                now=now,
            )
            if keep:
                notes.add_revision(conn, note_id, filled, now=now)
                self.audit(conn, AuditKind.RECORD_EDITED, _subject(note_id), record="note")
        return keep

    @guarded(UseCase.WRITE_NOTES)
    def discard_draft(self, note_id: NoteId) -> None:
        with self.write() as conn:
            self._draft(conn, note_id)
            notes.delete_draft(conn, note_id)
            self.audit(conn, AuditKind.RECORD_EDITED, _subject(note_id), action="discarded")

    @guarded(UseCase.SIGN_NOTE)
    def sign_note(self, note_id: NoteId) -> Note:
        """Sign: the note becomes immutable, with signed-at, a SHA-256 content hash, the
        late-entry label when signed more than N hours after the service, and the signer
        as the clinician profile names them now (none while no profile is set)."""
        with self.write() as conn:
            note = self._draft(conn, note_id)
            if not any(v.strip() for v in note.sections.values()):
                raise NoteEmpty
            template = _template(note.template, conn)
            if any(
                s.required and not note.sections.get(s.key, "").strip() for s in template.sections
            ):
                raise RequiredSectionEmpty
            signed_at = self.now()
            late = rules.is_late_entry(
                occurred_at=note.occurred_at,
                signed_at=signed_at,
                hours=record_settings.late_entry_hours(conn),
            )
            digest = rules.note_content_hash(
                client_id=note.client_id,
                session_id=note.session_id,
                kind=note.kind.value,
                template=note.template,
                service_date=note.service_date,
                sections=note.sections,
                signed_at=signed_at,
            )
            notes.sign(
                conn,
                note_id,
                signed_at=signed_at,
                content_hash=digest,
                late_entry=late,
                signed_by=profile.signer(conn),
            )
            self.audit(conn, AuditKind.NOTE_SIGNED, _subject(note_id), late_entry=late)
        return self.get_note(note_id)

    @guarded(UseCase.WRITE_NOTES)
    def add_addendum(self, note_id: NoteId, text: str) -> AddendumId:
        """A signed addition to a signed note; the original stays as it was."""
        if not text.strip():
            raise NoteEmpty
        with self.write() as conn:
            note = notes.get(conn, note_id)
            if note is None:
                raise NoteNotFound
            if note.state is not NoteState.SIGNED or note.content_hash is None:
                raise NoteNotSigned
            signed_at = self.now()
            digest = rules.addendum_content_hash(
                note_hash=note.content_hash, text=text, signed_at=signed_at
            )
            addendum_id = notes.insert_addendum(
                conn,
                note_id,
                text=text,
                signed_at=signed_at,
                content_hash=digest,
                signed_by=profile.signer(conn),
            )
            self.audit(conn, AuditKind.NOTE_ADDENDED, _subject(note_id), addendum=addendum_id)
        return addendum_id

    @guarded(UseCase.VOID_NOTE)
    def void_note(self, note_id: NoteId, reason: str) -> None:
        """Void a signed note (e.g. written in the wrong chart): kept in history, marked,
        out of search and exports. The reason stays in the note, not in the audit log."""
        if not reason.strip():
            raise VoidReasonRequired
        with self.write() as conn:
            note = notes.get(conn, note_id)
            if note is None:
                raise NoteNotFound
            voided = notes.void(
                conn,
                note_id,
                reason=reason.strip(),
                now=self.now(),
                voided_by=profile.signer(conn),
            )
            if not voided:
                raise NoteNotSigned
            self.audit(conn, AuditKind.NOTE_VOIDED, _subject(note_id))

    @guarded(UseCase.READ_NOTES)
    def note_list(self, client_id: ClientId) -> list[Note]:
        """The client's notes, newest first, for a list (the CLI's `notes CLIENT_ID`):
        psychotherapy notes only for a login that may open them (never a supervisor's).
        Audited as a look at the chart (ids and counts only)."""
        mine = allowed(self.session.login.role, UseCase.PSYCHOTHERAPY_NOTES)
        with self.write() as conn:
            self.require_client(conn, client_id)
            found = notes.for_client(conn, client_id, include_psychotherapy=mine)
            self.audit(
                conn,
                AuditKind.CHART_VIEWED,
                f"client:{client_id}",
                psychotherapy_notes=mine,
                via="notes list",
                results=len(found),
            )
        return found

    @guarded(UseCase.READ_NOTES)
    def draft_revisions(self, note_id: NoteId) -> list[tuple[str, dict[str, str]]]:
        self.get_note(note_id)  # a psychotherapy note's drafts: as the note
        return notes.revisions(self.conn, note_id)

    @guarded(UseCase.READ_NOTES)
    def notes_due(self, client_id: ClientId | None = None) -> list[DueSession]:
        """Attended sessions that have ended with no signed note; `overdue` past N hours."""
        now = self.now()
        hours = record_settings.late_entry_hours(self.conn)
        cutoff = rules.format_instant(rules.parse_instant(now) - timedelta(hours=hours))
        return sessions.due(self.conn, now=now, overdue_before=cutoff, client_id=client_id)
