"""Child for test_kill_split.py: open a schema-12 vault with both data keys and run the
migrations (m0013 moves the clinical tables into clinical.db), to be SIGKILLed."""

from __future__ import annotations

import sys
from pathlib import Path

from therapynotes.security.secret import Secret
from therapynotes.store import migrations
from therapynotes.store.connection import close_db, open_db


def main() -> None:
    db, keys = Path(sys.argv[1]), bytes.fromhex(sys.argv[2])
    conn = open_db(db, Secret(keys))
    print("ready", flush=True)
    migrations.migrate(conn)
    close_db(conn)
    print("done", flush=True)


if __name__ == "__main__":
    main()
