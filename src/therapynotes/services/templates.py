"""The therapist's own note templates: list (built-in and own, with the disabled ones
marked), duplicate, save (each save is a new version; notes keep theirs), disable,
export to and import from the template file (portable/template_file.py). Every change is
audited (the template id and version, never its text).

Must not import PySide6.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from therapynotes.domain.enums import NoteKind
from therapynotes.domain.models import Note
from therapynotes.domain.rules import instant_from_timestamp
from therapynotes.domain.templates import TEMPLATES, Section, Template, base_id
from therapynotes.portable import template_file
from therapynotes.records_errors import UnknownTemplate
from therapynotes.services.policy import UseCase, guarded
from therapynotes.services.session import VaultSession
from therapynotes.store import audit, note_templates, notes
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection, transaction
from therapynotes.writing_errors import BuiltInTemplate, InvalidTemplate, TemplateRefused

MAX_FILE = template_file.MAX_BYTES


@dataclass(frozen=True)
class TemplateEntry:
    template: Template  # own ones: the newest version, id 'my-soap@3'
    builtin: bool
    disabled: bool

    @property
    def base_id(self) -> str:
        return base_id(self.template.id)


def resolve(conn: Connection, ref: str) -> Template:
    """A built-in template by id, or a stored version by 'id@version'."""
    found = TEMPLATES.get(ref) or note_templates.get(conn, ref)
    if found is None:
        raise UnknownTemplate
    return found


def section_key(title: str, taken: set[str]) -> str:
    """A key for a new section from its title: 'Risk review' -> 'risk_review'."""
    stem = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:48] or "section"
    if not stem[0].isalpha():
        stem = f"s_{stem}"
    key, n = stem, 2
    while key in taken:
        key, n = f"{stem}_{n}", n + 1
    return key


def checked(template: Template) -> Template:
    name = template.name.strip()
    titles = [s.title.strip() for s in template.sections]
    if (
        not name
        or not titles
        or not all(titles)
        or len({t.casefold() for t in titles}) != len(titles)
        or len({s.key for s in template.sections}) != len(titles)
        or template.kind is NoteKind.PSYCHOTHERAPY
    ):
        raise InvalidTemplate
    sections = tuple(
        Section(s.key, s.title.strip(), s.prompt.strip(), s.required) for s in template.sections
    )
    return replace(template, name=name, sections=sections)


def last_sections(conn: Connection, note: Note) -> dict[str, str]:
    """The sections of the client's last signed note of the same kind on or before this
    one's date ("Start from last note" for one section); empty when there is none."""
    last = notes.last_signed(conn, note.client_id, kind=note.kind, before_date=note.service_date)
    return dict(last.sections) if last is not None and last.id != note.id else {}


class TemplateService:
    def __init__(self, session: VaultSession, *, clock: Callable[[], float] = time.time) -> None:
        self.session = session
        self.clock = clock

    @property
    def conn(self) -> Connection:
        return self.session.conn

    def _now(self) -> str:
        return instant_from_timestamp(self.clock())

    def _audit(self, conn: Connection, ref: str, action: str) -> None:
        audit.append(
            conn, AuditKind.TEMPLATE_CHANGED, subject=f"template:{ref}", detail={"action": action}
        )

    @guarded(UseCase.TEMPLATES)
    def entries(self) -> list[TemplateEntry]:
        off = note_templates.disabled(self.conn)
        own = [
            TemplateEntry(t, False, base_id(t.id) in off) for t in note_templates.latest(self.conn)
        ]
        built = [TemplateEntry(t, True, t.id in off) for t in TEMPLATES.values()]
        return built + own

    @guarded(UseCase.TEMPLATES)
    def choices(self) -> list[Template]:
        """What the New note menu offers: every template not disabled."""
        return [e.template for e in self.entries() if not e.disabled]

    @guarded(UseCase.TEMPLATES)
    def get(self, ref: str) -> Template:
        return resolve(self.conn, ref)

    def _new_id(self) -> str:
        """'own-3': never made from the name, which may be anything (the id is audited)."""
        n = 1
        while note_templates.exists(self.conn, f"own-{n}"):
            n += 1
        return f"own-{n}"

    def _create(self, template: Template, action: str) -> str:
        template = checked(template)
        conn = self.conn
        with transaction(conn):
            ref = note_templates.add_version(conn, self._new_id(), template, now=self._now())
            self._audit(conn, ref, action)
        return ref

    @guarded(UseCase.TEMPLATES)
    def duplicate(self, ref: str, name: str | None = None) -> str:
        """A new own template from any template; returns its 'id@1'."""
        source = self.get(ref)
        if source.kind is NoteKind.PSYCHOTHERAPY:
            raise InvalidTemplate
        return self._create(replace(source, name=name or f"{source.name} (copy)"), "created")

    @guarded(UseCase.TEMPLATES)
    def save(self, ref: str, template: Template) -> str:
        """The next version of an own template; returns its 'id@version'."""
        if ref in TEMPLATES:
            raise BuiltInTemplate
        self.get(ref)  # exists
        template = checked(template)
        conn = self.conn
        with transaction(conn):
            new = note_templates.add_version(conn, base_id(ref), template, now=self._now())
            self._audit(conn, new, "saved")
        return new

    @guarded(UseCase.TEMPLATES)
    def set_disabled(self, ref: str, *, disabled: bool) -> None:
        self.get(ref)
        conn = self.conn
        with transaction(conn):
            note_templates.set_disabled(conn, ref, disabled=disabled, now=self._now())
            self._audit(conn, base_id(ref), "disabled" if disabled else "enabled")

    @guarded(UseCase.TEMPLATES)
    def export_bytes(self, ref: str) -> bytes:
        return template_file.encode(self.get(ref))

    @guarded(UseCase.TEMPLATES)
    def import_bytes(self, raw: bytes) -> str:
        return self._create(template_file.decode(raw), "imported")

    @guarded(UseCase.TEMPLATES)
    def import_file(self, path: Path) -> str:
        try:
            with path.open("rb") as fh:
                raw = fh.read(MAX_FILE + 1)
        except OSError:
            raise TemplateRefused("file: could not be read") from None
        return self.import_bytes(raw)
