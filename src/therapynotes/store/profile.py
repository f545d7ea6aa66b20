"""The clinician profile row (schema 5, `clinician_profile`: at most one row, id 1).
Stores what domain/profile.py validated; callers own the transaction."""

from __future__ import annotations

from therapynotes.domain.profile import ClinicianProfile
from therapynotes.store.connection import Connection

_COLUMNS = "name, credentials, license_number, license_state, npi"


def get(conn: Connection) -> ClinicianProfile | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM clinician_profile WHERE id = 1").fetchone()  # noqa: S608
    return None if row is None else ClinicianProfile(*(str(v) for v in row))


def put(conn: Connection, profile: ClinicianProfile, *, now: str) -> None:
    conn.execute(
        f"INSERT INTO clinician_profile(id, {_COLUMNS}, updated_at)"  # noqa: S608
        " VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
        " name = excluded.name, credentials = excluded.credentials,"
        " license_number = excluded.license_number, license_state = excluded.license_state,"
        " npi = excluded.npi, updated_at = excluded.updated_at",
        (
            profile.name,
            profile.credentials,
            profile.license_number,
            profile.license_state,
            profile.npi,
            now,
        ),
    )


def signer(conn: Connection) -> str | None:
    """Who a signature made now names; None while no profile is set."""
    found = get(conn)
    return None if found is None else found.signer
