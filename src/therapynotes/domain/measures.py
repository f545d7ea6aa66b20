"""Outcome measures (PHQ-9, GAD-7, PCL-5) as data, and their scoring.

Each instrument is one `Instrument` value: items (wording exactly as published), answer
scale, severity bands, the optional provisional threshold, the reliable-change figure,
the items that raise a safety flag, the source publication and the notice its licence
asks to be shown. Adding an instrument is adding a definition to `INSTRUMENTS`; the
scoring, storage, export, CLI and screens read only these values.

Scoring is the sum of the item answers. An answer set with the wrong number of answers,
a missing answer or one outside the scale is refused (InvalidAnswers), never scored as
zero. Pure: no database, no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from therapynotes.records_errors import InvalidAnswers, UnknownInstrument

__all__ = ["INSTRUMENTS", "InvalidAnswers", "UnknownInstrument", "instrument", "score"]


@dataclass(frozen=True)
class Band:
    lowest: int  # the band starts at this total (inclusive)
    label: str  # lower case, as the CLI prints it


@dataclass(frozen=True)
class RiskItem:
    index: int  # 0-based item index
    message: str  # shown when the answer is not zero


@dataclass(frozen=True)
class Instrument:
    id: str
    name: str
    stem: str
    items: tuple[str, ...]
    options: tuple[str, ...]  # label of answer 0, 1, ...
    bands: tuple[Band, ...]  # ascending by `lowest`; empty when none are published
    source: str
    notice: str = ""
    threshold: int | None = None  # provisional cut-off: at or above is "above"
    threshold_source: str = ""
    reliable_change: int | None = None  # points of change that count as reliable
    reliable_change_source: str = ""
    risk_items: tuple[RiskItem, ...] = ()

    @property
    def max_answer(self) -> int:
        return len(self.options) - 1

    @property
    def max_total(self) -> int:
        return self.max_answer * len(self.items)


@dataclass(frozen=True)
class Score:
    total: int
    band: str  # severity band, or "" when the instrument has none
    threshold: str  # "above" / "below", or "" when the instrument has none
    risks: tuple[str, ...]  # messages of the risk items answered above zero


_FREQUENCY = ("Not at all", "Several days", "More than half the days", "Nearly every day")

_PHQ_NOTICE = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and "
    "colleagues, with an educational grant from Pfizer Inc. No permission required to "
    "reproduce, translate, display or distribute."
)

PHQ9 = Instrument(
    id="PHQ-9",
    name="Patient Health Questionnaire (PHQ-9)",
    stem=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself \u2014 or that you are a failure or have let yourself "
        "or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the "
        "opposite \u2014 being so fidgety or restless that you have been moving around a "
        "lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    options=_FREQUENCY,
    bands=(
        Band(0, "minimal"),
        Band(5, "mild"),
        Band(10, "moderate"),
        Band(15, "moderately severe"),
        Band(20, "severe"),
    ),
    source=(
        "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression "
        "severity measure. J Gen Intern Med. 2001;16(9):606-613."
    ),
    notice=_PHQ_NOTICE,
    reliable_change=6,
    reliable_change_source=(
        "NHS Talking Therapies (IAPT) manual: a change of 6 or more points on the PHQ-9 "
        "is reliable."
    ),
    risk_items=(
        RiskItem(
            8,
            "Item 9 (thoughts of being better off dead or of self-harm) was answered above "
            "'Not at all'. Assess risk now.",
        ),
    ),
)

GAD7 = Instrument(
    id="GAD-7",
    name="Generalized Anxiety Disorder scale (GAD-7)",
    stem=("Over the last 2 weeks, how often have you been bothered by the following problems?"),
    items=(
        "Feeling nervous, anxious or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ),
    options=_FREQUENCY,
    bands=(Band(0, "minimal"), Band(5, "mild"), Band(10, "moderate"), Band(15, "severe")),
    source=(
        "Spitzer RL, Kroenke K, Williams JBW, L\u00f6we B. A brief measure for assessing "
        "generalized anxiety disorder: the GAD-7. Arch Intern Med. 2006;166(10):1092-1097."
    ),
    notice=_PHQ_NOTICE,
    reliable_change=4,
    reliable_change_source=(
        "NHS Talking Therapies (IAPT) manual: a change of 4 or more points on the GAD-7 "
        "is reliable."
    ),
)

_EXPERIENCE = "the stressful experience"

PCL5 = Instrument(
    id="PCL-5",
    name="PTSD Checklist for DSM-5 (PCL-5)",
    # The paper form says "circle one of the numbers to the right to indicate how much";
    # on screen there is nothing to circle, so that one phrase reads "indicate how much".
    stem=(
        "Below is a list of problems that people sometimes have in response to a very "
        "stressful experience. Please read each problem carefully and then indicate how "
        "much you have been bothered by that problem in the past month. In the past "
        "month, how much were you bothered by:"
    ),
    items=(
        f"Repeated, disturbing, and unwanted memories of {_EXPERIENCE}?",
        f"Repeated, disturbing dreams of {_EXPERIENCE}?",
        f"Suddenly feeling or acting as if {_EXPERIENCE} were actually happening again "
        "(as if you were actually back there reliving it)?",
        f"Feeling very upset when something reminded you of {_EXPERIENCE}?",
        f"Having strong physical reactions when something reminded you of {_EXPERIENCE} "
        "(for example, heart pounding, trouble breathing, sweating)?",
        f"Avoiding memories, thoughts, or feelings related to {_EXPERIENCE}?",
        f"Avoiding external reminders of {_EXPERIENCE} (for example, people, places, "
        "conversations, activities, objects, or situations)?",
        f"Trouble remembering important parts of {_EXPERIENCE}?",
        "Having strong negative beliefs about yourself, other people, or the world (for "
        "example, having thoughts such as: I am bad, there is something seriously wrong "
        "with me, no one can be trusted, the world is completely dangerous)?",
        f"Blaming yourself or someone else for {_EXPERIENCE} or what happened after it?",
        "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
        "Loss of interest in activities that you used to enjoy?",
        "Feeling distant or cut off from other people?",
        "Trouble experiencing positive feelings (for example, being unable to feel "
        "happiness or have loving feelings for people close to you)?",
        "Irritable behavior, angry outbursts, or acting aggressively?",
        "Taking too many risks or doing things that could cause you harm?",
        'Being "superalert" or watchful or on guard?',
        "Feeling jumpy or easily startled?",
        "Having difficulty concentrating?",
        "Trouble falling or staying asleep?",
    ),
    options=("Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely"),
    bands=(),
    source=(
        "Weathers FW, Litz BT, Keane TM, Palmieri PA, Marx BP, Schnurr PP. The PTSD "
        "Checklist for DSM-5 (PCL-5). National Center for PTSD, 2013. Psychometrics: "
        "Blevins CA, Weathers FW, Davis MT, Witte TK, Domino JL. J Trauma Stress. "
        "2015;28(6):489-498."
    ),
    notice=(
        "PCL-5: Weathers, Litz, Keane, Palmieri, Marx & Schnurr, National Center for PTSD. "
        "In the public domain."
    ),
    threshold=33,
    threshold_source=(
        "National Center for PTSD: a total of 31-33 or more suggests probable PTSD; 33 is "
        "the provisional cut-off used here."
    ),
    reliable_change=10,
    reliable_change_source=(
        "National Center for PTSD: a change of 10 points is clinically meaningful "
        "(5 points the least reliable change)."
    ),
)

INSTRUMENTS: dict[str, Instrument] = {i.id: i for i in (PHQ9, GAD7, PCL5)}


def instrument(instrument_id: str) -> Instrument:
    """The definition of `instrument_id` (as listed: 'PHQ-9', 'GAD-7', 'PCL-5')."""
    try:
        return INSTRUMENTS[instrument_id]
    except (KeyError, TypeError):
        raise UnknownInstrument from None


def check_answers(definition: Instrument, answers: Sequence[object]) -> tuple[int, ...]:
    """The answers as whole numbers, or InvalidAnswers: one per item, each on the scale.
    None (not answered), booleans and anything not a whole number are refused."""
    if len(answers) != len(definition.items):
        raise InvalidAnswers(
            f"{definition.id} has {len(definition.items)} items; {len(answers)} answers given"
        )
    checked = []
    for n, answer in enumerate(answers, start=1):
        if type(answer) is not int or not 0 <= answer <= definition.max_answer:
            raise InvalidAnswers(f"item {n}: expected 0 to {definition.max_answer}")
        checked.append(answer)
    return tuple(checked)


def band_of(definition: Instrument, total: int) -> str:
    label = ""
    for band in definition.bands:
        if total >= band.lowest:
            label = band.label
    return label


def threshold_of(definition: Instrument, total: int) -> str:
    if definition.threshold is None:
        return ""
    return "above" if total >= definition.threshold else "below"


def score(definition: Instrument, answers: Sequence[object]) -> Score:
    checked = check_answers(definition, answers)
    total = sum(checked)
    risks = tuple(r.message for r in definition.risk_items if checked[r.index] != 0)
    return Score(total, band_of(definition, total), threshold_of(definition, total), risks)


def band_or_threshold(definition: Instrument, total: int) -> str:
    """The one word (or two) that places a total: its band, else 'above threshold' /
    'below threshold'."""
    band = band_of(definition, total)
    if band:
        return band
    where = threshold_of(definition, total)
    return f"{where} threshold" if where else ""


def reliable_change(definition: Instrument, before: int, after: int) -> str:
    """'improved' / 'worsened' when the change reaches the instrument's reliable-change
    figure (lower totals are better on all three), else ''."""
    if definition.reliable_change is None:
        return ""
    if before - after >= definition.reliable_change:
        return "improved"
    if after - before >= definition.reliable_change:
        return "worsened"
    return ""
