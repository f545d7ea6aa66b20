from __future__ import annotations

import json

import pytest

from therapynotes.domain.enums import NoteKind
from therapynotes.domain.templates import (
    TEMPLATES,
    Template,
    template_from_dict,
    template_to_dict,
)

REQUIRED = {"soap", "dap", "birp", "girp", "intake", "treatment_plan", "discharge", "contact"}


def test_every_required_template_exists() -> None:
    assert REQUIRED | {"freeform", "psychotherapy"} <= set(TEMPLATES)
    assert [s.key for s in TEMPLATES["soap"].sections] == [
        "subjective",
        "objective",
        "assessment",
        "plan",
    ]
    assert {"mental_status", "risk"} <= set(TEMPLATES["intake"].keys)
    assert TEMPLATES["psychotherapy"].kind is NoteKind.PSYCHOTHERAPY


@pytest.mark.parametrize("template_id", sorted(TEMPLATES))
def test_template_round_trips_through_json(template_id: str) -> None:
    template = TEMPLATES[template_id]
    again = template_from_dict(json.loads(json.dumps(template_to_dict(template))))
    assert again == template
    assert all(s.prompt and s.title for s in template.sections)


def test_a_new_template_is_data_only() -> None:
    data = {
        "id": "emdr",
        "name": "EMDR session",
        "kind": "progress",
        "sections": [
            {"key": "target", "title": "Target", "prompt": "Memory targeted"},
            {"key": "sud", "title": "SUD", "prompt": "Distress 0-10 before and after"},
        ],
    }
    template = template_from_dict(data)
    assert isinstance(template, Template)
    assert template.conform({"sud": "7 -> 2"}) == {"target": "", "sud": "7 -> 2"}
    assert template.unknown_keys({"other": "x"}) == {"other"}


def test_template_needs_distinct_section_keys() -> None:
    bad = {
        "id": "x",
        "name": "x",
        "kind": "freeform",
        "sections": [
            {"key": "a", "title": "A", "prompt": "p"},
            {"key": "a", "title": "B", "prompt": "p"},
        ],
    }
    with pytest.raises(ValueError, match="distinct"):
        template_from_dict(bad)
