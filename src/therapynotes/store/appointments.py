"""Appointments, their series and clients (schema 11). Callers own the transaction.

Must not import PySide6 or therapynotes.services.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import display_name
from therapynotes.domain.schedule import Appointment, AppointmentStatus, CancelledBy, overlaps
from therapynotes.store.connection import Connection

_SELECT = (
    "SELECT a.id, a.series_id, a.starts_at, a.minutes, a.service_code, a.modality, a.place,"
    " a.memo, a.status, a.cancelled_by, a.session_id FROM appointments a"
)


def insert_series(conn: Connection, *, rule: str, tzid: str, now: str) -> int:
    cur = conn.execute(
        "INSERT INTO appointment_series(rrule, tzid, created_at) VALUES (?, ?, ?)",
        (rule, tzid, now),
    )
    return int(cur.lastrowid)


def series_rule(conn: Connection, series_id: int) -> tuple[str, str] | None:
    row = conn.execute(
        "SELECT rrule, tzid FROM appointment_series WHERE id = ?", (series_id,)
    ).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def insert(
    conn: Connection,
    *,
    starts_at: str,
    minutes: int,
    service_code: str,
    modality: str,
    place: str,
    memo: str,
    client_ids: Sequence[ClientId],
    now: str,
    series_id: int | None = None,
    status: AppointmentStatus = AppointmentStatus.SCHEDULED,
    session_id: int | None = None,
) -> int:
    cur = conn.execute(
        "INSERT INTO appointments(series_id, starts_at, minutes, service_code, modality, place,"
        " memo, status, session_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            series_id,
            starts_at,
            minutes,
            service_code,
            modality,
            place,
            memo,
            status.value,
            session_id,
            now,
            now,
        ),
    )
    appointment_id = int(cur.lastrowid)
    conn.executemany(
        "INSERT INTO appointment_clients(appointment_id, client_id) VALUES (?, ?)",
        [(appointment_id, cid) for cid in client_ids],
    )
    return appointment_id


def _load(conn: Connection, rows: list[tuple[object, ...]]) -> list[Appointment]:
    if not rows:
        return []
    people: dict[int, list[ClientId]] = defaultdict(list)
    ids = [int(str(r[0])) for r in rows]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for aid, cid in conn.execute(
            "SELECT appointment_id, client_id FROM appointment_clients"  # noqa: S608
            f" WHERE appointment_id IN ({marks}) ORDER BY appointment_id, client_id",
            chunk,
        ):
            people[int(aid)].append(ClientId(int(cid)))
    return [
        Appointment(
            id=int(str(r[0])),
            series_id=None if r[1] is None else int(str(r[1])),
            starts_at=str(r[2]),
            minutes=int(str(r[3])),
            service_code=str(r[4]),
            modality=str(r[5]),
            place=str(r[6]),
            memo=str(r[7]),
            status=AppointmentStatus(str(r[8])),
            cancelled_by=CancelledBy(str(r[9])),
            session_id=None if r[10] is None else int(str(r[10])),
            client_ids=tuple(people[int(str(r[0]))]),
        )
        for r in rows
    ]


def get(conn: Connection, appointment_id: int) -> Appointment | None:
    found = _load(conn, conn.execute(_SELECT + " WHERE a.id = ?", (appointment_id,)).fetchall())
    return found[0] if found else None


def between(conn: Connection, start: str, end: str) -> list[Appointment]:
    """Appointments starting in [start, end) (UTC instants), earliest first."""
    rows = conn.execute(
        _SELECT + " WHERE a.starts_at >= ? AND a.starts_at < ? ORDER BY a.starts_at, a.id",
        (start, end),
    ).fetchall()
    return _load(conn, rows)


def for_client(conn: Connection, client_id: ClientId) -> list[Appointment]:
    rows = conn.execute(
        _SELECT + " JOIN appointment_clients c ON c.appointment_id = a.id"
        " WHERE c.client_id = ? ORDER BY a.starts_at, a.id",
        (client_id,),
    ).fetchall()
    return _load(conn, rows)


def series_from(conn: Connection, series_id: int, starts_at: str) -> list[Appointment]:
    """This occurrence and the following ones of a series, earliest first."""
    rows = conn.execute(
        _SELECT + " WHERE a.series_id = ? AND a.starts_at >= ? ORDER BY a.starts_at, a.id",
        (series_id, starts_at),
    ).fetchall()
    return _load(conn, rows)


def holding_time(conn: Connection, start: str, end: str) -> list[Appointment]:
    """Appointments that still hold time (scheduled or attended) and start before `end`
    and end after `start` (a generous window, refined by the caller)."""
    rows = conn.execute(
        _SELECT + " WHERE a.status IN ('scheduled', 'attended')"
        " AND a.starts_at < ? AND a.starts_at >= strftime('%Y-%m-%dT%H:%M:%SZ', ?, '-720 minutes')"
        " ORDER BY a.starts_at, a.id",
        (end, start),
    ).fetchall()
    return _load(conn, rows)


def update_time(
    conn: Connection,
    appointment_id: int,
    *,
    starts_at: str,
    minutes: int,
    series_id: int | None,
    now: str,
) -> None:
    conn.execute(
        "UPDATE appointments SET starts_at = ?, minutes = ?, series_id = ?, updated_at = ?"
        " WHERE id = ?",
        (starts_at, minutes, series_id, now, appointment_id),
    )


def update_status(
    conn: Connection,
    appointment_id: int,
    *,
    status: AppointmentStatus,
    cancelled_by: CancelledBy,
    session_id: int | None,
    now: str,
) -> None:
    conn.execute(
        "UPDATE appointments SET status = ?, cancelled_by = ?, session_id = ?, updated_at = ?"
        " WHERE id = ?",
        (status.value, cancelled_by.value, session_id, now, appointment_id),
    )


def by_session(conn: Connection, session_id: int) -> Appointment | None:
    rows = conn.execute(_SELECT + " WHERE a.session_id = ?", (session_id,)).fetchall()
    found = _load(conn, rows)
    return found[0] if found else None


def counts_for_client(conn: Connection, client_id: ClientId) -> dict[str, int]:
    """How many of the client's appointments ended as each status."""
    rows = conn.execute(
        "SELECT a.status, count(*) FROM appointments a"
        " JOIN appointment_clients c ON c.appointment_id = a.id"
        " WHERE c.client_id = ? GROUP BY a.status",
        (client_id,),
    ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def next_for_client(conn: Connection, client_id: ClientId, now: str) -> Appointment | None:
    rows = conn.execute(
        _SELECT + " JOIN appointment_clients c ON c.appointment_id = a.id"
        " WHERE c.client_id = ? AND a.status = 'scheduled' AND a.starts_at >= ?"
        " ORDER BY a.starts_at, a.id LIMIT 1",
        (client_id, now),
    ).fetchall()
    found = _load(conn, rows)
    return found[0] if found else None


_DERIVED_STATUS = """CASE
    WHEN EXISTS (SELECT 1 FROM session_participants p
                 WHERE p.session_id = :s AND p.attendance = 'attended') THEN 'attended'
    ELSE coalesce((SELECT p.attendance FROM session_participants p
                   WHERE p.session_id = :s ORDER BY p.client_id LIMIT 1), 'attended')
END"""


def _booked_for(conn: Connection, session_id: int) -> Appointment | None:
    """The scheduled appointment a session logged after the fact took place as: the same
    clients, overlapping its time (the earliest such)."""
    row = conn.execute(
        "SELECT starts_at, ends_at FROM sessions WHERE id = ?", (session_id,)
    ).fetchone()
    if row is None:
        return None
    people = sorted(
        int(r[0])
        for r in conn.execute(
            "SELECT client_id FROM session_participants WHERE session_id = ?", (session_id,)
        )
    )
    rows = conn.execute(
        _SELECT + " WHERE a.status = 'scheduled' AND a.session_id IS NULL AND a.starts_at < ?"
        " AND a.starts_at >= strftime('%Y-%m-%dT%H:%M:%SZ', ?, '-720 minutes')"
        " ORDER BY a.starts_at, a.id",
        (str(row[1]) if row[1] > row[0] else str(row[0]) + "~", str(row[0])),
    ).fetchall()
    start = datetime.strptime(str(row[0]), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    end = datetime.strptime(str(row[1]), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    minutes = max(1, int((end - start).total_seconds() // 60))
    for a in _load(conn, rows):
        if sorted(a.client_ids) == people and overlaps(a.start, a.minutes, start, minutes):
            return a
    return None


def follow_session(conn: Connection, session_id: int, *, now: str) -> int:
    """Keep the appointment of a session in step with it: a session logged after the
    fact becomes an attended appointment; an attendance changed in the Sessions tab
    changes the appointment's status. Returns the appointment's id."""
    found = by_session(conn, session_id) or _booked_for(conn, session_id)
    if found is not None:
        conn.execute(
            f"UPDATE appointments SET status = {_DERIVED_STATUS}, cancelled_by = '',"  # noqa: S608
            " session_id = :s, updated_at = :now WHERE id = :a",
            {"s": session_id, "now": now, "a": found.id},
        )
        return found.id
    cur = conn.execute(
        "INSERT INTO appointments(series_id, starts_at, minutes, service_code, modality, place,"  # noqa: S608
        " memo, status, session_id, created_at, updated_at)"
        " SELECT NULL, s.starts_at, max(1, min(720, CAST(round((julianday(s.ends_at)"
        " - julianday(s.starts_at)) * 1440) AS INTEGER))), s.service_code, s.modality, s.place,"
        f" '', {_DERIVED_STATUS}, s.id, :now, :now FROM sessions s WHERE s.id = :s",
        {"s": session_id, "now": now},
    )
    appointment_id = int(cur.lastrowid)
    conn.execute(
        "INSERT INTO appointment_clients(appointment_id, client_id)"
        " SELECT ?, client_id FROM session_participants WHERE session_id = ?",
        (appointment_id, session_id),
    )
    return appointment_id


def client_names(
    conn: Connection, ids: Sequence[int] | None = None, *, active_only: bool = False
) -> dict[int, str]:
    """Display names by client id: of these clients, or of every (active) client. Reads
    only the name columns (the week view must not pay for the client list's counts)."""
    sql = "SELECT id, legal_name, preferred_name FROM clients"
    params: list[object] = []
    if ids is not None:
        if not ids:
            return {}
        sql += f" WHERE id IN ({', '.join('?' for _ in ids)})"  # noqa: S608 - marks only
        params = list(ids)
    elif active_only:
        sql += " WHERE status = 'active'"
    rows = conn.execute(sql + " ORDER BY legal_name, id", params).fetchall()
    return {int(r[0]): display_name(str(r[1]), str(r[2])) for r in rows}


def written_notes(conn: Connection, session_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(session, client) pairs of these sessions that have a signed record note."""
    if not session_ids:
        return set()
    marks = ", ".join("?" for _ in session_ids)
    rows = conn.execute(
        "SELECT session_id, client_id FROM notes"  # noqa: S608 - marks only
        f" WHERE session_id IN ({marks}) AND state = 'signed' AND kind <> 'psychotherapy'",
        list(session_ids),
    ).fetchall()
    return {(int(r[0]), int(r[1])) for r in rows}
