"""Crash consistency while notes are saved (drafts/autosave), signed and backed up
(issue 8; testing.md 10). A child writes in a loop and prints a line after each write
that returned; SIGKILL lands at a random point. After every kill:

- the vault opens and `check` passes (cipher_integrity_check + integrity_check);
- every save that returned is present (the note holds that autosave or a later one),
  every note whose signing returned is signed with a content hash;
- every backup made so far still verifies with the passphrase;
- vault.keys is readable and opens with the passphrase.

Kills during backups alone: tests/unit/backup/test_kill.py; during passphrase change and
recovery: test_kill_key_changes.py. Import (issue 4): add a workload to records_child.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from random import Random

import pytest

from tests.conftest import STRONG, FakeClock
from tests.support.backup_child import open_session
from tests.support.trust import figure, scaled
from tests.trust.records_child import WORKLOADS
from therapynotes.cli.vault_cmds import integrity_problems
from therapynotes.domain.enums import NoteState
from therapynotes.domain.ids import NoteId
from therapynotes.domain.models import ClientFields
from therapynotes.security import kdf, keyslots
from therapynotes.services.backups import RETENTION_KEY, list_backups, verify_backup
from therapynotes.services.records import RecordsService
from therapynotes.services.vault import VaultService
from therapynotes.store.connection import transaction

REPO = Path(__file__).resolve().parents[2]
KILLS = scaled(ci=15, full=300)


def _parse(out: bytes) -> tuple[dict[int, int], set[int], list[Path]]:
    """(last returned autosave per note, signed notes, backups) from complete lines."""
    saved: dict[int, int] = {}
    signed: set[int] = set()
    backups: list[Path] = []
    for line in out.decode().splitlines(keepends=True):
        if not line.endswith("\n"):
            break  # killed mid-print
        words = line.split()
        if words[0] == "saved":
            saved[int(words[1])] = int(words[2])
        elif words[0] == "signed":
            signed.add(int(words[1]))
        elif words[0] == "backup":
            backups.append(Path(words[1]))
    return saved, signed, backups


def _check_vault(root: Path, saved: dict[int, int], signed: set[int]) -> int:
    """Open and check the vault; returns how many notes it holds."""
    doc = keyslots.decode((root / "vault.keys").read_bytes())
    keyslots.open_local(doc, kdf.kek_local(kdf.argon2id(STRONG, doc.local.kdf), b"")).wipe()
    session = open_session(root, STRONG)
    try:
        assert integrity_problems(session) == []
        records = RecordsService(session)
        for note_id, n in saved.items():
            text = records.get_note(NoteId(note_id)).sections["text"]
            assert text.startswith("autosave "), f"note {note_id} lost its saves"
            assert int(text.split()[1]) >= n, f"note {note_id} lost autosave {n}"
        for note_id in signed:
            note = records.get_note(NoteId(note_id))
            assert note.state is NoteState.SIGNED and note.content_hash
        return int(session.conn.execute("SELECT count(*) FROM notes").fetchone()[0])
    finally:
        session.lock("check", record=False)


def _check_backups(drive: Path, backups: dict[Path, bool], scratch: Path, rng: Random) -> None:
    """Every backup that returned is listed with a good header; new ones and a sample of
    earlier ones are fully verified now, and all of them again at the end of the test."""
    listed = {item.path: item.header_ok for item in list_backups(drive)}
    assert all(listed.values()), "a backup file is damaged"
    missing = [p.name for p in backups if p not in listed]
    assert not missing, f"backups gone: {missing}"
    done = [p for p, ok in backups.items() if ok]
    for path in [p for p, ok in backups.items() if not ok] + rng.sample(done, min(3, len(done))):
        verify_backup(path, scratch, passphrase=STRONG)
        backups[path] = True


@pytest.mark.slow
@pytest.mark.parametrize("workload", sorted(WORKLOADS))
def test_sigkill_while_saving_signing_and_backing_up(
    tmp_path: Path, clock: FakeClock, workload: str
) -> None:
    root, drive = tmp_path / "vault", tmp_path / "drive"
    drive.mkdir()
    VaultService(root, clock=clock).create(STRONG, passphrase_only=True)
    setup = open_session(root, STRONG)
    RecordsService(setup).create_client(ClientFields(legal_name="Kill Test"))
    with transaction(setup.conn):  # keep every backup, so each one can be checked again
        setup.conn.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?)",
            (RETENTION_KEY, json.dumps({"keep_last": 10_000})),
        )
    setup.lock("setup", record=False)

    rng = random.Random(f"kill-{workload}")  # reproducible kill times, not crypto
    env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{REPO / 'src'}")
    argv = [sys.executable, "-m", "tests.trust.records_child", workload, str(root), str(drive)]
    saved: dict[int, int] = {}
    signed: set[int] = set()
    backups: dict[Path, bool] = {}
    writes = 0
    for _ in range(KILLS):
        child = subprocess.Popen(
            [*argv, STRONG], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.5))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate()
        assert b"Traceback" not in err, err.decode()
        new_saved, new_signed, new_backups = _parse(out)
        writes += len(out.splitlines())
        saved.update(new_saved)
        signed |= new_signed
        backups.update(dict.fromkeys(new_backups, False))

        notes = _check_vault(root, saved, signed)
        _check_backups(drive, backups, tmp_path, rng)
    for path in backups:
        verify_backup(path, tmp_path, passphrase=STRONG)
    print(f"{workload}: notes in vault {notes}, signed {len(signed)}, backups {len(backups)}")
    figure(f"kill.{workload}.kills", KILLS, note="SIGKILL at a random point")
    figure(f"kill.{workload}.returned_writes", writes, note="saves, signs, backups that returned")
    figure(f"kill.{workload}.backups_reverified", len(backups))
    figure(f"kill.{workload}.failures", 0, note="any failure fails the test before this")
    assert signed and backups, "no note was signed or no backup made between kills"
