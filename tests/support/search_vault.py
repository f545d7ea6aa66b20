"""A vault database at schema 13 (the notes' search indexes without prefix indexes, as on
main before issue 18's m0016), with notes of every state and kind and addenda, written in
SQL so it does not depend on the services of a later schema. For the m0016 tests."""

from __future__ import annotations

import random
from pathlib import Path

from therapynotes.security.secret import Secret
from therapynotes.store import migrations
from therapynotes.store.connection import Connection, close_db, open_db, transaction

SHARED_KEY = bytes(range(32))
CLINICAL_KEY = bytes(range(32, 64))
KEYS = Secret(SHARED_KEY + CLINICAL_KEY)
NOW = "2027-01-01T00:00:00Z"
BEFORE_PREFIXES = 13  # main's schema when issue 18's prefix indexes were added
WORDS = (
    "anxiety anxious anxiously panic panicky sleep sleeping insomnia grief loss work"
    " worry worried exposure hierarchy breathing exercise daily safety plan PHQ-9 GAD-7"
    " avoidance avoidant avoid caregiving parent commute perfectionism chain analysis"
).split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def schema_13_vault(folder: Path, notes: int, seed: int = 18) -> Path:
    """vault.db + clinical.db at schema 13: `notes` notes (drafts, signed ones with
    addenda, voided ones, psychotherapy notes) of two clients."""
    folder.mkdir()
    db = folder / "vault.db"
    conn = open_db(db, KEYS, create=True)
    try:
        steps = [m for m in migrations.discover() if m.version <= BEFORE_PREFIXES]
        migrations.migrate(conn, steps)
        rng = random.Random(seed)  # noqa: S311 - test data, not crypto
        with transaction(conn):
            conn.executemany(
                "INSERT INTO clients(id, legal_name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                [(1, "Ada Canary", NOW, NOW), (2, "Bob Stone", NOW, NOW)],
            )
            for i in range(notes):
                _note(conn, rng, i)
    finally:
        close_db(conn)
    return db


def _note(conn: Connection, rng: random.Random, i: int) -> None:
    kind = "psychotherapy" if i % 7 == 0 else "freeform"
    state = ("draft", "signed", "signed", "voided")[i % 4]
    signed = None if state == "draft" else NOW
    digest = None if state == "draft" else "a" * 64
    voided = NOW if state == "voided" else None
    body = {"text": _text(rng, rng.randint(5, 60)), "plan": _text(rng, rng.randint(0, 12))}
    cur = conn.execute(
        "INSERT INTO notes(client_id, kind, template, service_date, occurred_at, state, body,"
        " created_at, updated_at, signed_at, content_hash, voided_at, void_reason)"
        " VALUES (?, ?, 'freeform', '2026-12-01', ?, ?, json_object('text', ?, 'plan', ?),"
        " ?, ?, ?, ?, ?, ?)",
        (1 + i % 2, kind, NOW, state, body["text"], body["plan"], NOW, NOW, signed, digest)
        + (voided, voided and "entered in error"),
    )
    if state == "signed" and i % 3 == 0:
        conn.execute(
            "INSERT INTO addenda(note_id, body, signed_at, content_hash) VALUES (?, ?, ?, ?)",
            (cur.lastrowid, _text(rng, 8), NOW, "b" * 64),
        )


def index_rows(conn: Connection, table: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in conn.execute(f"SELECT rowid, body, addenda FROM {table} ORDER BY 1")]  # noqa: S608
