"""Child for test_kill_records: writes records in a loop until SIGKILLed, printing one
line after each write *returned* (so the parent knows what must have survived).

argv: workload, vault folder, backup folder, passphrase. Lines printed:
  saved <note id> <n>    save_draft returned with text "autosave <n>"
  signed <note id>       sign_note returned
  backup <path>          a backup was written and verified
  imported <notes>       import_json returned (the "import" workload: the second
                         argument is then the export folder, and the vault is empty)
Workloads live in WORKLOADS.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.backup_child import open_session
from tests.support.cheap_kdf import enable
from therapynotes.domain.ids import ClientId
from therapynotes.services.backups import BackupService
from therapynotes.services.portable import PortableService
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession

BACKUP_EVERY = 4  # notes between backups, so kills also land inside backups


def notes(session: VaultSession, drive: Path) -> None:
    records = RecordsService(session)
    client = ClientId(1)
    counter = itertools.count()
    for i in itertools.count():
        note = records.start_note(client, "freeform", sections={"text": "started"})
        for _ in range(3):  # autosaves
            n = next(counter)
            records.save_draft(note, {"text": f"autosave {n} " + "words " * 200})
            print(f"saved {note} {n}", flush=True)
        records.sign_note(note)
        print(f"signed {note}", flush=True)
        if i % BACKUP_EVERY == BACKUP_EVERY - 1:
            result = BackupService(session).run(drive)
            print(f"backup {result.path}", flush=True)


def import_export(session: VaultSession, export: Path) -> None:
    """One import of a sizeable export into this empty vault; the kill lands in it (or
    before or after it), then the parent checks it is all there or not there at all."""
    counts = PortableService(session).import_json(export)
    print(f"imported {counts['notes']}", flush=True)
    time.sleep(60)  # wait for the kill


WORKLOADS: dict[str, Callable[[VaultSession, Path], None]] = {
    "notes": notes,
    "import": import_export,
}


def main() -> None:
    enable()  # the suite's cheap KDF: a child process must switch it on itself
    workload, root, drive, passphrase = (
        sys.argv[1],
        Path(sys.argv[2]),
        Path(sys.argv[3]),
        sys.argv[4],
    )
    session = open_session(root, passphrase)
    print("ready", flush=True)
    WORKLOADS[workload](session, drive)


if __name__ == "__main__":
    main()
