"""Issue 12: a full disk at unlock was reported as "the vault's data file is damaged,
restore from backup", which is wrong and dangerous advice. It now says the disk is full
and to free space; nothing is counted as a failed attempt, and the vault opens once space
is freed. A real small tmpfs where the machine allows mounting, an injected disk error
with no free space otherwise."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import STRONG, FakeClock
from tests.support.disk import tmpfs
from tests.support.vaults import code_for
from therapynotes.errors import DiskFull, StorageError, VaultCorrupt
from therapynotes.security import attempts
from therapynotes.services.vault import VaultService
from therapynotes.store import connection
from therapynotes.store.connection import driver

FULL_TEXT = "disk that holds your vault is full"


def _fill(folder: Path) -> Path:
    fill = folder / "fill"
    fd = os.open(fill, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    finally:
        os.close(fd)
    return fill


def test_unlock_on_a_full_disk_says_so(tmp_path: Path, clock: FakeClock) -> None:
    with tmpfs(tmp_path / "mnt", "2m") as mnt:
        if mnt is None:
            pytest.skip("cannot mount a tmpfs here; the injected test covers it")
        svc = VaultService(mnt / "vault", clock=clock)
        created = svc.create(STRONG)
        clock.advance(30)
        svc.unlock(STRONG, code_for(created, clock())).lock()
        fill = _fill(mnt)
        clock.advance(30)
        with pytest.raises(StorageError) as info:
            svc.unlock(STRONG, code_for(created, clock()))
        assert isinstance(info.value, DiskFull), repr(info.value)
        assert FULL_TEXT in info.value.message and "restore" not in info.value.message.lower()
        assert attempts.AttemptLog(svc.paths.attempts, clock).load().failures == 0
        fill.unlink()
        clock.advance(30)
        svc.unlock(STRONG, code_for(created, clock())).lock()


def _failing_open(code: int, name: str) -> Any:
    real_connect = driver().connect

    class Conn:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._conn = real_connect(*args, **kwargs)

        def execute(self, sql: str, *args: Any) -> Any:
            if sql.startswith("PRAGMA journal_mode"):
                exc = driver().OperationalError(name)
                exc.sqlite_errorcode = code
                exc.sqlite_errorname = name
                raise exc
            return self._conn.execute(sql, *args)

        def __getattr__(self, attr: str) -> Any:
            return getattr(self._conn, attr)

    return Conn


@pytest.mark.parametrize(("code", "name"), [(13, "SQLITE_FULL"), (10, "SQLITE_IOERR")])
def test_unlock_on_a_full_disk_injected(
    vault_dir: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, code: int, name: str
) -> None:
    svc = VaultService(vault_dir, clock=clock)
    created = svc.create(STRONG)
    clock.advance(30)
    monkeypatch.setattr(driver(), "connect", _failing_open(code, name))
    monkeypatch.setattr(connection, "disk_full", lambda _folder: True)
    with pytest.raises(DiskFull) as info:
        svc.unlock(STRONG, code_for(created, clock()))
    assert FULL_TEXT in info.value.message
    # With space left, the same disk error is a disk problem, still not "damaged".
    monkeypatch.setattr(connection, "disk_full", lambda _folder: False)
    with pytest.raises(StorageError) as other:
        svc.unlock(STRONG, code_for(created, clock()))
    assert not isinstance(other.value, (DiskFull, VaultCorrupt))


def test_a_damaged_data_file_is_still_reported_as_damaged(vault_dir: Path, clock) -> None:
    svc = VaultService(vault_dir, clock=clock)
    created = svc.create(STRONG)
    data = bytearray(svc.paths.db.read_bytes())
    data[:4096] = os.urandom(4096)
    svc.paths.db.write_bytes(bytes(data))
    clock.advance(30)
    with pytest.raises(VaultCorrupt):
        svc.unlock(STRONG, code_for(created, clock()))
