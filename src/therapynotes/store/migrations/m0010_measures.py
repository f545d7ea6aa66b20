"""Schema 10: outcome measures (PHQ-9, GAD-7, PCL-5; definitions in domain/measures.py).

One row per measure given: the instrument id, the day it was given, every item's answer
(a JSON array of whole numbers) and the total, which the service computes from the
definition. `risk` is 1 when a safety item (PHQ-9 item 9) was answered above zero; the
flag stays until `addressed_at` and `addressed_note` (how it was addressed, in the
therapist's words) are set, together, once. Nothing else of a row ever changes, and rows
are deleted only by a client's purge (purge_authorisations, m0003).
"""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 10
DESCRIPTION = "adding outcome measures"

_INSTANT = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"
_DATE = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"


def upgrade(conn: Connection) -> None:
    conn.execute(
        f"""CREATE TABLE measure_responses (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients(id),
            instrument TEXT NOT NULL CHECK (length(instrument) BETWEEN 1 AND 32),
            given_on TEXT NOT NULL CHECK (given_on {_DATE}),
            answers TEXT NOT NULL
                CHECK (json_valid(answers) AND json_type(answers) = 'array'),
            total INTEGER NOT NULL CHECK (total >= 0),
            risk INTEGER NOT NULL DEFAULT 0 CHECK (risk IN (0, 1)),
            addressed_at TEXT CHECK (addressed_at IS NULL OR addressed_at {_INSTANT}),
            addressed_note TEXT,
            created_at TEXT NOT NULL CHECK (created_at {_INSTANT}),
            CHECK ((addressed_at IS NULL) = (addressed_note IS NULL)),
            CHECK (addressed_note IS NULL OR length(trim(addressed_note)) > 0),
            CHECK (risk = 1 OR addressed_at IS NULL)
        ) STRICT"""
    )
    conn.execute("CREATE INDEX measure_responses_client ON measure_responses(client_id, given_on)")
    conn.execute(
        """CREATE TRIGGER measure_responses_immutable BEFORE UPDATE ON measure_responses
        WHEN OLD.addressed_at IS NOT NULL
            OR NEW.id IS NOT OLD.id OR NEW.client_id IS NOT OLD.client_id
            OR NEW.instrument IS NOT OLD.instrument OR NEW.given_on IS NOT OLD.given_on
            OR NEW.answers IS NOT OLD.answers OR NEW.total IS NOT OLD.total
            OR NEW.risk IS NOT OLD.risk OR NEW.created_at IS NOT OLD.created_at
        BEGIN SELECT RAISE(ABORT, 'measure responses cannot be changed'); END"""
    )
    conn.execute(
        """CREATE TRIGGER measure_responses_no_delete BEFORE DELETE ON measure_responses
        WHEN NOT EXISTS (SELECT 1 FROM purge_authorisations a WHERE a.client_id = OLD.client_id)
        BEGIN SELECT RAISE(ABORT, 'measure responses cannot be deleted'); END"""
    )
