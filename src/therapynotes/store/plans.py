"""Treatment plans: each change is a new, write-once version (the schema refuses edits).
The body is a JSON document (problems -> goals -> objectives -> interventions), the
shape documented in docs/records.md. Callers own the transaction."""

from __future__ import annotations

import json
from typing import Any

from therapynotes.domain.ids import ClientId, PlanId
from therapynotes.domain.models import Goal, Objective, PlanContent, Problem, TreatmentPlan
from therapynotes.domain.rules import canonical_json
from therapynotes.store.connection import Connection


def encode(content: PlanContent) -> str:
    return canonical_json(
        {
            "problems": [
                {
                    "text": p.text,
                    "goals": [
                        {
                            "text": g.text,
                            "objectives": [
                                {"text": o.text, "target_date": o.target_date, "met": o.met}
                                for o in g.objectives
                            ],
                            "interventions": list(g.interventions),
                        }
                        for g in p.goals
                    ],
                }
                for p in content.problems
            ]
        }
    )


def decode(body: str, review_date: str | None) -> PlanContent:
    data: dict[str, Any] = json.loads(body)
    return PlanContent(
        problems=tuple(
            Problem(
                p["text"],
                tuple(
                    Goal(
                        g["text"],
                        tuple(
                            Objective(o["text"], o.get("target_date"), bool(o.get("met")))
                            for o in g.get("objectives", [])
                        ),
                        tuple(g.get("interventions", [])),
                    )
                    for g in p.get("goals", [])
                ),
            )
            for p in data.get("problems", [])
        ),
        review_date=review_date,
    )


def insert_version(
    conn: Connection,
    *,
    client_id: ClientId,
    effective_date: str,
    content: PlanContent,
    now: str,
) -> tuple[PlanId, int]:
    row = conn.execute(
        "SELECT coalesce(max(version), 0) FROM treatment_plans WHERE client_id = ?",
        (client_id,),
    ).fetchone()
    version = int(row[0]) + 1
    cur = conn.execute(
        "INSERT INTO treatment_plans(client_id, version, effective_date, review_date, body,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (client_id, version, effective_date, content.review_date, encode(content), now),
    )
    return PlanId(int(cur.lastrowid)), version


def _from_row(r: Any) -> TreatmentPlan:
    return TreatmentPlan(
        PlanId(int(r[0])), ClientId(int(r[1])), int(r[2]), r[3], decode(r[5], r[4]), r[6]
    )


_SELECT = (
    "SELECT id, client_id, version, effective_date, review_date, body, created_at"
    " FROM treatment_plans WHERE client_id = ?"
)


def versions(conn: Connection, client_id: ClientId) -> list[TreatmentPlan]:
    rows = conn.execute(_SELECT + " ORDER BY version", (client_id,)).fetchall()
    return [_from_row(r) for r in rows]


def current(conn: Connection, client_id: ClientId) -> TreatmentPlan | None:
    row = conn.execute(_SELECT + " ORDER BY version DESC LIMIT 1", (client_id,)).fetchone()
    return None if row is None else _from_row(row)
