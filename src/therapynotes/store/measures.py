"""Outcome measures given to a client (schema 10). Callers own the transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from therapynotes.domain.ids import ClientId
from therapynotes.store.connection import Connection


@dataclass(frozen=True)
class MeasureResponse:
    id: int
    client_id: ClientId
    instrument: str
    given_on: str  # YYYY-MM-DD
    answers: tuple[int, ...]
    total: int
    risk: bool
    addressed_at: str | None
    addressed_note: str | None
    created_at: str

    @property
    def risk_open(self) -> bool:
        return self.risk and self.addressed_at is None


_COLUMNS = (
    "id, client_id, instrument, given_on, answers, total, risk, addressed_at,"
    " addressed_note, created_at"
)


def _from_row(r: Any) -> MeasureResponse:
    return MeasureResponse(
        int(r[0]),
        ClientId(int(r[1])),
        str(r[2]),
        str(r[3]),
        tuple(int(a) for a in json.loads(r[4])),
        int(r[5]),
        bool(r[6]),
        r[7],
        r[8],
        str(r[9]),
    )


def insert(
    conn: Connection,
    *,
    client_id: ClientId,
    instrument: str,
    given_on: str,
    answers: tuple[int, ...],
    total: int,
    risk: bool,
    now: str,
) -> int:
    cur = conn.execute(
        "INSERT INTO measure_responses(client_id, instrument, given_on, answers, total, risk,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (client_id, instrument, given_on, json.dumps(list(answers)), total, int(risk), now),
    )
    return int(cur.lastrowid)


def get(conn: Connection, response_id: int) -> MeasureResponse | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM measure_responses WHERE id = ?",  # noqa: S608
        (response_id,),
    ).fetchone()
    return _from_row(row) if row is not None else None


def for_client(
    conn: Connection, client_id: ClientId, instrument: str | None = None
) -> list[MeasureResponse]:
    """Oldest first (by the day given, then as recorded)."""
    sql = f"SELECT {_COLUMNS} FROM measure_responses WHERE client_id = ?"  # noqa: S608
    params: tuple[Any, ...] = (client_id,)
    if instrument is not None:
        sql += " AND instrument = ?"
        params = (client_id, instrument)
    rows = conn.execute(sql + " ORDER BY given_on, id", params).fetchall()
    return [_from_row(r) for r in rows]


def open_risks(conn: Connection) -> list[MeasureResponse]:
    """Every safety flag not yet addressed, across clients, oldest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM measure_responses"  # noqa: S608
        " WHERE risk = 1 AND addressed_at IS NULL ORDER BY given_on, id"
    ).fetchall()
    return [_from_row(r) for r in rows]


def mark_addressed(conn: Connection, response_id: int, *, note: str, now: str) -> bool:
    cur = conn.execute(
        "UPDATE measure_responses SET addressed_at = ?, addressed_note = ?"
        " WHERE id = ? AND risk = 1 AND addressed_at IS NULL",
        (now, note, response_id),
    )
    return bool(cur.rowcount)
