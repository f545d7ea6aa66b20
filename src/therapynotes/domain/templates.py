"""Note templates as data: named sections with prompts. A new template is a new entry
(or a JSON document read with `template_from_dict`), never new code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from therapynotes.domain.enums import NoteKind


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    prompt: str
    required: bool = False  # must hold text before the note can be signed


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    kind: NoteKind
    sections: tuple[Section, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.sections)

    def empty(self) -> dict[str, str]:
        return {key: "" for key in self.keys}

    def conform(self, sections: Mapping[str, str]) -> dict[str, str]:
        """The template's sections in order, filled from `sections` (missing ones empty)."""
        return {key: str(sections.get(key, "")) for key in self.keys}

    def unknown_keys(self, sections: Mapping[str, str]) -> set[str]:
        return set(sections) - set(self.keys)


def template_to_dict(template: Template) -> dict[str, Any]:
    return {
        "id": template.id,
        "name": template.name,
        "kind": template.kind.value,
        "sections": [
            {"key": s.key, "title": s.title, "prompt": s.prompt, "required": s.required}
            for s in template.sections
        ],
    }


def template_from_dict(data: Mapping[str, Any]) -> Template:
    sections = tuple(
        Section(str(s["key"]), str(s["title"]), str(s["prompt"]), s.get("required") is True)
        for s in data["sections"]
    )
    if not sections or len({s.key for s in sections}) != len(sections):
        raise ValueError("a template needs sections with distinct keys")
    return Template(str(data["id"]), str(data["name"]), NoteKind(data["kind"]), sections)


def _t(tid: str, name: str, kind: NoteKind, *sections: tuple[str, str, str]) -> Template:
    return Template(tid, name, kind, tuple(Section(*s) for s in sections))


_PLAN = ("plan", "Plan", "Next steps, homework, next session, referrals.")

SOAP = _t(
    "soap",
    "Progress note (SOAP)",
    NoteKind.PROGRESS,
    ("subjective", "Subjective", "What the client reports: mood, events, symptoms, goals."),
    ("objective", "Objective", "What you observed: affect, appearance, behaviour, measures."),
    ("assessment", "Assessment", "Your clinical impression and progress toward goals."),
    _PLAN,
)
DAP = _t(
    "dap",
    "Progress note (DAP)",
    NoteKind.PROGRESS,
    ("data", "Data", "What was said and observed in the session."),
    ("assessment", "Assessment", "Your interpretation and progress toward goals."),
    _PLAN,
)
BIRP = _t(
    "birp",
    "Progress note (BIRP)",
    NoteKind.PROGRESS,
    ("behavior", "Behavior", "The client's presentation and reported behaviour."),
    ("intervention", "Intervention", "What you did: techniques and their purpose."),
    ("response", "Response", "How the client responded to the interventions."),
    _PLAN,
)
GIRP = _t(
    "girp",
    "Progress note (GIRP)",
    NoteKind.PROGRESS,
    ("goals", "Goals", "The treatment-plan goals this session addressed."),
    ("intervention", "Intervention", "What you did toward those goals."),
    ("response", "Response", "How the client responded."),
    _PLAN,
)
INTAKE = _t(
    "intake",
    "Intake assessment",
    NoteKind.INTAKE,
    ("presenting_problem", "Presenting problem", "Why the client seeks help now, in their words."),
    ("history", "History", "Psychiatric, medical, family, social, substance use, trauma."),
    (
        "mental_status",
        "Mental status exam",
        "Appearance, behaviour, speech, mood, affect, thought process and content, "
        "perception, cognition, insight, judgement.",
    ),
    (
        "risk",
        "Risk assessment",
        "Suicidal and homicidal ideation, plan, intent, means, history, protective factors, "
        "risk level and safety plan.",
    ),
    ("diagnosis", "Diagnostic impression", "Working diagnoses (ICD-10-CM) and rationale."),
    ("initial_plan", "Initial plan", "Recommended treatment, frequency, referrals."),
)
TREATMENT_PLAN = _t(
    "treatment_plan",
    "Treatment plan",
    NoteKind.TREATMENT_PLAN,
    ("problems", "Problems", "The problems treatment addresses."),
    ("goals", "Goals", "Measurable goals for each problem."),
    ("objectives", "Objectives", "Observable steps toward each goal, with target dates."),
    ("interventions", "Interventions", "What you will do and how often."),
    ("review", "Review", "When and how the plan will be reviewed."),
)
DISCHARGE = _t(
    "discharge",
    "Discharge summary",
    NoteKind.DISCHARGE,
    ("reason", "Reason for discharge", "Goals met, client choice, referral, no contact."),
    ("course", "Course of treatment", "Dates, number of sessions, interventions used."),
    ("outcome", "Outcome", "Progress on each goal; status at discharge."),
    ("recommendations", "Recommendations", "Aftercare, referrals, how to return."),
)
CONTACT = _t(
    "contact",
    "Contact / collateral note",
    NoteKind.CONTACT,
    ("contact", "Contact", "Who, how (phone, email, letter), and whether a release is on file."),
    ("summary", "Summary", "What was discussed or shared."),
    ("follow_up", "Follow-up", "What happens next."),
)
FREEFORM = _t("freeform", "Free-form note", NoteKind.FREEFORM, ("text", "Note", "Free text."))
PSYCHOTHERAPY = _t(
    "psychotherapy",
    "Psychotherapy note (private)",
    NoteKind.PSYCHOTHERAPY,
    (
        "process",
        "Process notes",
        "Your private analysis of the session. Kept apart from the record; never include "
        "session times, modality, diagnosis or treatment plan here.",
    ),
)

TEMPLATES: dict[str, Template] = {
    t.id: t for t in (SOAP, DAP, BIRP, GIRP, INTAKE, TREATMENT_PLAN, DISCHARGE, CONTACT, FREEFORM)
}
TEMPLATES[PSYCHOTHERAPY.id] = PSYCHOTHERAPY


def versioned(template_id: str, version: int) -> str:
    """What a note stores for a therapist's template: 'my-soap@2'. A note keeps the
    version it was written with; built-in templates never change and keep their id."""
    return f"{template_id}@{version}"


def base_id(ref: str) -> str:
    """'my-soap@2' -> 'my-soap'; a built-in id stays as it is."""
    return ref.split("@", 1)[0]


def section_text(sections: Mapping[str, str]) -> str:
    """All sections as one plain text (what the search index holds)."""
    return "\n".join(v for v in sections.values() if v)
