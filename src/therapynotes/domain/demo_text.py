"""Synthetic clinical prose for demo vaults and benchmarks: plausible, varied, and
never about a real person (no names, no places). Pure: the caller passes the random
generator, so a seed gives the same practice every time."""

from __future__ import annotations

import random
from collections.abc import Sequence

from therapynotes.domain.templates import Template

FEELINGS = (
    "anxious",
    "low",
    "irritable",
    "hopeful",
    "overwhelmed",
    "tired",
    "calmer",
    "tense",
    "discouraged",
    "more settled",
    "restless",
    "numb",
    "guilty",
    "relieved",
    "lonely",
)
TOPICS = (
    "work deadlines",
    "sleep",
    "a conflict with a partner",
    "family expectations",
    "grief after a loss",
    "panic symptoms on the commute",
    "intrusive memories",
    "social situations",
    "alcohol use on weekends",
    "self-criticism",
    "a recent move",
    "parenting stress",
    "health worries",
    "procrastination at school",
    "a breakup",
    "rumination at night",
    "anger at a sibling",
    "avoidance of driving",
    "exam pressure",
    "financial strain",
    "caregiving for a parent",
    "body image",
    "perfectionism",
)
OBSERVATIONS = (
    "appeared well groomed and made good eye contact",
    "was tearful when discussing {topic}",
    "spoke at a normal rate with organised thought process",
    "affect was constricted but congruent with reported mood",
    "was fidgety early in the session and settled as it went on",
    "was engaged and completed the weekly measure",
    "reported a PHQ-9 score of {score}",
    "reported a GAD-7 score of {score}",
    "denied suicidal and homicidal ideation, plan or intent",
    "was oriented to person, place and time",
)
INTERVENTIONS = (
    "cognitive restructuring of catastrophic predictions about {topic}",
    "diaphragmatic breathing and grounding practice",
    "a graded exposure hierarchy for {topic}",
    "behavioural activation planning for the coming week",
    "motivational interviewing about {topic}",
    "psychoeducation on the anxiety cycle",
    "a chain analysis of the last episode of {topic}",
    "mindfulness of emotions with a short guided exercise",
    "values clarification linked to {topic}",
    "problem solving around {topic}",
    "reviewing the safety plan and coping cards",
    "sleep hygiene review and a stimulus control plan",
)
RESPONSES = (
    "Client engaged well and identified two alternative thoughts",
    "Client found the exercise helpful and rated distress down from {score} to {low}",
    "Client was ambivalent but agreed to try one step",
    "Client struggled to stay with the exercise and asked to revisit it",
    "Client reported the skill had already helped once this week",
    "Client linked the pattern to earlier experiences",
)
PLANS = (
    "Continue weekly sessions",
    "Client will practise the breathing exercise daily and log it",
    "Complete the thought record twice before next session",
    "Take the first step on the exposure hierarchy",
    "Review progress toward treatment goals next session",
    "Re-administer the PHQ-9 and GAD-7 in two weeks",
    "Coordinate with the primary care provider after a release is signed",
)
CONNECTIVES = (
    "This week",
    "Since the last session",
    "Today",
    "In session",
    "Over the weekend",
    "At work",
    "At home",
    "When asked",
    "Later in the session",
    "Overall",
)


def _fill(rng: random.Random, text: str) -> str:
    score = rng.randint(4, 21)
    return text.format(topic=rng.choice(TOPICS), score=score, low=max(0, score - 6))


def sentence(rng: random.Random, kind: str) -> str:
    if kind == "subjective":
        return _fill(
            rng,
            f"{rng.choice(CONNECTIVES)} client described feeling {rng.choice(FEELINGS)} "
            f"about {{topic}}, and said it had affected {rng.choice(TOPICS)}.",
        )
    if kind == "objective":
        return _fill(rng, f"Client {rng.choice(OBSERVATIONS)}.")
    if kind == "intervention":
        return _fill(rng, f"Clinician used {rng.choice(INTERVENTIONS)}.")
    if kind == "response":
        return _fill(rng, f"{rng.choice(RESPONSES)}.")
    if kind == "plan":
        return f"{rng.choice(PLANS)}."
    return _fill(
        rng,
        f"Progress on {{topic}} is {rng.choice(('slow', 'steady', 'mixed', 'good'))}; "
        f"client remains {rng.choice(FEELINGS)} at times, consistent with the working "
        "formulation.",
    )


_SECTION_STYLE = {
    "subjective": "subjective",
    "data": "subjective",
    "behavior": "subjective",
    "presenting_problem": "subjective",
    "history": "subjective",
    "goals": "assessment",
    "objective": "objective",
    "mental_status": "objective",
    "risk": "objective",
    "intervention": "intervention",
    "interventions": "intervention",
    "response": "response",
    "outcome": "response",
    "plan": "plan",
    "initial_plan": "plan",
    "recommendations": "plan",
    "follow_up": "plan",
}


def paragraph(rng: random.Random, style: str, words: int) -> str:
    out: list[str] = []
    count = 0
    while count < words:
        s = sentence(rng, style)
        out.append(s)
        count += s.count(" ") + 1
    return " ".join(out)


def note_sections(rng: random.Random, template: Template, words: int) -> dict[str, str]:
    """Sections of `template` filled with about `words` words in all."""
    keys: Sequence[str] = template.keys
    share = max(20, words // len(keys))
    return {k: paragraph(rng, _SECTION_STYLE.get(k, "assessment"), share) for k in keys}
