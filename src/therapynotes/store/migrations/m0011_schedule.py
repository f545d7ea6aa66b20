"""Schema 11: the schedule. Appointments (booked ahead, one client or several), the
series they may belong to (an RFC 5545 RRULE expanded in local wall-clock time), and
the link to the session log: an appointment that took place (attended, no-show, late
cancel) points at its session, which keeps the per-client attendance and the notes.

Every session already in the vault becomes an appointment of the same time, length,
code and place, pointing at it, so the schedule shows the past as it happened:
attended when any participant attended, else the first participant's attendance.
"""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 11
DESCRIPTION = "adding the schedule"

_INSTANT = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"

TABLES = (
    f"""CREATE TABLE appointment_series (
        id INTEGER PRIMARY KEY,
        rrule TEXT NOT NULL CHECK (length(rrule) BETWEEN 1 AND 200),
        tzid TEXT NOT NULL CHECK (length(tzid) BETWEEN 1 AND 64),
        created_at TEXT NOT NULL CHECK (created_at {_INSTANT})
    ) STRICT""",
    f"""CREATE TABLE appointments (
        id INTEGER PRIMARY KEY,
        series_id INTEGER REFERENCES appointment_series(id),
        starts_at TEXT NOT NULL CHECK (starts_at {_INSTANT}),
        minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 720),
        service_code TEXT NOT NULL CHECK (service_code GLOB '[0-9][0-9][0-9][0-9][0-9]'),
        modality TEXT NOT NULL CHECK (modality IN ('in_person', 'video', 'phone')),
        place TEXT NOT NULL DEFAULT '',
        memo TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN
            ('scheduled', 'attended', 'no_show', 'late_cancel', 'cancelled')),
        cancelled_by TEXT NOT NULL DEFAULT '' CHECK (cancelled_by IN ('', 'client', 'therapist')),
        session_id INTEGER UNIQUE REFERENCES sessions(id),
        created_at TEXT NOT NULL CHECK (created_at {_INSTANT}),
        updated_at TEXT NOT NULL CHECK (updated_at {_INSTANT}),
        CHECK (status <> 'scheduled' OR session_id IS NULL),
        CHECK (status = 'cancelled' OR cancelled_by = '')
    ) STRICT""",
    "CREATE INDEX appointments_start ON appointments(starts_at, id)",
    "CREATE INDEX appointments_series ON appointments(series_id, starts_at)",
    """CREATE TABLE appointment_clients (
        appointment_id INTEGER NOT NULL REFERENCES appointments(id),
        client_id INTEGER NOT NULL REFERENCES clients(id),
        PRIMARY KEY (appointment_id, client_id)
    ) STRICT, WITHOUT ROWID""",
    "CREATE INDEX appointment_clients_client ON appointment_clients(client_id, appointment_id)",
)

# The status of an existing session, from its participants' attendance.
_BACKFILL = """
INSERT INTO appointments(id, series_id, starts_at, minutes, service_code, modality, place,
    memo, status, cancelled_by, session_id, created_at, updated_at)
SELECT s.id, NULL, s.starts_at,
    max(1, min(720, CAST(round(
        (julianday(s.ends_at) - julianday(s.starts_at)) * 1440) AS INTEGER))),
    s.service_code, s.modality, s.place, '',
    CASE WHEN EXISTS (SELECT 1 FROM session_participants p
                      WHERE p.session_id = s.id AND p.attendance = 'attended') THEN 'attended'
         ELSE coalesce((SELECT p.attendance FROM session_participants p
                        WHERE p.session_id = s.id ORDER BY p.client_id LIMIT 1), 'attended')
    END,
    '', s.id, s.created_at, s.created_at
FROM sessions s {where}
"""


def backfill_sessions(conn: Connection, *, only_unlinked: bool = False) -> int:
    """Make every session (or every one without an appointment) an appointment; used by
    the migration and by the import of export documents older than the schedule."""
    where = (
        "WHERE NOT EXISTS (SELECT 1 FROM appointments a WHERE a.session_id = s.id)"
        if only_unlinked
        else ""
    )
    # Ids follow the sessions' where they are free; an import into a vault with
    # appointments already (never: imports go into empty vaults) would take new ones.
    sql = _BACKFILL.format(where=where)
    if only_unlinked:
        sql = sql.replace("SELECT s.id, NULL", "SELECT NULL, NULL", 1)
    cur = conn.execute(sql)
    conn.execute(
        "INSERT INTO appointment_clients(appointment_id, client_id)"
        " SELECT a.id, p.client_id FROM appointments a"
        " JOIN session_participants p ON p.session_id = a.session_id"
        " WHERE NOT EXISTS (SELECT 1 FROM appointment_clients c WHERE c.appointment_id = a.id)"
    )
    return int(cur.rowcount)


def upgrade(conn: Connection) -> None:
    for statement in TABLES:
        conn.execute(statement)
    backfill_sessions(conn)
