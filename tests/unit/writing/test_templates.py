"""The therapist's own templates: duplicate a built-in, edit (each save a new version),
notes keep the version they were written with, required sections block signing,
disable, and the template file (export, import, a bad file refused naming the place)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.records import add_client
from therapynotes.domain.templates import Section
from therapynotes.errors import InputError
from therapynotes.portable import template_file
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.services.templates import TemplateService, section_key
from therapynotes.store import audit
from therapynotes.writing_errors import (
    BuiltInTemplate,
    InvalidTemplate,
    RequiredSectionEmpty,
    TemplateRefused,
)


@pytest.fixture
def templates(unlocked: VaultSession) -> TemplateService:
    return TemplateService(unlocked)


def test_a_changed_template_never_changes_an_existing_note(
    templates: TemplateService, records: RecordsService
) -> None:
    first = templates.duplicate("soap", "My SOAP")
    assert first == "own-1@1" and templates.get(first).name == "My SOAP"
    client = add_client(records)
    old_note = records.start_note(client, first, sections={"plan": "Weekly"})

    edited = templates.get(first)
    risk = Section(section_key("Risk review", set(edited.keys)), "Risk review", "SI/HI", True)
    sections = (risk, *(s for s in edited.sections if s.key != "objective"))
    second = templates.save(first, replace(edited, name="My SOAP v2", sections=sections))
    assert second == "own-1@2"

    note = records.get_note(old_note)
    assert note.template == first and set(note.sections) == set(templates.get(first).keys)
    assert "objective" in note.sections and "risk_review" not in note.sections
    records.save_draft(old_note, {"subjective": "Better", "plan": "Weekly"})
    records.sign_note(old_note)  # version 1 requires nothing

    new_note = records.start_note(client, second)
    assert "risk_review" in records.get_note(new_note).sections
    records.save_draft(new_note, {"subjective": "Seen"})
    with pytest.raises(RequiredSectionEmpty):
        records.sign_note(new_note)
    records.save_draft(new_note, {"subjective": "Seen", "risk_review": "Denies SI/HI"})
    assert records.sign_note(new_note).signed_at is not None
    [entry] = [e for e in templates.entries() if not e.builtin]
    assert entry.template.id == second and not entry.disabled


def test_built_ins_are_not_changed_but_can_be_disabled(templates: TemplateService) -> None:
    with pytest.raises(BuiltInTemplate):
        templates.save("soap", templates.get("soap"))
    templates.set_disabled("birp", disabled=True)
    assert "birp" not in [t.id for t in templates.choices()]
    assert any(e.disabled for e in templates.entries() if e.template.id == "birp")
    templates.set_disabled("birp", disabled=False)
    assert "birp" in [t.id for t in templates.choices()]


@pytest.mark.parametrize(
    "change",
    [
        {"name": "  "},
        {"sections": ()},
        {"sections": (Section("a", "Same", ""), Section("b", "same", ""))},
        {"sections": (Section("a", "", ""),)},
    ],
)
def test_an_invalid_template_is_refused(templates: TemplateService, change: dict) -> None:  # type: ignore[type-arg]
    ref = templates.duplicate("dap")
    with pytest.raises(InvalidTemplate):
        templates.save(ref, replace(templates.get(ref), **change))
    assert templates.get(ref) == templates.get("own-1@1")  # nothing saved


def test_the_template_file_round_trips(templates: TemplateService, tmp_path: Path) -> None:
    ref = templates.duplicate("intake", "Intake, adolescent")
    raw = templates.export_bytes(ref)
    document = json.loads(raw)
    assert document["format"] == "therapynotes-template" and document["format_version"] == 1
    path = tmp_path / "intake.json"
    path.write_bytes(raw)
    again = templates.import_file(path)
    assert again == "own-2@1"
    assert templates.export_bytes(again) == raw
    kinds = [e.kind for e in audit.entries(templates.conn)]
    assert kinds.count("template.changed") == 2  # created and imported


@pytest.mark.parametrize(
    ("mutate", "place"),
    [
        (lambda d: d.update(format="other"), "(format: "),
        (lambda d: d["template"]["sections"][1].update(title=""), "template.sections[1].title"),
        (lambda d: d["template"]["sections"][2].pop("prompt"), "template.sections[2]: missing"),
        (lambda d: d["template"].update(kind="psychotherapy"), "template.kind"),
        (lambda d: d["template"]["sections"][0].update(key="Bad Key"), "sections[0].key"),
        (lambda d: d["template"]["sections"].append(d["template"]["sections"][0]), "key: used"),
    ],
)
def test_a_bad_template_file_is_refused_naming_the_place(
    templates: TemplateService,
    mutate,
    place: str,  # type: ignore[no-untyped-def]
) -> None:
    document = json.loads(templates.export_bytes("soap"))
    mutate(document)
    with pytest.raises(TemplateRefused) as caught:
        templates.import_bytes(json.dumps(document).encode())
    assert place in caught.value.message and "\n" not in caught.value.message
    assert [e for e in templates.entries() if not e.builtin] == []


def test_not_json_is_refused(templates: TemplateService) -> None:
    with pytest.raises(TemplateRefused, match="file: not valid JSON"):
        templates.import_bytes(b"{nope")
    with pytest.raises(InputError):
        template_file.decode(b"\xff\xfe")
