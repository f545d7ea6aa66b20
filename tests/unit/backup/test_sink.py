"""How a backup reaches the drive (backup/sink.py): O_DIRECT writes give exactly the
bytes written, of any length and in pieces of any size; the backup file is not left in
the page cache; a refusal of O_DIRECT (at open or at the first write) falls back to the
page cache and still gives a backup that verifies; a failing write on the helper thread
fails the backup with a message and leaves nothing behind."""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.unit.backup.conftest import STRONG, Vault, fill
from tests.unit.backup.test_drive import _assert_clean_failure, _resident_bytes, first
from therapynotes.backup import sink
from therapynotes.backup.errors import BackupDiskFull, BackupDriveFailed, BackupError
from therapynotes.services.backups import verify_backup

__all__ = ["first"]  # the fixture, imported for the failure test

PIECE = 1024 * 1024 + 16  # a format 4 chunk as written: 1 MiB and its tag


def _write(path: Path, data: bytes, *, how: str = "direct") -> str:
    """Write `data` as the writer does (an unaligned header, then chunk-sized pieces);
    returns the kind of sink that was used."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(fd, "wb", closefd=True) as out:
        drive = sink.open_sink(out, len(data)) if how == "direct" else sink.EarlySync(out)
        head = min(len(data), 123)
        drive.write(data[:head])
        for at in range(head, len(data), PIECE):
            drive.write(memoryview(data)[at : at + PIECE])
        drive.close_durably()
        return type(drive).__name__


@pytest.mark.parametrize(
    "size",
    [0, 1, 4095, sink.BLOCK, sink.BLOCK + 1, 2 * sink.BLOCK + 777, (sink.BUFFERS + 2) * sink.BLOCK],
)
def test_direct_writes_give_exactly_the_bytes(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "out.bin"
    kind = _write(path, data)
    if kind != "DirectSink":
        pytest.skip("O_DIRECT is not available on this file system")
    assert path.read_bytes() == data


def test_a_backup_is_not_left_in_the_page_cache(vault: Vault, drive: Path) -> None:
    """Written past the cache and read back past it: a backup of any size costs the
    computer no memory afterwards (the control, written through the cache, is cached)."""
    fill(vault.session, 12_000_000, seed=6)
    probe = drive / "probe.bin"
    if _write(probe, os.urandom(3 * sink.BLOCK)) != "DirectSink":
        pytest.skip("O_DIRECT is not available on this file system")
    resident = _resident_bytes(probe)
    if resident is None:
        pytest.skip("no fincore here")
    path = vault.service.run(drive).path
    size = path.stat().st_size
    after = _resident_bytes(path)
    assert after is not None and size > 12_000_000 and after < sink.BLOCK  # the tail at most
    control = drive / "control.bin"
    _write(control, os.urandom(3 * sink.BLOCK), how="cache")
    cached = _resident_bytes(control)
    assert cached is not None and cached > 2 * sink.BLOCK


def test_o_direct_refused_at_open_falls_back(
    vault: Vault, drive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system that refuses O_DIRECT (FUSE, some network shares) still gets a
    backup that verifies, written through the cache with the early syncs."""
    real = fcntl.fcntl
    direct = getattr(os, "O_DIRECT", 0)

    def refusing(fd: int, cmd: int, arg: int = 0) -> int:
        if cmd == fcntl.F_SETFL and arg & direct:
            raise OSError(errno.EINVAL, "no direct I/O here")
        return real(fd, cmd, arg)

    monkeypatch.setattr(fcntl, "fcntl", refusing)
    kinds: list[str] = []
    real_open_sink = sink.open_sink

    def recording(out: object, expected: int) -> sink.Sink:
        made = real_open_sink(out, expected)  # type: ignore[arg-type]
        kinds.append(type(made).__name__)
        return made

    monkeypatch.setattr(sink, "open_sink", recording)
    fill(vault.session, 3_000_000, seed=7)
    path = vault.service.run(drive).path
    assert kinds == ["EarlySync"]
    verify_backup(path, vault.root, passphrase=STRONG)


def test_o_direct_refused_at_the_first_write_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accepted at open but refused when writing (a device needing a larger alignment):
    the block is written again through the cache, and so is the rest."""
    real = os.pwrite
    refused: list[int] = []

    def picky(fd: int, data: memoryview, offset: int) -> int:
        if fcntl.fcntl(fd, fcntl.F_GETFL) & getattr(os, "O_DIRECT", 0):
            refused.append(offset)
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", picky)
    data = os.urandom(3 * sink.BLOCK + 5)
    path = tmp_path / "out.bin"
    if _write(path, data) != "DirectSink":
        pytest.skip("O_DIRECT is not available on this file system")
    assert refused == [0]  # one refusal, then the cache
    assert path.read_bytes() == data


def test_a_failing_drive_write_fails_the_backup_cleanly(
    vault: Vault, drive: Path, first: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An I/O error on the helper thread (a dying USB drive) reaches the backup as the
    drive's failure, with its message; no temp file is left and earlier backups stay."""
    real = os.pwrite
    calls = {"n": 0}

    def failing(fd: int, data: memoryview, offset: int) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.EIO, "Input/output error")
        return real(fd, data, offset)

    error = _backup_with(vault, drive, monkeypatch, failing, BackupDriveFailed)
    assert error.message
    _assert_clean_failure(vault, drive, first, BackupDriveFailed)


def _backup_with(
    vault: Vault,
    drive: Path,
    monkeypatch: pytest.MonkeyPatch,
    pwrite: Callable[[int, memoryview, int], int],
    expected: type[BackupError],
) -> BackupError:
    """Run a backup of about three blocks with `pwrite` in place of the drive's; return
    the error it must fail with (skips where O_DIRECT is refused)."""
    if _write(drive / "probe.bin", b"x") != "DirectSink":
        pytest.skip("O_DIRECT is not available on this file system")
    (drive / "probe.bin").unlink()
    monkeypatch.setattr(os, "pwrite", pwrite)
    fill(vault.session, 3 * sink.BLOCK, seed=8)
    with pytest.raises(expected) as info:
        vault.service.run(drive)
    return info.value


@pytest.mark.parametrize("where", ["last full block", "tail"])
def test_a_full_drive_at_the_end_is_reported_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A write that fails after the last `write` (the last full block on the helper
    thread, or the tail at close) surfaces as the drive's own error, so the backup
    says "the drive is full", never as an error about the buffers it used."""
    fail_at = 2 * sink.BLOCK if where == "last full block" else 3 * sink.BLOCK
    real = os.pwrite

    def full(fd: int, data: memoryview, offset: int) -> int:
        if offset == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data, offset)

    if _write(tmp_path / "probe.bin", b"x") != "DirectSink":
        pytest.skip("O_DIRECT is not available on this file system")
    monkeypatch.setattr(os, "pwrite", full)
    with pytest.raises(OSError) as info:
        _write(tmp_path / "out.bin", os.urandom(3 * sink.BLOCK + 5))
    assert info.value.errno == errno.ENOSPC


def test_a_full_drive_at_the_tail_fails_the_backup_cleanly(
    vault: Vault, drive: Path, first: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.pwrite

    def full_when_cached(fd: int, data: memoryview, offset: int) -> int:
        if not fcntl.fcntl(fd, fcntl.F_GETFL) & getattr(os, "O_DIRECT", 0):
            raise OSError(errno.ENOSPC, "No space left on device")  # the tail's write
        return real(fd, data, offset)

    error = _backup_with(vault, drive, monkeypatch, full_when_cached, BackupDiskFull)
    assert "drive is full" in error.message
    _assert_clean_failure(vault, drive, first, BackupDiskFull)


def test_a_refused_direct_write_goes_on_with_early_syncs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a refusal mid-stream the rest goes through the cache, synced every `every`
    bytes as EarlySync does, so a large backup does not pile up dirty memory."""
    real_pwrite, real_sync = os.pwrite, os.fdatasync
    synced: list[int] = []

    def picky(fd: int, data: memoryview, offset: int) -> int:
        if fcntl.fcntl(fd, fcntl.F_GETFL) & getattr(os, "O_DIRECT", 0):
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_pwrite(fd, data, offset)

    def sync(fd: int) -> None:
        synced.append(os.fstat(fd).st_size)
        real_sync(fd)

    path = tmp_path / "out.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(fd, "wb", closefd=True):
        drive = sink.DirectSink.open(fd, every=2 * sink.BLOCK)
        if drive is None:
            pytest.skip("O_DIRECT is not available on this file system")
        monkeypatch.setattr(os, "pwrite", picky)
        monkeypatch.setattr(os, "fdatasync", sync)
        data = os.urandom(6 * sink.BLOCK + 9)
        drive.write(data)
        drive.close_durably()
    assert path.read_bytes() == data
    assert synced == [2 * sink.BLOCK, 4 * sink.BLOCK, 6 * sink.BLOCK]
