"""Issue 18: the client list's figures, kept current on write (migration m0012), equal
what the old query (a scan of the whole session log, bench/client_list_bench.py's
`scan_summaries`) gives, on a generated practice and after every kind of change: notes
written, signed, voided, re-kinded, deleted; attendance changed; sessions added in the
future, moved, removed; clients purged. Checked at several cutoffs, active and all."""

from __future__ import annotations

import random
from datetime import date

import pyotp
import pytest
from bench.client_list_bench import scan_summaries

from tests.conftest import STRONG
from therapynotes.security.secret import Secret
from therapynotes.services import demo
from therapynotes.services.retention import RetentionService
from therapynotes.services.rotation import KeyRotation
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.store import client_activity as ca
from therapynotes.store import clients, connection, migrations
from therapynotes.store.connection import driver, transaction

TODAY = date(2027, 1, 10)
CUTOFFS = ("2020-06-01T00:00:00Z", "2027-01-10T09:00:00Z", "2031-01-01T00:00:00Z")
STAMP = "2027-01-10T09:00:00Z"


def assert_same(conn: object) -> None:
    for cutoff in CUTOFFS:
        for include_all in (True, False):
            old = scan_summaries(conn, include_all=include_all, due_cutoff=cutoff)
            new = clients.summaries(conn, include_all=include_all, due_cutoff=cutoff)
            assert new == old, (cutoff, include_all)


def _one(conn: object, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0])  # type: ignore[attr-defined]


def _note(conn: object, state: str, rng: random.Random) -> int:
    """A random note in `state`, chosen by the seeded `rng` (SQLite's random() is not
    seeded: the walk would differ from run to run)."""
    rows = conn.execute(  # type: ignore[attr-defined]
        "SELECT id FROM notes WHERE session_id IS NOT NULL AND state = ? ORDER BY id", (state,)
    ).fetchall()
    return int(rng.choice(rows)[0]) if rows else 0


def _sign(conn: object, note: int) -> None:
    conn.execute(  # type: ignore[attr-defined]
        "UPDATE notes SET state = 'signed', signed_at = ?, content_hash = ? WHERE id = ?",
        (STAMP, "0" * 64, note),
    )


def _void(conn: object, note: int) -> None:
    conn.execute(  # type: ignore[attr-defined]
        "UPDATE notes SET state = 'voided', voided_at = ?, void_reason = 'wrong chart'"
        " WHERE id = ?",
        (STAMP, note),
    )


def _future_session(conn: object, client: int, rng: random.Random) -> None:
    day = f"20{rng.randint(27, 30)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    cur = conn.execute(  # type: ignore[attr-defined]
        "INSERT INTO sessions (service_date, starts_at, ends_at, service_code, modality,"
        " created_at) VALUES (?, ?, ?, '90834', 'video', ?)",
        (day, f"{day}T10:00:00Z", f"{day}T10:50:00Z", STAMP),
    )
    conn.execute(  # type: ignore[attr-defined]
        "INSERT INTO session_participants (session_id, client_id, attendance)"
        " VALUES (?, ?, 'attended')",
        (cur.lastrowid, client),
    )


def _change(conn: object, rng: random.Random) -> str:
    """One random change; returns its name."""
    participant = rng.choice(
        conn.execute(  # type: ignore[attr-defined]
            "SELECT session_id, client_id FROM session_participants ORDER BY session_id, client_id"
        ).fetchall()
    )
    draft, signed = _note(conn, "draft", rng), _note(conn, "signed", rng)
    action = rng.choice(
        ["draft", "draft", "sign", "void", "kind", "delete", "attend", "move", "new"]
    )
    if action == "draft":
        day = conn.execute(  # type: ignore[attr-defined]
            "SELECT service_date, ends_at FROM sessions WHERE id = ?", (participant[0],)
        ).fetchone()
        conn.execute(  # type: ignore[attr-defined]
            "INSERT INTO notes (client_id, session_id, kind, template, service_date,"
            " occurred_at, body, created_at, updated_at)"
            " VALUES (?, ?, 'progress', 'soap', ?, ?, '{}', ?, ?)",
            (participant[1], participant[0], day[0], day[1], STAMP, STAMP),
        )
    elif action == "sign" and draft:
        _sign(conn, draft)
    elif action == "void" and signed:
        _void(conn, signed)
    elif action == "kind" and draft:
        conn.execute(  # type: ignore[attr-defined]
            "UPDATE OR IGNORE notes SET kind = ? WHERE id = ?",
            (rng.choice(["progress", "psychotherapy", "contact"]), draft),
        )
    elif action == "delete" and draft:
        conn.execute("DELETE FROM note_revisions WHERE note_id = ?", (draft,))  # type: ignore[attr-defined]
        conn.execute("DELETE FROM notes WHERE id = ?", (draft,))  # type: ignore[attr-defined]
    elif action == "attend":
        conn.execute(  # type: ignore[attr-defined]
            "UPDATE session_participants SET attendance = ? WHERE session_id = ? AND client_id = ?",
            (rng.choice(["attended", "no_show", "late_cancel"]), *participant),
        )
    elif action == "move":
        day = f"20{rng.randint(18, 29)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        conn.execute(  # type: ignore[attr-defined]
            "UPDATE sessions SET service_date = ?, starts_at = ?, ends_at = ? WHERE id = ?",
            (day, f"{day}T10:00:00Z", f"{day}T10:50:00Z", participant[0]),
        )
    elif action == "new":
        _future_session(conn, int(participant[1]), rng)
    else:
        return "nothing to change"
    return action


@pytest.fixture
def practice(unlocked: VaultSession) -> VaultSession:
    demo.build(unlocked.conn, demo.DemoSpec(clients=24, years=3, seed=18), today=TODAY)
    return unlocked


def test_the_kept_figures_equal_the_old_query_through_every_change(
    practice: VaultSession,
) -> None:
    conn = practice.conn
    assert _one(conn, "SELECT count(*) FROM client_activity") > 20
    assert_same(conn)
    rng = random.Random(18)
    refused = driver().IntegrityError  # a change the schema's own rules refuse: skipped
    applied: list[str] = []
    for _ in range(300):
        try:
            with transaction(conn):
                action = _change(conn, rng)
        except refused:
            continue
        applied.append(action)
        assert_same(conn)
    assert len(applied) > 100
    assert set(applied) >= {"draft", "sign", "void", "kind", "delete", "attend", "move", "new"}
    due_now = clients.summaries(conn, include_all=True, due_cutoff=CUTOFFS[1])
    assert any(s.notes_due for s in due_now)  # the changes left some notes due


def test_a_purged_client_leaves_no_row(practice: VaultSession, clock) -> None:
    conn = practice.conn
    client = _one(conn, "SELECT client_id FROM client_activity ORDER BY client_id")
    RetentionService(practice, clock=clock).purge(client, before_retention_date="asked for it")
    left = conn.execute("SELECT count(*) FROM client_activity WHERE client_id = ?", (client,))
    assert left.fetchone()[0] == 0
    assert_same(conn)


def test_the_migration_fills_the_table_from_an_existing_log(practice: VaultSession) -> None:
    conn = practice.conn
    expected = conn.execute("SELECT * FROM client_activity ORDER BY client_id").fetchall()
    with transaction(conn):
        conn.execute("DELETE FROM client_activity")
        conn.execute(
            "INSERT INTO client_activity SELECT client_id, last_service_date, unsigned"
            " FROM client_activity_now"
        )
    assert conn.execute("SELECT * FROM client_activity ORDER BY client_id").fetchall() == expected
    assert migrations.current_version(conn) == migrations.latest_version()


def test_the_kept_table_lives_in_clinical_db_and_vault_db_holds_none_of_it(
    practice: VaultSession,
) -> None:
    """Issue 17: the due counts are derived from notes, so they live in clinical.db; only
    a counter of session-log changes (no content) stays in vault.db."""
    conn = practice.conn
    where = {
        str(r[0])
        for schema in ("main", "clinical")
        for r in conn.execute(
            f"SELECT '{schema}' FROM {schema}.sqlite_master WHERE name = 'client_activity'"  # noqa: S608
        )
    }
    assert where == {"clinical"}
    assert _one(conn, "SELECT count(*) FROM clinical.client_activity") > 20
    seq = conn.execute("SELECT value FROM main.vault_meta WHERE key = ?", (ca.SEQ_KEY,))
    assert int(seq.fetchone()[0]) == _one(conn, "SELECT seq FROM clinical.client_activity_state")


def test_changes_made_without_the_clinical_file_are_caught_up_at_the_next_open(
    practice: VaultSession,
) -> None:
    """A connection with vault.db alone (a later phase's assistant) changes the session
    log: the counters differ, and the next full open rebuilds the table in full."""
    conn = practice.conn
    shared = Secret(practice.data_keys().reveal()[:32])
    alone = connection.open_db(practice.paths.db, shared)
    try:
        rng = random.Random(17)
        for _ in range(5):
            ids = alone.execute("SELECT id FROM clients ORDER BY id").fetchall()
            client = int(rng.choice(ids)[0])
            with transaction(alone):
                _future_session(alone, client, rng)
                alone.execute(
                    "UPDATE session_participants SET attendance = 'no_show'"
                    " WHERE client_id = ? AND attendance = 'attended'",
                    (client,),
                )
    finally:
        connection.close_db(alone)
    with pytest.raises(AssertionError):
        assert_same(conn)  # stale: the TEMP triggers never saw those writes
    assert ca.ensure_current(conn)  # what migrations.migrate runs at each unlock
    assert_same(conn)
    assert not ca.ensure_current(conn)  # counters equal again: nothing to do


def test_a_crash_between_the_two_commits_is_caught_up(practice: VaultSession) -> None:
    """SQLite commits vault.db before clinical.db: losing clinical.db's half of a session
    change leaves the counters unequal, and the table is rebuilt at the next open."""
    conn = practice.conn
    with transaction(conn):  # as if clinical.db's commit were lost: its half undone
        conn.execute("UPDATE clinical.client_activity SET unsigned = unsigned + 3")
        conn.execute("UPDATE clinical.client_activity_state SET seq = seq - 1")
    assert migrations.migrate(conn) == []
    assert_same(conn)


def test_the_figures_stay_current_after_a_data_key_rotation(tmp_path, clock) -> None:
    """A rotation reopens both files under new keys (services/rotation.py `_switch`,
    through open_db): the TEMP triggers are there again on the new connection."""
    svc = VaultService(tmp_path / "vault", clock=clock)
    created = svc.create(STRONG)
    session = svc.unlock(STRONG, pyotp.TOTP(created.totp_secret).at(clock()))
    try:
        demo.build(session.conn, demo.DemoSpec(clients=8, years=2, seed=17), today=TODAY)
        KeyRotation(svc).rotate(session, STRONG, recovery_text=created.recovery_key)
        conn = session.conn
        rng = random.Random(20)
        changed = 0
        while changed < 40:
            try:
                with transaction(conn):
                    changed += _change(conn, rng) != "nothing to change"
            except driver().IntegrityError:
                continue  # a change the schema's own rules refuse
        assert_same(conn)
        assert not ca.ensure_current(conn)  # the counters agree: nothing was missed
    finally:
        session.lock("test", record=False)
