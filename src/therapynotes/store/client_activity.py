"""The client list's kept figures across the two files (issues 17 and 18).

`client_activity` (per client: last service date, attended sessions without a signed
note; m0012) is derived from `notes`, so since the split (m0013) it lives in clinical.db:
whether a session's note is signed is part of the clinical record, and vault.db below
the app holds none of it. It is computed from tables in both files (session_participants
and sessions in vault.db, notes in clinical.db), and SQLite's triggers cannot cross
files, so:

- **TEMP triggers** (and the TEMP view `client_activity_now`), created by `install` on
  every connection that has clinical.db attached (store/connection.py `open_db`, and the
  migration right after the split), keep the table current exactly as m0012's triggers
  did: a TEMP trigger may read and write any attached schema. Unqualified names resolve
  to the one schema that has each table.
- **A counter in each file** tells whether they saw the same changes. A permanent trigger
  in vault.db adds 1 to `vault_meta.client_activity_seq` for every row of
  session_participants inserted, updated or deleted, every session whose service date
  changes and every client deleted; the TEMP triggers add 1 to
  `client_activity_state.seq` in clinical.db for the same rows. A connection without the
  clinical file (a later phase's assistant), or a crash between the two files' commits
  (SQLite commits vault.db first), leaves the counters unequal; `ensure_current`, run at
  every full open (migrations.migrate, at each unlock), then rebuilds the table from the
  view in one clinical.db transaction that also copies the counter.

Must not import PySide6 or services.
"""

from __future__ import annotations

from typing import Any

Connection = Any

SEQ_KEY = "client_activity_seq"  # vault_meta key (vault.db)
STATE_TABLE = "client_activity_state"  # one row in clinical.db: (id 1, seq)

SIGNED = (
    "EXISTS (SELECT 1 FROM notes n WHERE n.session_id = p.session_id"
    " AND n.client_id = p.client_id AND n.state = 'signed' AND n.kind <> 'psychotherapy')"
)

_BUMP_CLINICAL = f"UPDATE {STATE_TABLE} SET seq = seq + 1 WHERE id = 1;"
_BUMP_MAIN = (
    "UPDATE vault_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
    f" WHERE key = '{SEQ_KEY}';"
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

TEMP_VIEW = f"""CREATE TEMP VIEW IF NOT EXISTS client_activity_now AS
    SELECT p.client_id AS client_id, max(s.service_date) AS last_service_date,
        sum(p.attendance = 'attended' AND NOT {SIGNED}) AS unsigned
    FROM session_participants p JOIN sessions s ON s.id = p.session_id
    GROUP BY p.client_id"""

TEMP_TRIGGERS = (
    f"""CREATE TEMP TRIGGER IF NOT EXISTS client_activity_pi
        AFTER INSERT ON main.session_participants
        BEGIN {_refresh("NEW.client_id")} {_BUMP_CLINICAL} END""",
    f"""CREATE TEMP TRIGGER IF NOT EXISTS client_activity_pd
        AFTER DELETE ON main.session_participants
        BEGIN {_refresh("OLD.client_id")} {_BUMP_CLINICAL} END""",
    f"""CREATE TEMP TRIGGER IF NOT EXISTS client_activity_pu
        AFTER UPDATE ON main.session_participants
        BEGIN {_refresh("OLD.client_id")} {_refresh("NEW.client_id")} {_BUMP_CLINICAL} END""",
    f"""CREATE TEMP TRIGGER IF NOT EXISTS client_activity_ni AFTER INSERT ON clinical.notes
        WHEN NEW.session_id IS NOT NULL BEGIN {_refresh("NEW.client_id")} END""",
    f"""CREATE TEMP TRIGGER IF NOT EXISTS client_activity_nd AFTER DELETE ON clinical.notes
        WHEN OLD.session_id IS NOT NULL BEGIN {_refresh("OLD.client_id")} END""",
    f"""CREATE TEMP TRIGGER IF NOT EXISTS client_activity_nu
        AFTER UPDATE OF state, kind, session_id, client_id ON clinical.notes
        BEGIN {_refresh("OLD.client_id")} {_refresh("NEW.client_id")} END""",
    f"""CREATE TEMP TRIGGER IF NOT EXISTS client_activity_su
        AFTER UPDATE OF service_date ON main.sessions
        BEGIN
            DELETE FROM client_activity WHERE client_id IN {_SESSION_CLIENTS};
            INSERT INTO client_activity (client_id, last_service_date, unsigned)
                SELECT client_id, last_service_date, unsigned FROM client_activity_now
                WHERE client_id IN {_SESSION_CLIENTS};
            {_BUMP_CLINICAL}
        END""",
    f"""CREATE TEMP TRIGGER IF NOT EXISTS client_activity_cd AFTER DELETE ON main.clients
        BEGIN DELETE FROM client_activity WHERE client_id = OLD.id; {_BUMP_CLINICAL} END""",
)

# Permanent, in vault.db (created by m0013): the same rows counted on every connection.
MAIN_TRIGGERS = (
    f"""CREATE TRIGGER client_activity_seq_pi AFTER INSERT ON session_participants
        BEGIN {_BUMP_MAIN} END""",
    f"""CREATE TRIGGER client_activity_seq_pd AFTER DELETE ON session_participants
        BEGIN {_BUMP_MAIN} END""",
    f"""CREATE TRIGGER client_activity_seq_pu AFTER UPDATE ON session_participants
        BEGIN {_BUMP_MAIN} END""",
    f"""CREATE TRIGGER client_activity_seq_su AFTER UPDATE OF service_date ON sessions
        BEGIN {_BUMP_MAIN} END""",
    f"""CREATE TRIGGER client_activity_seq_cd AFTER DELETE ON clients
        BEGIN {_BUMP_MAIN} END""",
)


def kept_here(conn: Connection) -> bool:
    """Whether this connection has clinical.db attached, holding the kept table."""
    if not any(str(r[1]) == "clinical" for r in conn.execute("PRAGMA database_list")):
        return False
    row = conn.execute(
        "SELECT 1 FROM clinical.sqlite_master WHERE type = 'table' AND name = 'client_activity'"
    ).fetchone()
    return row is not None


def install(conn: Connection) -> None:
    """Create the TEMP view and triggers on this connection (idempotent); nothing on a
    connection without the kept table in clinical.db (before the split, or vault.db
    alone), and nothing on a read-only (query_only) one, which changes nothing. Run it
    after any `PRAGMA temp_store`: setting that deletes every TEMP object."""
    if not kept_here(conn) or conn.execute("PRAGMA query_only").fetchone()[0]:
        return
    conn.execute(TEMP_VIEW)
    for statement in TEMP_TRIGGERS:
        conn.execute(statement)


def _seqs(conn: Connection) -> tuple[int | None, int | None]:
    main = conn.execute("SELECT value FROM main.vault_meta WHERE key = ?", (SEQ_KEY,)).fetchone()
    kept = conn.execute(f"SELECT seq FROM clinical.{STATE_TABLE} WHERE id = 1").fetchone()
    return (int(main[0]) if main else None), (int(kept[0]) if kept else None)


def rebuild(conn: Connection) -> None:
    """Recompute every row from the session log and copy vault.db's counter (the
    caller's transaction; it writes clinical.db only)."""
    main, _ = _seqs(conn)
    conn.execute("DELETE FROM client_activity")
    conn.execute(
        "INSERT INTO client_activity (client_id, last_service_date, unsigned)"
        " SELECT client_id, last_service_date, unsigned FROM client_activity_now"
    )
    conn.execute(
        f"INSERT INTO clinical.{STATE_TABLE}(id, seq) VALUES (1, ?)"
        " ON CONFLICT(id) DO UPDATE SET seq = excluded.seq",
        (main or 0,),
    )


def ensure_current(conn: Connection) -> bool:
    """Rebuild the table when the two counters differ; True when it did."""
    if not kept_here(conn):
        return False
    install(conn)
    main, kept = _seqs(conn)
    if main is not None and main == kept:
        return False
    from therapynotes.store.connection import transaction  # noqa: PLC0415 - import cycle

    with transaction(conn):
        rebuild(conn)
    return True
