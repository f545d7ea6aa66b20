"""Retention queries, legal holds and the purge of one client's rows.

Callers own the transaction. `purge_client` works only inside the schema's purge
authorisation (m0003 `purge_authorisations`), which m0004 refuses for clients on legal
hold. Must not import: PySide6, therapynotes.services.
"""

from __future__ import annotations

from dataclasses import dataclass

from therapynotes.domain.ids import ClientId
from therapynotes.store.connection import Connection, driver


@dataclass(frozen=True)
class ClientDates:
    client_id: ClientId
    last_service: str  # YYYY-MM-DD
    date_of_birth: str | None


# Last service: the latest attended session or signed note (a voided note, written in
# the wrong chart, is no service); a client never seen counts from intake (or from the
# day the chart was opened).
_DATES = """
SELECT c.id, max(
        coalesce(s.last_session, ''), coalesce(n.last_note, ''),
        coalesce(c.intake_date, substr(c.created_at, 1, 10))),
    c.date_of_birth
FROM clients c
LEFT JOIN (SELECT p.client_id, max(x.service_date) AS last_session
           FROM session_participants p JOIN sessions x ON x.id = p.session_id
           WHERE p.attendance = 'attended' GROUP BY p.client_id) s ON s.client_id = c.id
LEFT JOIN (SELECT client_id, max(service_date) AS last_note FROM notes
           WHERE state = 'signed' GROUP BY client_id) n ON n.client_id = c.id
{where}
ORDER BY c.id
"""


def client_dates(conn: Connection, client_id: ClientId | None = None) -> list[ClientDates]:
    where, params = ("WHERE c.id = ?", (client_id,)) if client_id is not None else ("", ())
    rows = conn.execute(_DATES.format(where=where), params).fetchall()
    return [ClientDates(ClientId(int(r[0])), str(r[1]), r[2]) for r in rows]


def holds(conn: Connection) -> set[ClientId]:
    return {ClientId(int(r[0])) for r in conn.execute("SELECT client_id FROM legal_holds")}


def place_hold(conn: Connection, client_id: ClientId, *, now: str) -> bool:
    """False when the client was already on hold."""
    cur = conn.execute(
        "INSERT INTO legal_holds(client_id, placed_at) VALUES (?, ?)"
        " ON CONFLICT(client_id) DO NOTHING",
        (client_id, now),
    )
    return bool(cur.rowcount)


def release_hold(conn: Connection, client_id: ClientId) -> bool:
    cur = conn.execute("DELETE FROM legal_holds WHERE client_id = ?", (client_id,))
    return bool(cur.rowcount)


# (what, count query, delete statement), in an order the foreign keys allow. The first
# part of the list is the clinical record (clinical.db, schema 13), the rest vault.db.
_PARTS = (
    ("", "", "DELETE FROM form_drafts WHERE client_id = :c"),
    (
        "measures",
        "SELECT count(*) FROM measure_responses WHERE client_id = :c",
        "DELETE FROM measure_responses WHERE client_id = :c",
    ),
    (
        "attachments",
        "SELECT count(*) FROM attachments WHERE client_id = :c",
        "DELETE FROM attachment_blobs WHERE attachment_id IN"
        " (SELECT id FROM attachments WHERE client_id = :c)",
    ),
    ("", "", "DELETE FROM attachments WHERE client_id = :c"),
    (  # supervision (m0015): co-signatures and review comments under the notes
        "cosignatures",
        "SELECT count(*) FROM cosignatures WHERE note_id IN"
        " (SELECT id FROM notes WHERE client_id = :c)",
        "DELETE FROM cosignatures WHERE note_id IN (SELECT id FROM notes WHERE client_id = :c)",
    ),
    (
        "review_comments",
        "SELECT count(*) FROM review_comments WHERE note_id IN"
        " (SELECT id FROM notes WHERE client_id = :c)",
        "DELETE FROM review_comments WHERE note_id IN (SELECT id FROM notes WHERE client_id = :c)",
    ),
    (
        "addenda",
        "SELECT count(*) FROM addenda WHERE note_id IN (SELECT id FROM notes WHERE client_id = :c)",
        "DELETE FROM addenda WHERE note_id IN (SELECT id FROM notes WHERE client_id = :c)",
    ),
    (
        "draft_revisions",
        "SELECT count(*) FROM note_revisions WHERE note_id IN"
        " (SELECT id FROM notes WHERE client_id = :c)",
        "DELETE FROM note_revisions WHERE note_id IN (SELECT id FROM notes WHERE client_id = :c)",
    ),
    (
        "notes",
        "SELECT count(*) FROM notes WHERE client_id = :c",
        "DELETE FROM notes WHERE client_id = :c",
    ),
    (
        "plan_versions",
        "SELECT count(*) FROM treatment_plans WHERE client_id = :c",
        "DELETE FROM treatment_plans WHERE client_id = :c",
    ),
    (
        "diagnoses",
        "SELECT count(*) FROM diagnoses WHERE client_id = :c",
        "DELETE FROM diagnoses WHERE client_id = :c",
    ),
    # ---- vault.db from here on (see _CLINICAL_PART_COUNT)
    # Typing kept at a lock in dialogs without clinical text (schema 17).
    ("", "", "DELETE FROM main.shared_form_drafts WHERE client_id = :c"),
    # Billing (schema 8): allocations, then ledger entries, then the client's own fees.
    (
        "",
        "",
        "DELETE FROM allocations WHERE payment_id IN"
        " (SELECT id FROM ledger WHERE client_id = :c) OR charge_id IN"
        " (SELECT id FROM ledger WHERE client_id = :c)",
    ),
    (
        "ledger_entries",
        "SELECT count(*) FROM ledger WHERE client_id = :c",
        "DELETE FROM ledger WHERE client_id = :c",
    ),
    (
        "fees",
        "SELECT count(*) FROM fee_schedule WHERE client_id = :c",
        "DELETE FROM fee_schedule WHERE client_id = :c",
    ),
    (  # the schedule (m0008): the client's place in each appointment
        "appointments",
        "SELECT count(*) FROM appointment_clients WHERE client_id = :c",
        "DELETE FROM appointment_clients WHERE client_id = :c",
    ),
    (
        "sessions",
        "SELECT count(*) FROM session_participants WHERE client_id = :c",
        "DELETE FROM session_participants WHERE client_id = :c",
    ),
    ("", "", "DELETE FROM clients WHERE id = :c"),
)


_CLINICAL_PART_COUNT = 11
_CLINICAL_PARTS = _PARTS[:_CLINICAL_PART_COUNT]
_MAIN_PARTS = _PARTS[_CLINICAL_PART_COUNT:]


def purge_counts(conn: Connection, client_id: ClientId) -> dict[str, int]:
    """How many rows of each kind a purge of the client would remove."""
    return {
        what: int(conn.execute(query, {"c": client_id}).fetchone()[0])
        for what, query, _ in _PARTS
        if what
    }


def purge_clinical(conn: Connection, client_id: ClientId) -> None:
    """Delete the client's clinical record (clinical.db), in a transaction of its own
    that writes nothing else: WAL makes a transaction over two files atomic in each
    file but not across them, so the purge deletes the clinical part first and
    `purge_client` the rest after; a crash between leaves a client with no clinical
    record, which the next purge finishes (never clinical rows without their client).
    Raises the driver's IntegrityError for a client on legal hold."""
    if client_id in holds(conn):
        raise driver().IntegrityError("client is on legal hold")
    # The clinical triggers read their own twin of purge_authorisations (m0013).
    conn.execute("INSERT INTO clinical.purge_authorisations(client_id) VALUES (?)", (client_id,))
    for _, _, statement in _CLINICAL_PARTS:
        conn.execute(statement, {"c": client_id})
    conn.execute("DELETE FROM clinical.purge_authorisations WHERE client_id = ?", (client_id,))


def purge_client(conn: Connection, client_id: ClientId) -> None:
    """Delete the client's rows in vault.db (after `purge_clinical`). Raises the driver's
    IntegrityError when the client is on legal hold (the schema refuses the
    authorisation)."""
    conn.execute("INSERT INTO purge_authorisations(client_id) VALUES (?)", (client_id,))
    session_ids = [
        (r[0],)
        for r in conn.execute(
            "SELECT session_id FROM session_participants WHERE client_id = ?", (client_id,)
        )
    ]
    for _, _, statement in _MAIN_PARTS:
        conn.execute(statement, {"c": client_id})
    _purge_orphan_appointments(conn)
    # The client's sessions go too, except group sessions other clients took part in.
    conn.executemany(
        "DELETE FROM sessions WHERE id = ? AND NOT EXISTS"
        " (SELECT 1 FROM session_participants p WHERE p.session_id = sessions.id)",
        session_ids,
    )
    conn.execute("DELETE FROM purge_authorisations WHERE client_id = ?", (client_id,))


def _purge_orphan_appointments(conn: Connection) -> None:
    """Appointments (and series) left with no client: the purged client's own ones."""
    conn.execute(
        "DELETE FROM appointments WHERE NOT EXISTS"
        " (SELECT 1 FROM appointment_clients c WHERE c.appointment_id = appointments.id)"
    )
    conn.execute(
        "DELETE FROM appointment_series WHERE NOT EXISTS"
        " (SELECT 1 FROM appointments a WHERE a.series_id = appointment_series.id)"
    )


CLINICAL_FTS_TABLES = ("notes_fts", "psychotherapy_fts", "diagnoses_fts")
MAIN_FTS_TABLES = ("clients_fts",)
FTS_TABLES = (*CLINICAL_FTS_TABLES, *MAIN_FTS_TABLES)


def fts_secure_delete(conn: Connection, *, on: bool, tables: tuple[str, ...] = FTS_TABLES) -> None:
    """FTS5 secure-delete: a delete removes the row's tokens from the index pages at once
    instead of leaving them in old segments. Costly on every write, so only a purge turns
    it on, inside its own transaction."""
    for table in tables:
        conn.execute(
            f"INSERT INTO {table}({table}, rank) VALUES ('secure-delete', ?)",  # noqa: S608
            (1 if on else 0,),
        )


def compact_indexes(conn: Connection, tables: tuple[str, ...] = FTS_TABLES) -> None:
    """Merge every full-text index into one segment, dropping what deletes left behind."""
    for table in tables:
        conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")  # noqa: S608
