"""Crash consistency while notes are saved (drafts/autosave), signed and backed up
(issue 8; testing.md 10). A child writes in a loop and prints a line after each write
that returned; SIGKILL lands at a random point. After every kill:

- the vault opens and `check` passes (cipher_integrity_check + integrity_check);
- every save that returned is present (the note holds that autosave or a later one),
  every note whose signing returned is signed with a content hash;
- every backup made so far still verifies with the passphrase;
- vault.keys is readable and opens with the passphrase.

Kills during backups alone: tests/unit/backup/test_kill.py; during passphrase change and
recovery: test_kill_key_changes.py.

Import (issue 4): a child imports a sizeable JSON export into a copy of an empty vault
and SIGKILL lands before, during or after it. After every kill the vault opens, `check`
passes, and the import is all there (every table holds what the export holds, with its
audit row) or not there at all; an import that returned is all there.
"""

from __future__ import annotations

import json
import os
import random
import shutil
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
from therapynotes.portable import format as fmt
from therapynotes.security import kdf, keyslots
from therapynotes.services.backups import RETENTION_KEY, list_backups, verify_backup
from therapynotes.services.portable import PortableService
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.store import audit
from therapynotes.store.connection import transaction

REPO = Path(__file__).resolve().parents[2]
KILLS = scaled(ci=15, full=150)  # 300 took 7 of make trust's 13 minutes


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
@pytest.mark.parametrize("workload", sorted(set(WORKLOADS) - {"import"}))
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


IMPORT_KILLS = scaled(ci=10, full=100)


def _sizeable_export(root: Path, target: Path, clock: FakeClock) -> dict[str, int]:
    """A passphrase-only vault with clients, signed notes with autosaves, addenda and
    attachments, exported to `target`; returns the export's counts."""
    VaultService(root, clock=clock).create(STRONG, passphrase_only=True)
    session = open_session(root, STRONG)
    records = RecordsService(session, clock=clock)
    for c in range(scaled(ci=20, full=30)):
        client = records.create_client(ClientFields(legal_name=f"Import Client {c}"))
        for n in range(10):
            note = records.start_note(client, "freeform", sections={"text": "start"})
            for i in range(3):
                clock.advance(120)
                records.save_draft(note, {"text": f"note {c}/{n} save {i} " + "words " * 2000})
            records.sign_note(note)
            records.add_addendum(note, f"addendum {c}/{n}")
        records.add_attachment(
            client,
            filename=f"scan-{c}.pdf",
            media_type="application/pdf",
            data=os.urandom(1_000_000),
        )
    counts = PortableService(session, clock=clock).export_json(target)
    session.lock("setup", record=False)
    return counts


def _table_counts(session: VaultSession) -> dict[str, int]:
    conn = session.conn
    counts = {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in fmt.TABLES}  # noqa: S608
    counts["attachment_blobs"] = int(
        conn.execute("SELECT count(*) FROM attachment_blobs").fetchone()[0]
    )
    counts["audit_imports"] = sum(1 for e in audit.entries(conn) if e.kind == "import")
    return counts


@pytest.mark.slow
def test_sigkill_during_import_leaves_all_or_nothing(tmp_path: Path, clock: FakeClock) -> None:
    export = tmp_path / "export"
    expected = _sizeable_export(tmp_path / "source", export, clock)
    rows = sum(expected.values())
    expected = {**expected, "attachment_blobs": expected["attachments"], "audit_imports": 1}
    empty = tmp_path / "empty"
    VaultService(empty, clock=clock).create(STRONG, passphrase_only=True)
    absent = dict.fromkeys(expected, 0)

    # How long one import takes here, so the kills spread over it (and a bit after).
    shutil.copytree(empty, tmp_path / "timing")
    timing = open_session(tmp_path / "timing", STRONG)
    started = time.monotonic()
    PortableService(timing).import_json(export)
    duration = time.monotonic() - started
    timing.lock("timing", record=False)

    rng = random.Random("kill-import")  # reproducible kill times, not crypto
    env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{REPO / 'src'}")
    outcomes = {"present": 0, "absent": 0}
    returned = 0
    for k in range(IMPORT_KILLS):
        root = tmp_path / f"vault-{k}"
        shutil.copytree(empty, root)
        argv = [sys.executable, "-m", "tests.trust.records_child", "import", str(root)]
        child = subprocess.Popen(
            [*argv, str(export), STRONG],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, duration * 1.3))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate()
        assert b"Traceback" not in err, err.decode()
        finished = b"imported" in out

        session = open_session(root, STRONG)
        try:
            assert integrity_problems(session) == []
            found = _table_counts(session)
        finally:
            session.lock("check", record=False)
        assert found in (expected, absent), f"kill {k}: partial import {found}"
        assert found == expected or not finished, f"kill {k}: a returned import is gone"
        outcomes["present" if found == expected else "absent"] += 1
        returned += finished
        shutil.rmtree(root)
    print(f"import: {duration:.2f} s per import, outcomes {outcomes}, returned {returned}")
    figure("kill.import.kills", IMPORT_KILLS, note="SIGKILL before, during or after an import")
    figure("kill.import.rows", rows, note="rows in the export (attachments 1 MB each)")
    figure("kill.import.seconds", round(duration, 2), unit="s", note="one import, unkilled")
    figure("kill.import.all_present", outcomes["present"])
    figure("kill.import.all_absent", outcomes["absent"])
    figure("kill.import.partial", 0, note="any partial import fails the test before this")
