"""Clients: the demographic part of the chart, and the client list query.

Callers own the transaction (the service wraps each use case in one). Must not import:
PySide6, therapynotes.services.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from therapynotes.domain.enums import ClientStatus
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import (
    Client,
    ClientFields,
    ClientSummary,
    display_name,
    name_sort_key,
)
from therapynotes.store.connection import Connection, has_clinical

FIELDS = tuple(f.name for f in dataclasses.fields(ClientFields))
_COLUMNS = ", ".join(FIELDS)


def _values(fields: ClientFields) -> tuple[Any, ...]:
    return tuple(
        v.value if isinstance(v, ClientStatus) else v
        for v in (getattr(fields, name) for name in FIELDS)
    )


def insert(conn: Connection, fields: ClientFields, *, now: str) -> ClientId:
    marks = ", ".join("?" for _ in FIELDS)
    cur = conn.execute(
        f"INSERT INTO clients({_COLUMNS}, created_at, updated_at) VALUES ({marks}, ?, ?)",  # noqa: S608 - column names are constants
        (*_values(fields), now, now),
    )
    return ClientId(int(cur.lastrowid))


def update(conn: Connection, client_id: ClientId, fields: ClientFields, *, now: str) -> bool:
    assignments = ", ".join(f"{name} = ?" for name in FIELDS)
    cur = conn.execute(
        f"UPDATE clients SET {assignments}, updated_at = ? WHERE id = ?",  # noqa: S608
        (*_values(fields), now, client_id),
    )
    return bool(cur.rowcount)


def _from_row(row: Any) -> Client:
    values = dict(zip(FIELDS, row[1 : 1 + len(FIELDS)], strict=True))
    values["status"] = ClientStatus(values["status"])
    return Client(ClientId(int(row[0])), ClientFields(**values), row[-2], row[-1])


def get(conn: Connection, client_id: ClientId) -> Client | None:
    row = conn.execute(
        f"SELECT id, {_COLUMNS}, created_at, updated_at FROM clients WHERE id = ?",  # noqa: S608
        (client_id,),
    ).fetchone()
    return None if row is None else _from_row(row)


def exists(conn: Connection, client_id: ClientId) -> bool:
    return conn.execute("SELECT 1 FROM clients WHERE id = ?", (client_id,)).fetchone() is not None


def _shared_summaries(conn: Connection, status_filter: str) -> list[ClientSummary]:
    """The list for a login without the clinical key (an assistant, issue 17): the last
    session from vault.db's session log; notes due are not theirs to see (0)."""
    people = conn.execute(
        "SELECT c.id, c.legal_name, c.preferred_name, c.status, (SELECT max(s.service_date)"  # noqa: S608
        " FROM session_participants p JOIN sessions s ON s.id = p.session_id"
        f" WHERE p.client_id = c.id) FROM clients c {status_filter}"
    ).fetchall()
    rows = [
        ClientSummary(
            ClientId(int(cid)), display_name(str(legal), str(pref)), ClientStatus(status), last, 0
        )
        for cid, legal, pref, status, last in people
    ]
    return sorted(rows, key=lambda r: (*name_sort_key(r.display_name), r.id))


def summaries(conn: Connection, *, include_all: bool, due_cutoff: str) -> list[ClientSummary]:
    """Every client (or the active ones), sorted by display name, with the date of their
    last session and the number of attended sessions ended before `due_cutoff` that have
    no signed note.

    The figures come from `client_activity`, which triggers keep current on write
    (migration m0012): one row per client, whatever the length of the charts, less the
    few sessions without a signed note that end after the cutoff (found by the index
    on sessions.ends_at).
    """
    status_filter = "" if include_all else "WHERE c.status = 'active'"
    if not has_clinical(conn):
        return _shared_summaries(conn, status_filter)
    people = conn.execute(
        "SELECT c.id, c.legal_name, c.preferred_name, c.status,"  # noqa: S608
        " a.last_service_date, coalesce(a.unsigned, 0)"
        f" FROM clients c LEFT JOIN client_activity a ON a.client_id = c.id {status_filter}"
    ).fetchall()
    not_ended = dict(
        conn.execute(
            # sessions first, by its ends_at index: only those ending after the cutoff
            "SELECT p.client_id, count(*) FROM sessions s INDEXED BY sessions_ends"
            " CROSS JOIN session_participants p ON p.session_id = s.id"
            " WHERE s.ends_at > ? AND p.attendance = 'attended'"
            " AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.session_id = p.session_id"
            "   AND n.client_id = p.client_id AND n.state = 'signed'"
            "   AND n.kind <> 'psychotherapy')"
            " GROUP BY p.client_id",
            (due_cutoff,),
        ).fetchall()
    )
    rows = [
        ClientSummary(
            ClientId(int(cid)),
            display_name(str(legal), str(preferred)),
            ClientStatus(status),
            last,
            int(unsigned) - int(not_ended.get(cid, 0)),
        )
        for cid, legal, preferred, status, last, unsigned in people
    ]
    # Sorted by what the list shows (the display name), not by a column it hides.
    return sorted(rows, key=lambda r: (*name_sort_key(r.display_name), r.id))
