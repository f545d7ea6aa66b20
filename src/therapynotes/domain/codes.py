"""Service (CPT) codes a solo therapist bills, with what each means."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceCode:
    code: str
    description: str
    minutes: int | None
    group: bool = False


CPT_CODES: tuple[ServiceCode, ...] = (
    ServiceCode("90791", "Psychiatric diagnostic evaluation (intake)", 60),
    ServiceCode("90832", "Psychotherapy, 30 minutes", 30),
    ServiceCode("90834", "Psychotherapy, 45 minutes", 45),
    ServiceCode("90837", "Psychotherapy, 60 minutes", 60),
    ServiceCode("90839", "Psychotherapy for crisis, first 60 minutes", 60),
    ServiceCode("90840", "Psychotherapy for crisis, each additional 30 minutes", 30),
    ServiceCode("90846", "Family psychotherapy without the patient", 50, group=True),
    ServiceCode("90847", "Family or couple psychotherapy with the patient", 50, group=True),
    ServiceCode("90853", "Group psychotherapy", 90, group=True),
)

CPT_BY_CODE = {c.code: c for c in CPT_CODES}


def is_cpt_code(code: str) -> bool:
    return code in CPT_BY_CODE


# CPT time rules for individual psychotherapy: a code is met once the session passes the
# midpoint of its time (16 minutes for 30, 38 for 45, 53 for 60); none under 16 minutes.
TIMED_PSYCHOTHERAPY: dict[str, tuple[int, int | None]] = {
    "90832": (16, 37),
    "90834": (38, 52),
    "90837": (53, None),
}


def timed_code_for(minutes: int) -> str | None:
    """The psychotherapy code a session of this length meets, if any."""
    for code, (low, high) in TIMED_PSYCHOTHERAPY.items():
        if minutes >= low and (high is None or minutes <= high):
            return code
    return None


def duration_problem(code: str, minutes: int) -> str:
    """Empty when the code fits a session of this many minutes (codes without a time rule
    always fit); otherwise what is wrong and what would fit, in one or two sentences."""
    rule = TIMED_PSYCHOTHERAPY.get(code)
    if rule is None:
        return ""
    low, high = rule
    if minutes >= low and (high is None or minutes <= high):
        return ""
    span = f"{low} minutes or more" if high is None else f"{low} to {high} minutes"
    fits = timed_code_for(minutes)
    advice = (
        f"Choose {fits}, or correct the times."
        if fits
        else "A session under 16 minutes can't be billed as psychotherapy; correct the times."
    )
    return f"{code} is for {span}; this session is {minutes} minutes. {advice}"
