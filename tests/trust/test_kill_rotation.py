"""SIGKILL during data-key rotations (services/rotation.py): after every kill the vault
opens with the passphrase + TOTP code and with the recovery key, and holds every record.

A child (rotation_child.py) adds a client, rotates, and again; every other rotation also
makes a new recovery key, printed before it starts. Kills land two ways, alternately:

- at a random time (anywhere: mid-copy, mid-check, mid-commit, mid-switch);
- just before the N-th file operation (fsync, rename, unlink) or progress call of a
  rotation, N drawn from all of them, so every step boundary is hit, including the
  short ones (the commit rename, each rename of the switch) a timer rarely lands in.

After each kill, before anything opens the vault, the folder's state is classified (no
rotation, copy not committed, committed, database switched); then:

- `VaultService.unlock(passphrase, code)` (which applies the open-time rule) succeeds;
- no `.rotating` or temp file is left;
- every client whose save returned is there (and at most the one being saved besides),
  every seeded record is unchanged (the portable JSON export, attachment bytes), and the
  audit log seen at the previous check is a prefix of this one, its chain intact;
- `VaultService.recover(recovery key, passphrase)` succeeds with the recovery key in
  force: the old one, or the new one printed before the rotation that was killed, and
  never one that was not shown (a committed new key was always printed first).

The keyring is the suite's gnome-keyring when `make test` runs (scripts/with-secret-service)
and a file keyring shared with the child otherwise. TN_TRUST_KILLS sets the number of
kills; else 90 at CI scale (about a minute) and 600 under `make trust`.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import keyring
import keyring.core
import pytest

from tests.conftest import FakeClock
from tests.support.filekeyring import FileKeyring
from tests.support.rotation import leftovers
from tests.support.trust import figure, scaled
from tests.support.vaults import STRONG, code_for
from therapynotes.errors import WrongRecoveryKey
from therapynotes.portable import format as fmt
from therapynotes.services import demo
from therapynotes.services.portable import PortableService
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.services.vault_create import CreatedVault
from therapynotes.store import audit, rotation_files

KILLS = int(os.environ.get("TN_TRUST_KILLS", str(scaled(ci=90, full=600))))
REPO = Path(__file__).resolve().parents[2]
SEED = demo.DemoSpec(clients=12, years=2, seed=5, long_term_sessions=60)
KILL_PREFIX = "Kill "


def _keyring_spec(tmp_path: Path) -> str:
    if os.environ.get("THERAPYNOTES_SECRET_SERVICE") == "1":
        keyring.set_keyring(keyring.core.load_keyring("keyring.backends.SecretService.Keyring"))
        return "secretservice"
    path = tmp_path / "keyring.json"
    keyring.set_keyring(FileKeyring(path))
    return str(path)


def _seeded_records(session: VaultSession) -> str:
    """SHA-256 of the export without the clients the child adds (which are checked by
    name), attachment bytes included."""
    document = PortableService(session).export_document()
    document["clients"] = [
        c for c in document["clients"] if not str(c["legal_name"]).startswith(KILL_PREFIX)
    ]
    digest = hashlib.sha256(fmt.encode(document))
    for row in session.conn.execute("SELECT data FROM attachment_blobs ORDER BY attachment_id"):
        digest.update(hashlib.sha256(bytes(row[0])).digest())
    return digest.hexdigest()


def _state(root: Path) -> str:
    """What a kill left, before the open-time rule runs (store/rotation_files.py)."""
    keys = (root / rotation_files.STAGED_KEYS).exists()
    copy = (root / rotation_files.STAGED_DB).exists()
    if keys:
        return "committed, not switched" if copy else "committed, database switched"
    sides = [root / f"{rotation_files.STAGED_DB}{s}" for s in rotation_files.SIDE_SUFFIXES]
    return "copy not committed" if copy or any(p.exists() for p in sides) else "no rotation"


def _parse(out: bytes) -> tuple[list[str], list[str | None], int]:
    """(client names saved, recovery-key events in order: a new key's text when it was
    printed, None when a rotation returned; the largest step count seen)."""
    saved: list[str] = []
    events: list[str | None] = []
    steps = 0
    for line in out.decode().splitlines(keepends=True):
        if not line.endswith("\n"):
            break  # killed mid-print
        word, _, rest = line.strip().partition(" ")
        if word == "saved":
            saved.append(rest)
        elif word == "newkey":
            events.append(rest)
        elif word == "rotated":
            events.append(None)
            steps = max(steps, int(rest))
    return saved, events, steps


class Checker:
    def __init__(self, svc: VaultService, created: CreatedVault, clock: FakeClock) -> None:
        self.svc, self.created, self.clock = svc, created, clock
        self.recovery_key = created.recovery_key
        self.saved: set[str] = set()
        session = self.unlock()
        self.seeded = _seeded_records(session)
        self.audit_rows = audit.entries(session.conn)
        session.lock("check")

    def unlock(self) -> VaultSession:
        self.clock.advance(30)
        return self.svc.unlock(STRONG, code_for(self.created, self.clock()))

    def check(self, saved: list[str], pending_key: str | None) -> str:
        """Opens both ways and compares; returns which recovery key worked."""
        session = self.unlock()
        try:
            assert leftovers(self.svc.paths.root) == [], "the open-time rule left files"
            assert audit.verify(session.conn).ok
            rows = audit.entries(session.conn)
            assert rows[: len(self.audit_rows)] == self.audit_rows, "audit rows were lost"
            assert _seeded_records(session) == self.seeded, "a seeded record changed"
            names = {
                str(r[0])
                for r in session.conn.execute(
                    "SELECT legal_name FROM clients WHERE legal_name LIKE ?", (KILL_PREFIX + "%",)
                )
            }
        finally:
            session.lock("check")
        self.saved |= set(saved)
        missing = self.saved - names
        assert not missing, f"saved clients lost: {sorted(missing)}"
        assert len(names - self.saved) <= 1, "more than the one client being saved appeared"
        self.saved = names
        return self.recover(pending_key)

    def recover(self, pending_key: str | None) -> str:
        candidates = [self.recovery_key] + ([pending_key] if pending_key else [])
        for key in candidates:
            self.clock.advance(30)
            try:
                session = self.svc.recover(key, STRONG)
            except WrongRecoveryKey:
                continue
            self.audit_rows = audit.entries(session.conn)
            session.lock("check")
            which = "old" if key == self.recovery_key else "new"
            self.recovery_key = key
            return which
        pytest.fail("no recovery key the therapist was shown opens the vault")


def _run_child(
    argv: list[str], env: dict[str, str], kill_at: int, rng: random.Random
) -> tuple[list[str], list[str | None], int]:
    """One child, killed by itself at step `kill_at` or by us at a random time."""
    child = subprocess.Popen(
        argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None
    ready = child.stdout.readline()
    assert ready.strip() == b"ready", ready + (child.stderr.read() if child.stderr else b"")
    if kill_at:
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
    else:
        time.sleep(rng.uniform(0.0, 0.8))
        child.send_signal(signal.SIGKILL)
    rest, err = child.communicate()
    assert child.returncode == -signal.SIGKILL, err.decode()
    assert b"Traceback" not in err, err.decode()
    return _parse(rest)


def _settle_keys(checker: Checker, events: list[str | None]) -> str | None:
    """Follow the recovery keys a child printed: a new key whose rotation returned is in
    force; returns a new key printed for a rotation that did not return."""
    pending = None
    for event in events:
        if event is None and pending is not None:
            checker.recovery_key, pending = pending, None
        elif event is not None:
            pending = event
    return pending


@pytest.mark.slow
def test_sigkill_during_data_key_rotations(tmp_path: Path, clock: FakeClock) -> None:
    spec = _keyring_spec(tmp_path)
    root = tmp_path / "vault"
    svc = VaultService(root, clock=clock)
    created = svc.create(STRONG)
    session = svc.unlock(STRONG, code_for(created, clock()))
    demo.build(session.conn, SEED, today=date(2027, 1, 10))
    pages = int(session.conn.execute("PRAGMA page_count").fetchone()[0])
    session.lock("setup")
    checker = Checker(svc, created, clock)
    key_file = tmp_path / "recovery-key"

    rng = random.Random("kill-rotation")  # reproducible kill points, not crypto
    env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{REPO / 'src'}")
    states: Counter[str] = Counter()
    recovered_with: Counter[str] = Counter()
    rotations = steps = 0
    started = time.monotonic()
    for k in range(KILLS):
        key_file.write_text(checker.recovery_key)
        kill_at = rng.randint(1, steps) if k % 2 and steps else 0
        parity = rng.randint(0, 1)
        argv = [sys.executable, "-m", "tests.trust.rotation_child", str(kill_at), str(parity)]
        argv.append(str(root))
        saved, events, seen = _run_child([*argv, spec, str(key_file)], env, kill_at, rng)
        steps = max(steps, seen)
        rotations += events.count(None)
        pending = _settle_keys(checker, events)
        state = _state(root)
        states[state] += 1
        which = checker.check(saved, pending)
        recovered_with[which] += 1
        if pending is not None and state != "no rotation":
            # A killed rotation with a new key: committed means the new key, else the old.
            assert which == ("new" if state.startswith("committed") else "old"), state
    elapsed = time.monotonic() - started

    print(
        f"rotation: {KILLS} kills in {elapsed:.0f} s, {rotations} rotations returned, "
        f"{steps} stop points per rotation, states {dict(states)}, "
        f"recovered with {dict(recovered_with)}, vault {pages} pages"
    )
    figure("kill.rotation.kills", KILLS, note="SIGKILL at a random time or before a step")
    figure("kill.rotation.rotations_returned", rotations)
    figure("kill.rotation.stop_points", steps, note="file operations + progress calls")
    for state in ("no rotation", "copy not committed", "committed, not switched",
                  "committed, database switched"):  # fmt: skip
        figure(f"kill.rotation.state.{state.replace(' ', '_').replace(',', '')}", states[state])
    figure("kill.rotation.failures", 0, note="any failure fails the test before this")
    assert rotations > 0 and steps > 0
    assert states["copy not committed"] and states["committed, not switched"], states
