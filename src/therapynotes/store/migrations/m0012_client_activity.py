"""Schema 12: the client list's figures kept current on write (issue 18).

The list shows, per client, the date of the last session and the number of attended
sessions, ended by now, without a signed note. Counting those over the whole session
log at every refresh (a NOT EXISTS per participant) cost 52 ms on the stress practice
and 110 ms at twice its size. Now `client_activity` holds, per client with sessions,
the last service date and the number of attended sessions without a signed note (of any
time); triggers recompute one client's row (from the `client_activity_now` view, over
that client's own sessions only) whenever a participant, a note or a session's date
changes. The list subtracts the few such sessions that have not ended yet (found
through the new index on sessions.ends_at), so it costs the same however long the
record grows.

A derived cache of the session log inside the vault: not exported (an import rebuilds
it through the triggers), and a purge empties it with the client's sessions.
"""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 12
DESCRIPTION = "speeding up the client list"

SIGNED = (
    "EXISTS (SELECT 1 FROM notes n WHERE n.session_id = p.session_id"
    " AND n.client_id = p.client_id AND n.state = 'signed' AND n.kind <> 'psychotherapy')"
)


def _refresh(client: str) -> str:
    """Trigger statements recomputing the row of the client `client` names."""
    return (
        f"DELETE FROM client_activity WHERE client_id = {client};"
        " INSERT INTO client_activity (client_id, last_service_date, unsigned)"
        f" SELECT client_id, last_service_date, unsigned FROM client_activity_now"
        f" WHERE client_id = {client};"
    )


_SESSION_CLIENTS = "(SELECT client_id FROM session_participants WHERE session_id = NEW.id)"

STATEMENTS = (
    "CREATE INDEX sessions_ends ON sessions(ends_at)",
    """CREATE TABLE client_activity (
        client_id INTEGER PRIMARY KEY,
        last_service_date TEXT NOT NULL,
        unsigned INTEGER NOT NULL CHECK (unsigned >= 0)
    ) STRICT""",
    f"""CREATE VIEW client_activity_now AS
        SELECT p.client_id AS client_id, max(s.service_date) AS last_service_date,
            sum(p.attendance = 'attended' AND NOT {SIGNED}) AS unsigned
        FROM session_participants p JOIN sessions s ON s.id = p.session_id
        GROUP BY p.client_id""",
    f"""CREATE TRIGGER client_activity_pi AFTER INSERT ON session_participants
        BEGIN {_refresh("NEW.client_id")} END""",
    f"""CREATE TRIGGER client_activity_pd AFTER DELETE ON session_participants
        BEGIN {_refresh("OLD.client_id")} END""",
    f"""CREATE TRIGGER client_activity_pu AFTER UPDATE ON session_participants
        BEGIN {_refresh("OLD.client_id")} {_refresh("NEW.client_id")} END""",
    f"""CREATE TRIGGER client_activity_ni AFTER INSERT ON notes
        WHEN NEW.session_id IS NOT NULL BEGIN {_refresh("NEW.client_id")} END""",
    f"""CREATE TRIGGER client_activity_nd AFTER DELETE ON notes
        WHEN OLD.session_id IS NOT NULL BEGIN {_refresh("OLD.client_id")} END""",
    f"""CREATE TRIGGER client_activity_nu
        AFTER UPDATE OF state, kind, session_id, client_id ON notes
        BEGIN {_refresh("OLD.client_id")} {_refresh("NEW.client_id")} END""",
    f"""CREATE TRIGGER client_activity_su AFTER UPDATE OF service_date ON sessions
        BEGIN
            DELETE FROM client_activity WHERE client_id IN {_SESSION_CLIENTS};
            INSERT INTO client_activity (client_id, last_service_date, unsigned)
                SELECT client_id, last_service_date, unsigned FROM client_activity_now
                WHERE client_id IN {_SESSION_CLIENTS};
        END""",
    """CREATE TRIGGER client_activity_cd AFTER DELETE ON clients
        BEGIN DELETE FROM client_activity WHERE client_id = OLD.id; END""",
    """INSERT INTO client_activity (client_id, last_service_date, unsigned)
        SELECT client_id, last_service_date, unsigned FROM client_activity_now""",
)


def upgrade(conn: Connection) -> None:
    for statement in STATEMENTS:
        conn.execute(statement)
