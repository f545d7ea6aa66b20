"""The trust suite with further logins (issue 17 phase B).

- Kill walk: SIGKILL at random points while a child adds and removes a user and rotates
  the data key with users in place. After each kill, before the owner's next unlock, the
  owner and the standing user open; the user being added or removed either opens or is
  cleanly not a login; after the owner's unlock (which repairs vault.keys from the users
  table) the two agree.
- Tamper walk: a user's entry with its role flipped, grants swapped between two users, an
  entry copied from another vault: each refused with a clear message, never opened.
- Canary walk: every feature's canaries, with users in place: none in vault.keys or the
  attempt logs, and no clinical canary on any page an assistant's keys decrypt.

TN_TRUST_KILLS sets the number of kills; otherwise 10 at CI scale and 60 under
`make trust` (TN_TRUST_SCALE=full).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import keyring
import pytest

from tests.conftest import FakeClock
from tests.support.filekeyring import FileKeyring
from tests.support.trust import figure, scaled
from tests.support.users import ASSISTANT_PW, SUPERVISOR_PW, add, unlock_user
from tests.support.vaults import STRONG, code_for, make_vault
from tests.trust.key_change_child import open_session
from therapynotes.errors import KeysFileCorrupt, TherapyNotesError, WrongPassphrase
from therapynotes.security import keyslots
from therapynotes.security.user_slots import name_key
from therapynotes.services import users
from therapynotes.services.user_unlock import UserUnlocker, attempts_for
from therapynotes.services.vault import VaultService
from therapynotes.store import users as users_store
from therapynotes.store.instance_lock import InstanceLock

KILLS = int(os.environ.get("TN_TRUST_KILLS", str(scaled(ci=10, full=60))))
REPO = Path(__file__).resolve().parents[2]


def user_opens(svc: VaultService, name: str, passphrase: str) -> bool:
    """`name` unlocks with `passphrase` (below the second step, which is not at stake)."""
    raw, doc = svc._read_keys()
    entry = doc.user(name_key(name))
    if entry is None:
        return False
    unlocker = UserUnlocker(svc._unlocker)
    lock = InstanceLock(svc.paths.lock)
    lock.acquire()
    try:
        private = unlocker._private_key(doc, entry, passphrase, attempts_for(svc._unlocker, name))
        session = unlocker._open(raw, doc, entry, private, lock)
    except BaseException:
        lock.release()
        raise
    try:
        row = users_store.get(session.conn, name_key(name))
        return row is not None and row.public_key == entry.public_key
    finally:
        session.lock(record=False)


def test_kill_during_user_changes_and_rotation(tmp_path: Path, monkeypatch, clock) -> None:
    keyfile = tmp_path / "keyring.json"
    monkeypatch.setenv("TN_TEST_KEYRING_FILE", str(keyfile))
    keyring.set_keyring(FileKeyring(keyfile))
    root = tmp_path / "vault"
    svc, created = make_vault(root, clock)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    add(svc, owner, created, clock, "Sam", "supervisor", SUPERVISOR_PW)
    owner.lock()
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'src'}"}
    rng = random.Random("kill-users")
    events: list[bytes] = []
    kim_seen = {"in": 0, "out": 0}
    for _ in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.trust.users_child", str(root), created.recovery_key],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO,
        )  # fmt: skip
        time.sleep(rng.uniform(0.8, 2.5))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        assert b"Traceback" not in err, err.decode()
        events.extend(out.splitlines())
        # Before the owner's next unlock: the standing user opens; Kim opens or is no login.
        assert user_opens(svc, "Sam", SUPERVISOR_PW)
        try:
            kim_opens = user_opens(svc, "Kim", ASSISTANT_PW)
        except WrongPassphrase:
            kim_opens = False  # an entry whose row is gone: refused, not half there
        # The owner's unlock repairs vault.keys from the users table.
        session = open_session(svc, STRONG)
        try:
            users.reconcile(session)
            listed = [u.name for u in svc.list_users(session)]
        finally:
            session.lock()
        assert svc.login_names() == listed
        assert user_opens(svc, "Sam", SUPERVISOR_PW)
        if "Kim" in listed:
            assert user_opens(svc, "Kim", ASSISTANT_PW)
            kim_seen["in"] += 1
        else:
            kim_seen["out"] += 1
        del kim_opens
    added = sum(1 for e in events if e.endswith(b"added"))
    rotated = sum(1 for e in events if e.endswith(b"rotated"))
    print(f"users: {KILLS} kills, {len(events)} completed steps ({rotated} rotations)")
    figure("kill.users.kills", KILLS, note="SIGKILL during add/remove user and rotation")
    figure("kill.users.completed_steps", len(events))
    figure("kill.users.failures", 0, note="any failure fails the test before this")
    assert added > 0 and rotated > 0


# --- tamper walk -------------------------------------------------------------------


def _edit_body(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    """Rewrite vault.keys's body with `change` and a checksum that matches (a deliberate
    edit, not damage: the checksum alone would catch damage)."""
    import hashlib  # noqa: PLC0415

    lines = path.read_bytes().split(b"\n")
    body = json.loads(lines[1])
    change(body)
    lines[1] = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    signed = lines[0] + b"\n" + lines[1] + b"\n"
    lines[2] = f"sha256 {hashlib.sha256(signed).hexdigest()}".encode()
    path.write_bytes(b"\n".join(lines))


@pytest.fixture
def two_users(tmp_path: Path, clock: FakeClock):  # type: ignore[no-untyped-def]
    svc, created = make_vault(tmp_path / "vault", clock)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    sam = add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    lee = add(svc, owner, created, clock, "Lee", "supervisor", SUPERVISOR_PW)
    owner.lock()
    return svc, sam, lee


def test_a_flipped_role_is_refused(two_users, clock) -> None:  # type: ignore[no-untyped-def]
    svc, sam, _ = two_users

    def flip(body):  # type: ignore[no-untyped-def]
        body["users"][0]["role"] = "supervisor"

    _edit_body(svc.paths.keys, flip)
    with pytest.raises(KeysFileCorrupt) as refused:
        unlock_user(svc, sam, ASSISTANT_PW, clock)
    assert "damaged or has been changed" in refused.value.message


def test_grants_swapped_between_users_are_refused(two_users, clock) -> None:  # type: ignore[no-untyped-def]
    svc, sam, lee = two_users

    def swap(body):  # type: ignore[no-untyped-def]
        a, b = body["users"]
        a["grant"], b["grant"] = b["grant"], a["grant"]

    _edit_body(svc.paths.keys, swap)
    for user, pw in ((sam, ASSISTANT_PW), (lee, SUPERVISOR_PW)):
        with pytest.raises(KeysFileCorrupt) as refused:
            unlock_user(svc, user, pw, clock)
        assert "damaged or has been changed" in refused.value.message


def test_a_grant_for_the_wrong_role_is_refused(two_users, clock) -> None:  # type: ignore[no-untyped-def]
    """Someone holding the shared key seals a new grant for an assistant claiming the
    supervisor's role: the role in the grant and the keys it carries must agree."""
    from nacl.public import PublicKey, SealedBox  # noqa: PLC0415

    svc, sam, _ = two_users
    doc = keyslots.decode(svc.paths.keys.read_bytes())
    entry = doc.users[0]
    payload = {"keys": base64.b64encode(b"\0" * 32).decode(), "name": "Sam",
               "role": "supervisor", "vault_id": doc.vault_id}  # fmt: skip
    forged = SealedBox(PublicKey(entry.public_key)).encrypt(
        b"therapynotes/grant/v1\n" + json.dumps(payload, sort_keys=True).encode()
    )

    def replace(body):  # type: ignore[no-untyped-def]
        body["users"][0]["grant"] = base64.b64encode(forged).decode()

    _edit_body(svc.paths.keys, replace)
    with pytest.raises(KeysFileCorrupt):
        unlock_user(svc, sam, ASSISTANT_PW, clock)


def test_an_entry_from_another_vault_is_refused(two_users, tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    svc, sam, _ = two_users
    other, created = make_vault(tmp_path / "other", clock)
    o = other.unlock(STRONG, code_for(created, clock()))
    add(other, o, created, clock, "Sam", "assistant", ASSISTANT_PW)
    o.lock()
    foreign = json.loads(other.paths.keys.read_bytes().split(b"\n")[1])["users"][0]

    def graft(body):  # type: ignore[no-untyped-def]
        body["users"][0] = foreign

    _edit_body(svc.paths.keys, graft)
    with pytest.raises(KeysFileCorrupt) as refused:
        unlock_user(svc, sam, ASSISTANT_PW, clock)
    assert "damaged or has been changed" in refused.value.message
    # The owner is refused too: the file's MAC no longer holds.
    with pytest.raises(TherapyNotesError):
        svc.unlock(STRONG, "000000")


def test_a_forged_users_row_never_becomes_a_login(two_users, clock) -> None:  # type: ignore[no-untyped-def]
    """An assistant (who holds vault.db's key) puts their own public key in the
    supervisor's row: the owner's repair never grants it (the row's seal is under R)."""
    svc, sam, _ = two_users
    s = unlock_user(svc, sam, ASSISTANT_PW, clock)
    pk = s.conn.execute("SELECT public_key FROM users WHERE name = 'Sam'").fetchone()[0]
    s.conn.execute("UPDATE users SET public_key = ? WHERE name = 'Lee'", (pk,))
    s.lock()
    session = open_session(svc, STRONG)
    try:
        users.reconcile(session)
        doc = session.doc
    finally:
        session.lock()
    assert [u.name for u in doc.users] == ["Sam"]  # Lee's forged row is not granted
    assert dataclasses.replace(doc).user("lee") is None
    # A row added by someone without R is not listed as a login either.
    s = unlock_user(svc, sam, ASSISTANT_PW, clock)
    fake = s.conn.execute("SELECT * FROM users WHERE name = 'Sam'").fetchone()
    s.conn.execute(
        "INSERT INTO users VALUES (?, ?, 'supervisor', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ("Eve", "eve", *fake[3:]),
    )
    assert [u.name for u in svc.list_users(s)] == ["owner", "Sam"]
    s.lock()
    session = open_session(svc, STRONG)
    try:
        assert [u.name for u in svc.list_users(session)] == ["owner", "Sam"]
    finally:
        session.lock()


# --- canary walk --------------------------------------------------------------------

# The field kinds tests/support/features.py plants in clinical content.
CLINICAL_KINDS = (
    "note_", "diagnosis_notes", "risk_assessment", "unsigned_draft", "addendum",
    "process_note", "voided_note", "void_reason", "plan_", "attachment_",
)  # fmt: skip


def test_no_canary_in_the_key_file_or_an_assistants_pages(tmp_path: Path, clock: FakeClock) -> None:
    from tests.support import features  # noqa: F401, PLC0415 - registers the features
    from tests.support.canary import scan  # noqa: PLC0415
    from tests.support.pages import count_hits  # noqa: PLC0415
    from tests.support.trust import FEATURES, FeatureRun  # noqa: PLC0415
    from tests.unit.services.test_users_below_the_app import keys_by_hand  # noqa: PLC0415
    from therapynotes.services.records import RecordsService  # noqa: PLC0415

    svc, created = make_vault(tmp_path / "vault", clock)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    add(svc, owner, created, clock, "Lee", "supervisor", SUPERVISOR_PW)
    folders = {"backups": tmp_path / "drive", "exports": tmp_path / "exports"}
    for folder in folders.values():
        folder.mkdir(mode=0o700)
    run = FeatureRun(RecordsService(owner, clock=clock), clock, {}, folders)
    for _name, use in FEATURES:  # rotation included: the users are re-granted
        use(run)
    clinical_key = owner.data_keys().reveal()[32:]
    owner.lock("test")
    with pytest.raises(WrongPassphrase):  # an attempt log for a failed login, too
        svc.unlock("not the passphrase", "123456", user="Sam")

    canaries = list(run.canaries.values())
    clinical = [v for k, v in run.canaries.items() if k.startswith(CLINICAL_KINDS)]
    assert len(clinical) >= 10
    in_folder = scan({"vault": svc.paths.root}, canaries)
    names = sorted(p.name for p in svc.paths.root.iterdir())
    assert "vault.keys" in names and any(n.startswith("attempts-") for n in names)
    assert in_folder.hits == (), [str(h) for h in in_folder.hits]

    role, keys = keys_by_hand(svc.paths.root, "Sam", ASSISTANT_PW)
    assert role == "assistant" and len(keys) == 32
    needles = [enc for v in clinical for enc in (v.encode(), v.encode("utf-16-le"))]
    found = count_hits(svc.paths.db, keys, needles)
    shared_seen = count_hits(svc.paths.db, keys, [run.canary("legal_name").encode()])
    clinical_seen = count_hits(svc.paths.clinical, clinical_key, [clinical[0].encode()])
    figure("canary.users.clinical_kinds", len(clinical))
    figure("canary.users.assistant_page_hits", sum(found.values()), note="must be 0")
    assert sum(shared_seen.values()) > 0 and sum(clinical_seen.values()) > 0  # can fail
    assert found == dict.fromkeys(needles, 0)
