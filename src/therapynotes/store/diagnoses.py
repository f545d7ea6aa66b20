"""Diagnoses (ICD-10-CM code and description) of a client. Callers own the transaction."""

from __future__ import annotations

from typing import Any

from therapynotes.domain.ids import ClientId, DiagnosisId
from therapynotes.domain.models import Diagnosis
from therapynotes.store.connection import Connection


def insert(
    conn: Connection,
    *,
    client_id: ClientId,
    code: str,
    description: str,
    primary: bool,
    onset_date: str | None,
    now: str,
) -> DiagnosisId:
    if primary:
        # One primary diagnosis at a time: the new one takes the flag.
        conn.execute("UPDATE diagnoses SET is_primary = 0 WHERE client_id = ?", (client_id,))
    cur = conn.execute(
        "INSERT INTO diagnoses(client_id, code, description, is_primary, onset_date,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (client_id, code, description, int(primary), onset_date, now),
    )
    return DiagnosisId(int(cur.lastrowid))


def resolve(conn: Connection, diagnosis_id: DiagnosisId, resolved_date: str) -> bool:
    cur = conn.execute(
        "UPDATE diagnoses SET resolved_date = ? WHERE id = ?", (resolved_date, diagnosis_id)
    )
    return bool(cur.rowcount)


def make_primary(conn: Connection, diagnosis_id: DiagnosisId) -> bool:
    """The client's one primary diagnosis becomes this one (the others lose the flag)."""
    conn.execute(
        "UPDATE diagnoses SET is_primary = (id = ?)"
        " WHERE client_id = (SELECT client_id FROM diagnoses WHERE id = ?)",
        (diagnosis_id, diagnosis_id),
    )
    row = conn.execute("SELECT is_primary FROM diagnoses WHERE id = ?", (diagnosis_id,)).fetchone()
    return row is not None and bool(row[0])


def _from_row(r: Any) -> Diagnosis:
    return Diagnosis(
        DiagnosisId(int(r[0])), ClientId(int(r[1])), r[2], r[3], bool(r[4]), r[5], r[6]
    )


def get(conn: Connection, diagnosis_id: DiagnosisId) -> Diagnosis | None:
    row = conn.execute(
        "SELECT id, client_id, code, description, is_primary, onset_date, resolved_date"
        " FROM diagnoses WHERE id = ?",
        (diagnosis_id,),
    ).fetchone()
    return _from_row(row) if row is not None else None


def for_client(conn: Connection, client_id: ClientId) -> list[Diagnosis]:
    rows = conn.execute(
        "SELECT id, client_id, code, description, is_primary, onset_date, resolved_date"
        " FROM diagnoses WHERE client_id = ? ORDER BY is_primary DESC, id",
        (client_id,),
    ).fetchall()
    return [_from_row(r) for r in rows]
