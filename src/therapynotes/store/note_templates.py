"""The therapist's own note templates (schema 9): immutable versions, and the disabled
list. Callers own the transaction. Must not import: PySide6, therapynotes.services.
"""

from __future__ import annotations

import json

from therapynotes.domain.enums import NoteKind
from therapynotes.domain.rules import canonical_json
from therapynotes.domain.templates import Section, Template, base_id, versioned
from therapynotes.store.connection import Connection

_COLUMNS = "template_id, version, name, kind, body"


def _body(template: Template) -> str:
    return canonical_json(
        {
            "sections": [
                {"key": s.key, "title": s.title, "prompt": s.prompt, "required": s.required}
                for s in template.sections
            ]
        }
    )


def _template(template_id: str, version: int, name: str, kind: str, body: str) -> Template:
    sections = tuple(
        Section(str(s["key"]), str(s["title"]), str(s["prompt"]), bool(s["required"]))
        for s in json.loads(body)["sections"]
    )
    return Template(versioned(template_id, int(version)), str(name), NoteKind(kind), sections)


def add_version(conn: Connection, template_id: str, template: Template, *, now: str) -> str:
    """Store `template` as the next version of `template_id`; returns 'id@version'."""
    row = conn.execute(
        "SELECT coalesce(max(version), 0) FROM note_templates WHERE template_id = ?",
        (template_id,),
    ).fetchone()
    version = int(row[0]) + 1
    conn.execute(
        "INSERT INTO note_templates(template_id, version, name, kind, body, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (template_id, version, template.name, template.kind.value, _body(template), now),
    )
    return versioned(template_id, version)


def get(conn: Connection, ref: str) -> Template | None:
    """A stored version by 'id@version'."""
    template_id, _, version = ref.partition("@")
    if not version.isdigit():
        return None
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM note_templates WHERE template_id = ? AND version = ?",  # noqa: S608
        (template_id, int(version)),
    ).fetchone()
    return _template(*row) if row is not None else None


def latest(conn: Connection) -> list[Template]:
    """The newest version of every own template, oldest template first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM note_templates t WHERE version = "  # noqa: S608
        "(SELECT max(version) FROM note_templates WHERE template_id = t.template_id) "
        "ORDER BY (SELECT min(id) FROM note_templates WHERE template_id = t.template_id)"
    )
    return [_template(*r) for r in rows]


def exists(conn: Connection, template_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM note_templates WHERE template_id = ? LIMIT 1", (template_id,)
    ).fetchone()
    return row is not None


def disabled(conn: Connection) -> set[str]:
    return {str(r[0]) for r in conn.execute("SELECT template_id FROM disabled_templates")}


def set_disabled(conn: Connection, ref: str, *, disabled: bool, now: str) -> None:
    template_id = base_id(ref)
    if disabled:
        conn.execute(
            "INSERT INTO disabled_templates(template_id, disabled_at) VALUES (?, ?) "
            "ON CONFLICT(template_id) DO NOTHING",
            (template_id, now),
        )
    else:
        conn.execute("DELETE FROM disabled_templates WHERE template_id = ?", (template_id,))
