"""What the second file costs (issue 17): the commonest writes on a vault split into
vault.db + clinical.db (schema 13) against the same writes on one file (schema 12, the
layout before the split), side by side in one run.

    python -m bench.split_bench [--rounds N]

Two vaults are made in one process with the same rows (a client, a session): A opened
with both data keys (clinical.db attached), B with one key at schema 12 (every table in
vault.db). Rounds interleave A and B over three writes: a draft autosave (the note and a
revision: clinical.db only on A), a clinical write with its audit row (two files on
A, one on B) and a client's details with their audit row (vault.db only on both).
Printed: medians, p95 and the ratio A/B per write. Also the one-time split of a
schema-12 vault of N notes, against copying that vault whole under a new key (as a
rotation does), for scale. `--dir` puts the vaults on the disk to measure (fsyncs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from bench.common import machine, summary, timed
from therapynotes.security.secret import Secret
from therapynotes.store import audit, migrations
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection, close_db, open_db, transaction
from therapynotes.store.migrations import m0013_clinical_split

NOW = "2027-01-01T00:00:00Z"


def _vault(folder: Path, *, split: bool) -> Connection:
    folder.mkdir()
    key = Secret(os.urandom(64 if split else 32))
    conn = open_db(folder / "vault.db", key, create=True)
    steps = migrations.discover()
    if not split:
        steps = [m for m in steps if m.version < m0013_clinical_split.VERSION]
    migrations.migrate(conn, steps)
    with transaction(conn):
        conn.execute(
            "INSERT INTO clients(id, legal_name, created_at, updated_at) VALUES (1, 'B', ?, ?)",
            (NOW, NOW),
        )
        conn.execute(
            "INSERT INTO notes(id, client_id, kind, template, service_date, occurred_at,"
            " body, created_at, updated_at) VALUES (1, 1, 'freeform', 'freeform',"
            " '2027-01-01', ?, '{}', ?, ?)",
            (NOW, NOW, NOW),
        )
    return conn


def _autosave(conn: Connection, i: int) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE notes SET body = json_object('text', ?), updated_at = ? WHERE id = 1",
            (f"draft {i} " + "words " * 300, NOW),
        )
        conn.execute(
            "INSERT INTO note_revisions(note_id, saved_at, body) VALUES (1, ?, '{}')", (NOW,)
        )


def _audited_note_write(conn: Connection, i: int) -> None:
    """A clinical write with its audit row (as signing or a plan version): two files."""
    with transaction(conn):
        conn.execute("UPDATE notes SET updated_at = ? WHERE id = 1", (NOW,))
        audit.append(conn, AuditKind.RECORD_EDITED, subject="note:1", detail={"i": i})


def _client_edit(conn: Connection, i: int) -> None:
    with transaction(conn):
        conn.execute("UPDATE clients SET preferred_name = ? WHERE id = 1", (f"n{i}",))
        audit.append(conn, AuditKind.RECORD_EDITED, subject="client:1", detail={"i": i})


def _one_time_split(folder: Path, notes: int) -> tuple[float, float]:
    """(seconds to split a schema-12 vault of `notes` notes, seconds to copy it whole
    under a new key with SQLite's backup API, as a rotation does)."""
    shared, clinical = os.urandom(32), os.urandom(32)
    db = folder / "big" / "vault.db"
    db.parent.mkdir()
    conn = open_db(db, Secret(shared), create=True)
    migrations.migrate(conn, [m for m in migrations.discover() if m.version < 12])
    with transaction(conn):
        conn.execute(
            "INSERT INTO clients(id, legal_name, created_at, updated_at) VALUES (1, 'B', ?, ?)",
            (NOW, NOW),
        )
        conn.executemany(
            "INSERT INTO notes(client_id, kind, template, service_date, occurred_at, body,"
            " created_at, updated_at) VALUES (1, 'freeform', 'freeform', '2027-01-01', ?,"
            " json_object('text', ?), ?, ?)",
            [(NOW, f"note {i} " + "words " * 400, NOW, NOW) for i in range(notes)],
        )
    copy_target = folder / "copy.db"
    copy = open_db(copy_target, Secret(os.urandom(32)), create=True, pragmas=())
    copying = timed(lambda: conn.backup(copy))
    close_db(copy)
    close_db(conn)
    both = open_db(db, Secret(shared + clinical))
    splitting = timed(lambda: migrations.migrate(both))
    close_db(both)
    return splitting, copying


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--dir", default=None, help="where to make the vaults")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        split = _vault(Path(tmp) / "split", split=True)
        single = _vault(Path(tmp) / "single", split=False)
        writes = {"save": _autosave, "audited": _audited_note_write, "client": _client_edit}
        times: dict[str, list[float]] = {f"{w} {v}": [] for w in writes for v in "AB"}
        for i in range(args.rounds):
            for name, write in writes.items():
                times[f"{name} A"].append(timed(lambda w=write, i=i: w(split, i)))
                times[f"{name} B"].append(timed(lambda w=write, i=i: w(single, i)))
        close_db(split)
        close_db(single)
        splitting, copying = _one_time_split(Path(tmp), args.notes)
    print(f"machine: {machine()}")
    for name, samples in times.items():
        print(f"{name}: {summary(samples)}")
    for what in ("save", "audited", "client"):
        ratio = statistics.median(times[f"{what} A"]) / statistics.median(times[f"{what} B"])
        print(f"{what}: split / one file = {ratio:.2f} (median, interleaved)")
    print(
        f"one-time split of {args.notes} notes: {splitting:.2f} s;"
        f" whole-file copy (as a rotation): {copying:.2f} s;"
        f" ratio {splitting / copying:.2f}"
    )


if __name__ == "__main__":
    main()
