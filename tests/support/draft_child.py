"""Child process for the WAL durability test: opens a passphrase-only vault the way
the app's connection is opened (store/connection.py PRAGMAS), autosaves one draft many
times with long text until the WAL is far past SQLite's default checkpoint mark, saves
once more with a marker, prints the WAL size and "saved", and waits to be killed.

Usage: python -m tests.support.draft_child VAULT_DIR PASSPHRASE NOTE_ID MARKER
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from tests.support.backup_child import open_session
from tests.support.cheap_kdf import enable
from therapynotes.domain.ids import NoteId
from therapynotes.services.records import RecordsService

WAL_AT_LEAST = 3 * 1000 * 4096  # three times SQLite's default auto-checkpoint mark


def main() -> None:
    enable()  # the suite's cheap KDF: a child process must switch it on itself
    root, passphrase = Path(sys.argv[1]), sys.argv[2]
    note, marker = NoteId(int(sys.argv[3])), sys.argv[4]
    session = open_session(root, passphrase)
    records = RecordsService(session)
    wal = Path(f"{session.paths.clinical}-wal")  # drafts live in clinical.db (issue 17)
    rng = random.Random(5)  # noqa: S311 - test text, not crypto
    words = [f"w{rng.randrange(10**6)}" for _ in range(50_000)]
    n = 0
    while not wal.exists() or wal.stat().st_size < WAL_AT_LEAST:
        n += 1
        rng.shuffle(words)
        records.save_draft(note, {"subjective": " ".join(words[:20_000]), "plan": str(n)})
    records.save_draft(note, {"subjective": marker, "plan": "last"})
    sync = session.conn.execute("PRAGMA synchronous").fetchone()[0]
    auto = session.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    print(f"{wal.stat().st_size} {sync} {auto} saved", flush=True)
    time.sleep(120)


if __name__ == "__main__":
    main()
