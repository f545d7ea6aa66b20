"""The schedule migration: every session already in a vault becomes an appointment of the
same time, length, code, place and clients, pointing at it, with the status its
attendance says (attended when anyone attended)."""

from __future__ import annotations

import os
from pathlib import Path

from therapynotes.security.secret import Secret
from therapynotes.store import appointments, migrations
from therapynotes.store.connection import close_db, open_db

NOW = "2026-01-02T03:04:05Z"


def _steps() -> tuple[list[migrations.Migration], list[migrations.Migration]]:
    """The migrations before this one, and the rest (its number may change at merge)."""
    found = migrations.discover()
    at = next(i for i, m in enumerate(found) if m.name.endswith("_schedule"))
    return found[:at], found[at:]


def _session(conn: object, sid: int, start: str, end: str, people: dict[int, str]) -> None:
    conn.execute(  # type: ignore[attr-defined]
        "INSERT INTO sessions(id, service_date, starts_at, ends_at, service_code, modality,"
        " place, created_at) VALUES (?, ?, ?, ?, '90847', 'video', 'Room 2', ?)",
        (sid, start[:10], start, end, NOW),
    )
    for cid, attendance in people.items():
        conn.execute(  # type: ignore[attr-defined]
            "INSERT INTO session_participants(session_id, client_id, attendance) VALUES (?, ?, ?)",
            (sid, cid, attendance),
        )


def test_existing_sessions_become_appointments(tmp_path: Path) -> None:
    before, rest = _steps()
    conn = open_db(tmp_path / "old.db", Secret(os.urandom(64)), create=True)
    try:
        migrations.migrate(conn, before)
        for name in ("One", "Two"):
            conn.execute(
                "INSERT INTO clients(legal_name, created_at, updated_at) VALUES (?, ?, ?)",
                (name, NOW, NOW),
            )
        _session(conn, 7, "2025-12-01T09:00:00Z", "2025-12-01T09:50:00Z", {1: "attended"})
        _session(
            conn, 9, "2025-12-02T10:00:00Z", "2025-12-02T11:30:00Z",
            {1: "no_show", 2: "attended"},
        )  # fmt: skip
        _session(conn, 11, "2025-12-03T10:00:00Z", "2025-12-03T10:45:00Z", {2: "late_cancel"})
        assert migrations.migrate(conn, before + rest) == [m.version for m in rest]
        got = appointments.between(conn, "2025-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
        assert [(a.session_id, a.status.value, a.minutes, a.client_ids) for a in got] == [
            (7, "attended", 50, (1,)),
            (9, "attended", 90, (1, 2)),
            (11, "late_cancel", 45, (2,)),
        ]
        assert all(a.starts_at[:10] >= "2025-12-01" and a.place == "Room 2" for a in got)
        assert {a.service_code for a in got} == {"90847"} and got[0].series_id is None
    finally:
        close_db(conn)
