"""Outcome-measure courses of the demo practice (services/demo.py): PHQ-9, GAD-7 and
PCL-5 given every few attended sessions, following a course per client: improving, flat
or worsening, and one client whose PHQ-9 item 9 was answered above zero once and
addressed the same day. Seeded, so the same seed gives the same measures.

Must not import PySide6.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time

from therapynotes.domain import measures as defs
from therapynotes.domain import rules

COURSES = ("improving", "flat", "worsening", "improving")
FLAGGED_CLIENT = 2  # item 9 answered above zero once, then addressed
ADDRESSED_NOTE = (
    "Asked directly about item 9: passive thoughts, no plan or intent, protective factors "
    "reviewed (children, work). Safety plan updated and given; crisis line number shared."
)

INSERT = (
    "INSERT INTO measure_responses(id, client_id, instrument, given_on, answers, total, risk,"
    " addressed_at, addressed_note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _answers(
    rng: random.Random, definition: defs.Instrument, total: int, *, item9: int = 0
) -> list[int]:
    """A plausible answer set with the given total (safety items as asked)."""
    answers = [0] * len(definition.items)
    risk_items = {r.index for r in definition.risk_items}
    for index in risk_items:
        answers[index] = item9
    left = max(0, total - sum(answers))
    free = [i for i in range(len(answers)) if i not in risk_items]
    while left > 0:
        i = rng.choice(free)
        if answers[i] < definition.max_answer:
            answers[i] += 1
            left -= 1
    return answers


def _targets(rng: random.Random, course: str, count: int, start: int, top: int) -> list[int]:
    """Totals along a course, with noise, within 0..top."""
    out = []
    for k in range(count):
        step = {"improving": -start * 0.7, "flat": 0.0, "worsening": start * 0.9}[course]
        value = start + step * k / max(1, count - 1) + rng.randint(-2, 2)
        out.append(int(min(top, max(0, round(value)))))
    return out


def rows_for(
    seed: int, visits: dict[int, list[date]], *, first_id: int = 1
) -> list[tuple[object, ...]]:
    """measure_responses rows for clients' attended session days (client -> days)."""
    rng = random.Random(seed * 7919 + 14)  # noqa: S311 - reproducible fake data
    rows: list[tuple[object, ...]] = []
    next_id = first_id
    for cid, days in sorted(visits.items()):
        given = days[::3][:12]
        if len(given) < 3:
            continue
        course = COURSES[cid % len(COURSES)]
        plan = [("PHQ-9", 18 if course == "improving" else 9), ("GAD-7", 12)]
        if cid % 5 == 0:
            plan.append(("PCL-5", 52 if course != "worsening" else 30))
        for instrument, start in plan:
            definition = defs.instrument(instrument)
            totals = _targets(rng, course, len(given), start, definition.max_total)
            for n, (day, total) in enumerate(zip(given, totals, strict=True)):
                flagged = cid == FLAGGED_CLIENT and instrument == "PHQ-9" and n == 1
                answers = _answers(rng, definition, total, item9=1 if flagged else 0)
                scored = defs.score(definition, answers)
                at = rules.format_instant(datetime.combine(day, time(10), UTC))
                done = rules.format_instant(datetime.combine(day, time(11), UTC))
                rows.append(
                    (
                        next_id,
                        cid,
                        definition.id,
                        day.isoformat(),
                        json.dumps(answers),
                        scored.total,
                        int(bool(scored.risks)),
                        done if scored.risks else None,
                        ADDRESSED_NOTE if scored.risks else None,
                        at,
                    )
                )
                next_id += 1
    return rows
