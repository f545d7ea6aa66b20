"""Rotating the data key (services/rotation.py) on real SQLCipher files: records identical,
both ways in still open, the old key opens nothing, failures change nothing."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.lifecycle import fill_client
from tests.support.pages import data_keys
from tests.support.records import add_client
from tests.support.rotation import contents, leftovers, opens_fully, opens_with_key
from tests.support.vaults import STRONG, STRONG2, code_for, make_vault
from therapynotes.backup.errors import BackupError
from therapynotes.errors import (
    RecoveryKeyTypo,
    StorageError,
    VaultLocked,
    WrongPassphrase,
    WrongRecoveryKey,
)
from therapynotes.security import keyslots
from therapynotes.security.secret import Secret
from therapynotes.services import demo
from therapynotes.services.backups import BackupService, verify_backup
from therapynotes.services.records import RecordsService
from therapynotes.services.restore import RestoreService
from therapynotes.services.rotation import (
    KeyRotation,
    KeysChangedMeanwhile,
    RecoveryKeyNeeded,
    RotationCheckFailed,
    RotationUnfinished,
)
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.services.vault_create import CreatedVault
from therapynotes.store import rotation_files
from therapynotes.store.audit import AuditKind
from therapynotes.store.instance_lock import InstanceLock

SMALL = demo.DemoSpec(clients=6, years=1, seed=3, long_term_sessions=12)


def _vault(root: Path, clock: FakeClock) -> tuple[VaultService, CreatedVault, VaultSession]:
    svc, created = make_vault(root, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    demo.build(session.conn, SMALL, today=date(2027, 1, 10))
    records = RecordsService(session, clock=clock)
    fill_client(records, clock, "Rotation", group_with=add_client(records, "Group Member"))
    return svc, created, session


def _unlock(svc: VaultService, created: CreatedVault, clock: FakeClock) -> VaultSession:
    clock.advance(30)
    return svc.unlock(STRONG, code_for(created, clock()))


def _files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.name != "vault.lock"}


def test_round_trip_keeps_every_record_and_both_ways_in(vault_dir: Path, clock: FakeClock) -> None:
    svc, created, session = _vault(vault_dir, clock)
    before = contents(session)
    old_dek = session.dek.reveal()
    old_keys = data_keys(session)
    old_doc = session.doc
    phases: list[str] = []

    result = KeyRotation(svc).rotate(
        session,
        STRONG,
        recovery_text=created.recovery_key,
        progress=lambda phase, _done, _total: phases.append(phase),
    )

    assert result.pages > 0 and not result.new_recovery_key
    assert phases[0] == "copy" and "check" in phases and phases[-1] == "switch"
    assert session.is_open and session.dek.reveal() != old_dek
    during = contents(session)  # the session carries on with the new key
    assert during.holds(before)
    added = during.audit_rows[len(before.audit_rows) :]
    assert [e.kind for e in added] == [AuditKind.DATA_KEY_ROTATED]
    assert added[0].detail == {"recovery_key": "kept", "pages": result.pages}
    add_client(RecordsService(session, clock=clock), "After Rotation")  # still usable
    after_write = contents(session)
    session.lock()

    new_doc = keyslots.decode(svc.paths.keys.read_bytes())
    assert new_doc.local.kdf == old_doc.local.kdf and new_doc.vault_id == old_doc.vault_id
    assert new_doc.local.ciphertext != old_doc.local.ciphertext
    assert new_doc.recovery.salt != old_doc.recovery.salt
    assert leftovers(vault_dir) == []
    assert not opens_with_key(svc.paths.db, old_keys), "an old data key still opens a file"

    reopened = _unlock(svc, created, clock)
    assert contents(reopened).holds(after_write)
    new_keys = data_keys(reopened)
    reopened.lock()
    assert opens_fully(svc.paths.db, new_keys)

    clock.advance(30)
    recovered = svc.recover(created.recovery_key, STRONG2)  # the same recovery key
    assert contents(recovered).holds(after_write)
    recovered.lock()


def test_a_new_recovery_key_replaces_the_old_one(vault_dir: Path, clock: FakeClock) -> None:
    svc, created, session = _vault(vault_dir, clock)
    before = contents(session)
    rotation = KeyRotation(svc)
    plan = rotation.prepare(session, STRONG, new_recovery_key=True)
    new_key = plan.new_recovery_key
    assert new_key is not None and new_key != created.recovery_key
    assert "hidden" not in repr(plan) and new_key not in repr(plan)
    result = rotation.run(plan)
    plan.close()
    assert result.new_recovery_key
    assert contents(session).audit_rows[-1].detail["recovery_key"] == "new"
    session.lock()

    clock.advance(30)
    with pytest.raises(WrongRecoveryKey):
        svc.recover(created.recovery_key, STRONG2)
    clock.advance(30)
    recovered = svc.recover(new_key, STRONG2)
    assert contents(recovered).holds(before)
    recovered.lock()


@pytest.mark.parametrize(
    ("passphrase", "key", "error"),
    [
        ("wrong " + STRONG, "created", WrongPassphrase),
        (STRONG, "typo", RecoveryKeyTypo),
        (STRONG, "other vault", WrongRecoveryKey),
        (STRONG, "", RecoveryKeyNeeded),
    ],
)
def test_wrong_secrets_change_nothing(
    vault_dir: Path, tmp_path: Path, clock: FakeClock, *, passphrase: str, key: str, error: type
) -> None:
    svc, created, session = _vault(vault_dir, clock)
    texts = {
        "created": created.recovery_key,
        "typo": created.recovery_key[:-1] + ("A" if created.recovery_key[-1] != "A" else "B"),
        "other vault": make_vault(tmp_path / "other", clock)[1].recovery_key,
        "": "",
    }
    files = _files(vault_dir)
    with pytest.raises(error) as info:
        KeyRotation(svc).rotate(session, passphrase, recovery_text=texts[key])
    assert info.value.message  # a sentence for the user, no traceback text
    assert session.is_open
    session.lock()
    assert _files(vault_dir).keys() >= {"vault.db", "vault.keys"}
    assert _files(vault_dir)["vault.keys"] == files["vault.keys"]
    assert leftovers(vault_dir) == []


def test_a_failed_check_or_full_disk_before_the_commit_changes_nothing(
    vault_dir: Path, clock: FakeClock
) -> None:
    svc, created, session = _vault(vault_dir, clock)
    before = contents(session)
    keys = svc.paths.keys.read_bytes()
    old_dek = session.dek.reveal()

    def bad_check(*_args: object) -> None:
        raise RotationCheckFailed("row counts")

    with pytest.MonkeyPatch.context() as patch, pytest.raises(RotationCheckFailed):
        patch.setattr("therapynotes.services.rotation._check", bad_check)
        KeyRotation(svc).rotate(session, STRONG, recovery_text=created.recovery_key)
    assert leftovers(vault_dir) == [] and svc.paths.keys.read_bytes() == keys

    def full_disk(*_args: object, **_kwargs: object) -> None:
        raise StorageError("ENOSPC")

    with pytest.MonkeyPatch.context() as patch, pytest.raises(StorageError) as info:
        patch.setattr("therapynotes.services.rotation.atomic_write_bytes", full_disk)
        KeyRotation(svc).rotate(session, STRONG, recovery_text=created.recovery_key)
    assert "disk is not full" in info.value.message
    assert leftovers(vault_dir) == [] and svc.paths.keys.read_bytes() == keys
    assert session.is_open and session.dek.reveal() == old_dek
    add_client(RecordsService(session, clock=clock), "Written After Failures")
    after = contents(session)
    session.lock()
    reopened = _unlock(svc, created, clock)
    assert contents(reopened).holds(after)
    assert after.audit_rows[: len(before.audit_rows)] == before.audit_rows
    reopened.lock()


def test_a_failure_after_the_commit_is_finished_at_the_next_open(
    vault_dir: Path, clock: FakeClock
) -> None:
    svc, created, session = _vault(vault_dir, clock)
    before = contents(session)
    old_keys = data_keys(session)

    def read_only_disk(_paths: object) -> None:
        raise StorageError("EROFS")

    with pytest.MonkeyPatch.context() as patch, pytest.raises(RotationUnfinished) as info:
        patch.setattr(rotation_files, "switch", read_only_disk)
        KeyRotation(svc).rotate(session, STRONG, recovery_text=created.recovery_key)
    assert "open it again" in info.value.message
    assert not session.is_open and session.dek.wiped and not session.instance_lock.held
    with pytest.raises(VaultLocked):
        _ = session.conn
    assert leftovers(vault_dir) == [
        "clinical.db.rotating",
        "vault.db.rotating",
        "vault.keys.rotating",
    ]

    reopened = _unlock(svc, created, clock)  # the open-time rule finishes the switch
    assert leftovers(vault_dir) == []
    assert contents(reopened).holds(before)
    assert contents(reopened).audit_rows[len(before.audit_rows)].kind == AuditKind.DATA_KEY_ROTATED
    reopened.lock()
    assert not opens_with_key(svc.paths.db, old_keys)


def _committed_not_switched(root: Path, clock: FakeClock) -> tuple[VaultService, CreatedVault]:
    """A vault left exactly at the commit point: both .rotating files, nothing renamed."""
    svc, created, session = _vault(root, clock)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rotation_files, "switch", lambda _paths: (_ for _ in ()).throw(OSError()))
        with pytest.raises(RotationUnfinished):
            KeyRotation(svc).rotate(session, STRONG, recovery_text=created.recovery_key)
    return svc, created


@pytest.mark.parametrize(
    ("state", "expected", "new_key"),
    [
        ("not committed", rotation_files.Settled.DISCARDED, False),
        ("committed, not switched", rotation_files.Settled.FINISHED, True),
        ("committed, database switched", rotation_files.Settled.FINISHED, True),
        ("commit record damaged", rotation_files.Settled.DISCARDED, False),
        ("copy half written", rotation_files.Settled.DISCARDED, False),
        ("commit record half written", rotation_files.Settled.DISCARDED, False),
    ],
)
def test_the_open_time_rule_for_every_state(
    vault_dir: Path, clock: FakeClock, state: str, expected: object, new_key: bool
) -> None:
    """Each state a crash can leave (store/rotation_files.py) has one outcome, and the
    vault then opens with the passphrase + code and with the recovery key."""
    svc, created = _committed_not_switched(vault_dir, clock)
    paths = svc.paths
    old = keyslots.decode(paths.keys.read_bytes())
    new = keyslots.decode(rotation_files.staged_keys(paths).read_bytes())
    copy = rotation_files.staged_db(paths)
    if state == "not committed":
        rotation_files.staged_keys(paths).unlink()
    elif state == "committed, database switched":
        copy.replace(paths.db)
    elif state == "commit record damaged":
        raw = bytearray(rotation_files.staged_keys(paths).read_bytes())
        raw[60] ^= 1
        rotation_files.staged_keys(paths).write_bytes(bytes(raw))
    elif state == "copy half written":
        rotation_files.staged_keys(paths).unlink()
        copy.write_bytes(copy.read_bytes()[: copy.stat().st_size // 2])
        Path(f"{copy}-journal").write_bytes(b"\0" * 512)
    elif state == "commit record half written":  # killed inside atomic_write_bytes
        half = rotation_files.staged_keys(paths).read_bytes()[:300]
        rotation_files.staged_keys(paths).unlink()
        (vault_dir / f".{rotation_files.STAGED_KEYS}.0a1b2c3d.partial").write_bytes(half)

    assert rotation_files.finish_interrupted(paths) == expected
    assert leftovers(vault_dir) == []
    assert keyslots.decode(paths.keys.read_bytes()) == (new if new_key else old)
    session = _unlock(svc, created, clock)
    rows = contents(session).audit_rows
    assert (rows[-2].kind == AuditKind.DATA_KEY_ROTATED) is new_key  # then this unlock
    session.lock()
    clock.advance(30)
    svc.recover(created.recovery_key, STRONG2).lock()


def test_the_rule_leaves_the_files_alone_while_another_process_has_the_vault(
    vault_dir: Path, clock: FakeClock
) -> None:
    svc, _ = _committed_not_switched(vault_dir, clock)
    before = _files(vault_dir)
    holder = InstanceLock(svc.paths.lock)
    holder.acquire()
    try:
        assert rotation_files.finish_interrupted(svc.paths) == rotation_files.Settled.NOTHING
        assert _files(vault_dir) == before
    finally:
        holder.release()


def test_a_lock_waits_for_a_rotation_in_progress(vault_dir: Path, clock: FakeClock) -> None:
    """The app locks on idle or sleep from the UI thread while the rotation runs on a
    worker: the lock waits for the switch instead of closing the connection under it."""
    svc, created, session = _vault(vault_dir, clock)
    before = contents(session)
    rotation = KeyRotation(svc)
    plan = rotation.prepare(session, STRONG, recovery_text=created.recovery_key)
    copying = threading.Event()
    release = threading.Event()

    def slow_progress(phase: str, _done: int, _total: int) -> None:
        if phase == "check":
            copying.set()
            release.wait(5)

    worker = threading.Thread(target=lambda: rotation.run(plan, progress=slow_progress))
    worker.start()
    assert copying.wait(5)
    locker = threading.Thread(target=lambda: session.lock("idle"))
    locker.start()
    time.sleep(0.2)
    assert locker.is_alive(), "the lock did not wait for the rotation"
    release.set()
    worker.join(10)
    locker.join(10)
    plan.close()
    assert not session.is_open and not session.instance_lock.held
    reopened = _unlock(svc, created, clock)
    rows = contents(reopened).audit_rows
    assert [e.kind for e in rows[len(before.audit_rows) :]][:2] == [
        AuditKind.DATA_KEY_ROTATED,
        AuditKind.LOCK,
    ]
    assert contents(reopened).holds(before)
    reopened.lock()


def test_a_locked_session_is_refused(vault_dir: Path, clock: FakeClock) -> None:
    svc, created, session = _vault(vault_dir, clock)
    plan = KeyRotation(svc).prepare(session, STRONG, recovery_text=created.recovery_key)
    session.lock()
    with pytest.raises(VaultLocked):
        KeyRotation(svc).run(plan)
    assert leftovers(vault_dir) == []


def test_passphrase_only_vault(vault_dir: Path, clock: FakeClock) -> None:
    svc, created = make_vault(vault_dir, clock, passphrase_only=True)
    session = svc.unlock(STRONG, code_for(created, clock()))
    add_client(RecordsService(session, clock=clock), "No Keyring")
    before = contents(session)
    KeyRotation(svc).rotate(session, STRONG, recovery_text=created.recovery_key)
    session.lock()
    reopened = _unlock(svc, created, clock)
    assert contents(reopened).holds(before)
    reopened.lock()


def test_backups_before_and_after(vault_dir: Path, tmp_path: Path, clock: FakeClock) -> None:
    """Old backups keep opening with what opened them (the old recovery key too, when a
    new one was made); new backups hold the new key and open with the new recovery key."""
    svc, created, session = _vault(vault_dir, clock)
    drive = tmp_path / "drive"
    drive.mkdir()
    old_backup = BackupService(session, clock=clock).run(drive).path
    rotation = KeyRotation(svc)
    plan = rotation.prepare(session, STRONG, new_recovery_key=True)
    new_key = plan.new_recovery_key
    assert new_key is not None
    rotation.run(plan)
    plan.close()
    clock.advance(3600)
    new_backup = BackupService(session, clock=clock).run(drive).path
    session.lock()

    for backup, key in ((old_backup, created.recovery_key), (new_backup, new_key)):
        verify_backup(backup, tmp_path, passphrase=STRONG)
        verify_backup(backup, tmp_path, recovery_text=key)
    with pytest.raises(BackupError):
        verify_backup(new_backup, tmp_path, recovery_text=created.recovery_key)
    restored = tmp_path / "restored"
    RestoreService(restored, clock=clock).restore(new_backup, passphrase=STRONG)
    clock.advance(30)
    VaultService(restored, clock=clock).unlock(STRONG, code_for(created, clock())).lock()


def test_a_passphrase_changed_after_prepare_is_caught(vault_dir: Path, clock: FakeClock) -> None:
    """The plan's KEK_local belongs to the key file it was checked against: sealing the
    new key with it after the passphrase changed would make a slot nothing opens."""
    svc, created, session = _vault(vault_dir, clock)
    rotation = KeyRotation(svc)
    plan = rotation.prepare(session, STRONG, recovery_text=created.recovery_key)
    svc.change_passphrase(session, STRONG, STRONG2)
    keys = svc.paths.keys.read_bytes()
    with pytest.raises(KeysChangedMeanwhile):
        rotation.run(plan)
    plan.close()
    assert svc.paths.keys.read_bytes() == keys and leftovers(vault_dir) == []
    session.lock()
    clock.advance(30)
    svc.unlock(STRONG2, code_for(created, clock())).lock()


def test_new_slots_that_do_not_open_are_never_committed(vault_dir: Path, clock: FakeClock) -> None:
    svc, created, session = _vault(vault_dir, clock)
    keys = svc.paths.keys.read_bytes()
    real = KeyRotation._new_doc

    def wrong_local_slot(doc, plan, new_dek, new_keys):  # type: ignore[no-untyped-def]
        made = real(doc, plan, new_dek, new_keys)
        other = keyslots.seal_local(
            dek=new_dek,
            kek=Secret(os.urandom(32)),
            kdf=made.local.kdf,
            vault_id=made.vault_id,
            binding=made.device_binding,
        )
        return dataclasses.replace(made, local=other)

    with pytest.MonkeyPatch.context() as patch, pytest.raises(RotationCheckFailed):
        patch.setattr(KeyRotation, "_new_doc", staticmethod(wrong_local_slot))
        KeyRotation(svc).rotate(session, STRONG, recovery_text=created.recovery_key)
    assert svc.paths.keys.read_bytes() == keys and leftovers(vault_dir) == []
    assert session.is_open
    session.lock()


def test_every_step_is_durable_before_the_next(vault_dir: Path, clock: FakeClock) -> None:
    """What a power cut relies on (unsynced writes may be lost, synced ones are not): the
    copy is fsynced before the commit record is renamed into place, and each rename or
    unlink is followed by an fsync of the folder before the next step."""
    svc, created, session = _vault(vault_dir, clock)
    trace: list[tuple[str, str]] = []
    names: dict[int, str] = {}
    real_open, real_fsync = os.open, os.fsync
    real_replace, real_unlink = os.replace, os.unlink

    def traced_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        fd = real_open(path, *args, **kwargs)
        names[fd] = Path(path).name
        return fd

    def traced_fsync(fd):  # type: ignore[no-untyped-def]
        trace.append(("fsync", names.get(fd, "?")))
        return real_fsync(fd)

    def traced_replace(src, dst):  # type: ignore[no-untyped-def]
        trace.append(("replace", f"{Path(src).name}>{Path(dst).name}"))
        return real_replace(src, dst)

    def traced_unlink(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        trace.append(("unlink", Path(path).name))
        return real_unlink(path, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        for name, fn in (
            ("open", traced_open),
            ("fsync", traced_fsync),
            ("replace", traced_replace),
            ("unlink", traced_unlink),
        ):
            patch.setattr(os, name, fn)
        KeyRotation(svc).rotate(session, STRONG, recovery_text=created.recovery_key)
    session.lock()
    folder = vault_dir.name

    def index(op: str, target: str) -> int:
        return next(i for i, (o, t) in enumerate(trace) if o == op and t.endswith(target))

    commit = index("replace", ">vault.keys.rotating")
    copy_synced = index("fsync", "vault.db.rotating")  # the copy itself, not a side file
    assert copy_synced < commit
    assert ("fsync", folder) in trace[copy_synced:commit]
    assert any(o == "fsync" and t.startswith(".vault.keys.rotating") for o, t in trace[:commit])
    # the switch: unlink the old -wal/-shm, rename the copy, rename the key file; the
    # folder is synced after each of the three before the next one starts
    old_side = max(i for i, (o, t) in enumerate(trace) if o == "unlink" and "vault.db-" in t)
    steps = [old_side, index("replace", ">vault.db"), index("replace", ">vault.keys")]
    assert commit < steps[0] < steps[1] < steps[2]
    assert trace[steps[1]][1] == "vault.db.rotating>vault.db"
    assert trace[steps[2]][1] == "vault.keys.rotating>vault.keys"
    for here, after in zip(steps, [*steps[1:], len(trace)], strict=True):
        assert ("fsync", folder) in trace[here + 1 : after], f"no folder sync after {trace[here]}"
