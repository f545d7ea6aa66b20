"""Sessions (the service log) and their participants. Callers own the transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from therapynotes.domain.enums import Attendance, Modality
from therapynotes.domain.ids import ClientId, SessionId
from therapynotes.domain.models import DueSession, Participant, ServiceEntry
from therapynotes.store.connection import Connection


def insert(
    conn: Connection,
    *,
    service_date: str,
    starts_at: str,
    ends_at: str,
    service_code: str,
    modality: Modality,
    place: str,
    participants: Sequence[Participant],
    now: str,
) -> SessionId:
    cur = conn.execute(
        "INSERT INTO sessions(service_date, starts_at, ends_at, service_code, modality,"
        " place, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (service_date, starts_at, ends_at, service_code, modality.value, place, now),
    )
    session_id = SessionId(int(cur.lastrowid))
    conn.executemany(
        "INSERT INTO session_participants(session_id, client_id, attendance) VALUES (?, ?, ?)",
        [(session_id, p.client_id, p.attendance.value) for p in participants],
    )
    return session_id


def set_attendance(
    conn: Connection, session_id: SessionId, client_id: ClientId, attendance: Attendance
) -> bool:
    cur = conn.execute(
        "UPDATE session_participants SET attendance = ? WHERE session_id = ? AND client_id = ?",
        (attendance.value, session_id, client_id),
    )
    return bool(cur.rowcount)


_SELECT = (
    "SELECT s.id, s.service_date, s.starts_at, s.ends_at, s.service_code, s.modality,"
    " s.place FROM sessions s"
)


def _load(conn: Connection, rows: list[tuple[object, ...]]) -> list[ServiceEntry]:
    if not rows:
        return []
    ids = [int(str(r[0])) for r in rows]
    people: dict[int, list[Participant]] = defaultdict(list)
    marks = ", ".join("?" for _ in ids)
    for sid, cid, att in conn.execute(
        "SELECT session_id, client_id, attendance FROM session_participants"  # noqa: S608
        f" WHERE session_id IN ({marks}) ORDER BY session_id, client_id",  # noqa: S608
        ids,
    ):
        people[int(sid)].append(Participant(ClientId(int(cid)), Attendance(att)))
    return [
        ServiceEntry(
            SessionId(int(str(r[0]))),
            str(r[1]),
            str(r[2]),
            str(r[3]),
            str(r[4]),
            Modality(str(r[5])),
            str(r[6]),
            tuple(people[int(str(r[0]))]),
        )
        for r in rows
    ]


def get(conn: Connection, session_id: SessionId) -> ServiceEntry | None:
    rows = conn.execute(_SELECT + " WHERE s.id = ?", (session_id,)).fetchall()
    found = _load(conn, rows)
    return found[0] if found else None


def on_date(conn: Connection, service_date: str) -> list[ServiceEntry]:
    """Every session on one day (the home view's "today's sessions"), earliest first."""
    rows = conn.execute(
        _SELECT + " WHERE s.service_date = ? ORDER BY s.starts_at, s.id", (service_date,)
    ).fetchall()
    return _load(conn, rows)


def for_client(conn: Connection, client_id: ClientId) -> list[ServiceEntry]:
    """Every session the client took part in (group sessions included), newest first."""
    rows = conn.execute(
        _SELECT + " JOIN session_participants p ON p.session_id = s.id"
        " WHERE p.client_id = ? ORDER BY s.starts_at DESC, s.id DESC",
        (client_id,),
    ).fetchall()
    return _load(conn, rows)


def due(
    conn: Connection, *, now: str, overdue_before: str, client_id: ClientId | None = None
) -> list[DueSession]:
    """Attended sessions that have ended and have no signed note for the participant."""
    where = " AND p.client_id = ?" if client_id is not None else ""
    params: tuple[object, ...] = (now,) + ((client_id,) if client_id is not None else ())
    rows = conn.execute(
        "SELECT p.session_id, p.client_id, s.service_date, s.ends_at"  # noqa: S608
        " FROM session_participants p JOIN sessions s ON s.id = p.session_id"
        " WHERE p.attendance = 'attended' AND s.ends_at <= ?" + where + " AND NOT EXISTS"
        " (SELECT 1 FROM notes n WHERE n.session_id = p.session_id"
        "  AND n.client_id = p.client_id AND n.state = 'signed' AND n.kind <> 'psychotherapy')"
        " ORDER BY s.ends_at",
        params,
    ).fetchall()
    return [
        DueSession(SessionId(int(r[0])), ClientId(int(r[1])), r[2], r[3], r[3] < overdue_before)
        for r in rows
    ]
