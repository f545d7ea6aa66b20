"""A failing backup drive: read-only, full, removed mid-write, cancelled. Each gives its
own clear error, leaves no file that looks like a backup, keeps earlier backups intact,
and is recorded as a failed run."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import STRONG
from tests.unit.backup.conftest import Vault, fill
from therapynotes.backup import direct_read, reader
from therapynotes.backup import format as fmt
from therapynotes.backup.errors import (
    BackupCancelled,
    BackupDiskFull,
    BackupDriveMissing,
    BackupError,
    BackupReadOnly,
)
from therapynotes.backup.schedule import BackupWarning
from therapynotes.services.backups import list_backups, verify_backup


def _visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _assert_clean_failure(vault: Vault, drive: Path, before: list[str], kind: type) -> None:
    assert _visible(drive) == before  # no temp left, nothing new, nothing removed
    state = vault.service.state()
    if kind is BackupCancelled:  # the therapist's own choice: no "last run failed" warning
        assert state.last_run_ok is True
    else:
        assert state.last_run_ok is False and state.last_error == kind.__name__
        assert BackupWarning.LAST_RUN_FAILED in vault.service.warnings(drive)
    assert not list(vault.root.glob(".backup-work-*"))
    for item in list_backups(drive):
        verify_backup(item.path, vault.root, passphrase=STRONG)


@pytest.fixture
def first(vault: Vault, drive: Path) -> list[str]:
    vault.service.run(drive)
    vault.clock.advance(60)
    fill(vault.session, 3 * fmt.CHUNK, seed=3)
    return _visible(drive)


def _mount_tmpfs(where: Path, options: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir(exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.fixture
def tiny_drive(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "tiny"
    if not _mount_tmpfs(where, "size=64k,mode=0700"):
        pytest.skip("cannot mount a tmpfs here (needs root); the injected ENOSPC test covers it")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def test_disk_full_on_a_real_tiny_filesystem(vault: Vault, tiny_drive: Path) -> None:
    fill(vault.session, 6 * fmt.CHUNK)
    with pytest.raises(BackupDiskFull):
        vault.service.run(tiny_drive)
    _assert_clean_failure(vault, tiny_drive, [], BackupDiskFull)


def test_disk_full_injected(
    vault: Vault, drive: Path, first: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = fmt.StreamWriter._emit
    calls = {"n": 0}

    def emit(self: fmt.StreamWriter, chunk: bytes, *, last: bool) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, chunk, last=last)

    monkeypatch.setattr(fmt.StreamWriter, "_emit", emit)
    with pytest.raises(BackupDiskFull) as info:
        vault.service.run(drive)
    assert "drive is full" in info.value.message
    _assert_clean_failure(vault, drive, first, BackupDiskFull)


def test_read_only_folder(vault: Vault, drive: Path, first: list[str], tmp_path: Path) -> None:
    if os.geteuid() == 0:
        ro = tmp_path / "ro"
        if not _mount_tmpfs(ro, "ro,size=64k"):
            pytest.skip("root, and no read-only mount available")
        try:
            with pytest.raises(BackupReadOnly):
                vault.service.run(ro)
            assert _visible(ro) == []
        finally:
            subprocess.run(["umount", "-l", str(ro)], check=False)
        _assert_clean_failure(vault, drive, first, BackupReadOnly)
        return
    os.chmod(drive, 0o500)
    try:
        with pytest.raises(BackupReadOnly):
            vault.service.run(drive)
    finally:
        os.chmod(drive, 0o700)
    _assert_clean_failure(vault, drive, first, BackupReadOnly)


def test_read_only_injected(
    vault: Vault, drive: Path, first: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def fake_open(path: object, flags: int, mode: int = 0o777, **kw: object) -> int:
        if str(path).startswith(str(drive)) and flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, mode, **kw)  # type: ignore[arg-type]

    with monkeypatch.context() as patched, pytest.raises(BackupReadOnly):
        patched.setattr(os, "open", fake_open)
        vault.service.run(drive)
    _assert_clean_failure(vault, drive, first, BackupReadOnly)


def test_folder_missing_and_removed_mid_write(vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(BackupDriveMissing):
        vault.service.run(tmp_path / "not-plugged-in")
    target = tmp_path / "usb" / "backups"
    target.mkdir(parents=True)

    def pull_the_drive(phase: str, _done: int, _total: int) -> None:
        if phase == "encrypt":
            shutil.rmtree(target, ignore_errors=True)

    fill(vault.session, 3 * fmt.CHUNK)
    with pytest.raises(BackupDriveMissing):
        vault.service.run(target, progress=pull_the_drive)
    assert not target.exists()
    assert vault.service.state().last_error == "BackupDriveMissing"


@pytest.mark.parametrize("phase", ["snapshot", "encrypt", "verify"])
def test_cancel_at_each_phase(vault: Vault, drive: Path, first: list[str], phase: str) -> None:
    seen: list[str] = []

    def progress(p: str, _done: int, _total: int) -> None:
        seen.append(p)

    def cancel() -> bool:
        return phase in seen

    with pytest.raises(BackupCancelled):
        vault.service.run(drive, progress=progress, cancel=cancel)
    _assert_clean_failure(vault, drive, first, BackupCancelled)


def test_all_failures_are_backup_errors_with_messages() -> None:
    for kind in (BackupDiskFull, BackupReadOnly, BackupDriveMissing, BackupCancelled):
        err = kind("ENOSPC")
        assert isinstance(err, BackupError) and "unchanged" in err.message
    with contextlib.suppress(BackupError):
        raise BackupDiskFull


def _resident_bytes(path: Path) -> int | None:
    """Bytes of `path` in the page cache, by util-linux's fincore; None when unknown."""
    if shutil.which("fincore") is None:
        return None
    out = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def test_read_back_reads_the_drive_not_the_page_cache(
    vault: Vault, drive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-back proves what the drive holds (a drive that loses writes fails here):
    it reads the new file with O_DIRECT, which the device serves, never the page cache
    (test_direct_read.py shows such reads leave the cache untouched); where O_DIRECT is
    refused it has the kernel drop the file from the cache first, so that when the
    read-back's first chunk is in, most of the file is not cached."""
    fill(vault.session, 6_000_000, seed=3)
    probe = drive.parent / "probe"
    probe.write_bytes(os.urandom(1 << 20))
    with open(probe, "rb") as fh:
        os.fsync(fh.fileno())
        os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    if _resident_bytes(probe) != 0:
        pytest.skip("this file system keeps file pages cached (e.g. tmpfs) or no fincore")
    opened_direct: list[bool] = []
    real_open_direct = direct_read.open_direct

    def open_direct(path: Path) -> object:
        fh = real_open_direct(path)
        opened_direct.append(
            fh is not None and bool(fcntl.fcntl(fh.fileno(), fcntl.F_GETFL) & os.O_DIRECT)
        )
        return fh

    monkeypatch.setattr(direct_read, "open_direct", open_direct)
    vault.service.run(drive)
    assert opened_direct == [True]  # the writer's read-back, with O_DIRECT

    seen: list[tuple[int | None, int]] = []
    real_drop = reader._drop_cached

    def drop(fh: object) -> None:
        real_drop(fh)  # type: ignore[arg-type]
        (temp,) = drive.glob(".*.partial")
        seen.append((_resident_bytes(temp), temp.stat().st_size))

    monkeypatch.setattr(reader, "DIRECT_READS", False)  # the fallback: drop, then read
    monkeypatch.setattr(reader, "_drop_cached", drop)
    vault.clock.advance(60)
    vault.service.run(drive)
    resident, size = seen[0]
    assert size > 6_000_000
    assert resident is not None and resident < size // 10
