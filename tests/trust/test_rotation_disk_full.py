"""A full disk under the vault folder during a data-key rotation: the copy cannot be
written, the therapist gets StorageError's clear message (never a traceback), nothing is
left behind, the session carries on with the old key, and once space is freed the
rotation succeeds with every record intact. A small tmpfs where the machine allows
mounting; the commit-time failure is injected in tests/unit/services/test_rotation.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.disk import tmpfs
from tests.support.pages import data_keys
from tests.support.records import add_client
from tests.support.rotation import contents, leftovers, opens_with_key
from tests.support.trust import figure
from tests.support.vaults import STRONG, code_for, make_vault
from therapynotes.errors import StorageError
from therapynotes.services import demo
from therapynotes.services.records import RecordsService
from therapynotes.services.rotation import KeyRotation

SPEC = demo.DemoSpec(clients=8, years=2, seed=9, long_term_sessions=40)


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "mnt", "24m") as mnt:
        if mnt is None:
            pytest.skip("cannot mount a tmpfs here; the injected failure covers the logic")
        yield mnt


def _free(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def test_disk_full_during_rotation(small_fs: Path, clock: FakeClock) -> None:
    root = small_fs / "vault"
    svc, created = make_vault(root, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    demo.build(session.conn, SPEC, today=date(2027, 1, 10))
    session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    before = contents(session)
    old_dek = session.dek.reveal()
    old_keys = data_keys(session)
    size = svc.paths.db.stat().st_size
    filler = small_fs / "other-files"
    filler.write_bytes(b"\0" * max(0, _free(small_fs) - size // 2))  # room for half a copy
    assert _free(small_fs) < size

    with pytest.raises(StorageError) as info:
        KeyRotation(svc).rotate(session, STRONG, recovery_text=created.recovery_key)
    assert "Check that the disk is not full" in info.value.message
    assert leftovers(root) == []
    assert session.is_open and session.dek.reveal() == old_dek
    assert contents(session).holds(before)

    filler.unlink()  # the therapist frees some space
    add_client(RecordsService(session, clock=clock), "Saved Between Attempts")
    middle = contents(session)
    result = KeyRotation(svc).rotate(session, STRONG, recovery_text=created.recovery_key)
    session.lock()
    assert not opens_with_key(svc.paths.db, old_keys)
    clock.advance(30)
    reopened = svc.unlock(STRONG, code_for(created, clock()))
    assert contents(reopened).holds(middle)
    reopened.lock()
    clock.advance(30)
    svc.recover(created.recovery_key, STRONG).lock()
    figure("disk.rotation_full.message", type(info.value).__name__, note=info.value.message)
    figure("disk.rotation_full.pages_after_space_freed", result.pages)
    figure("disk.rotation_full.records_lost", 0, note="every record present after both tries")
