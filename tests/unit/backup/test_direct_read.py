"""The read-back's O_DIRECT reader (backup/direct_read.py): the same bytes as an
ordinary read for any length and read size, nothing left in the page cache, and the
ordinary read wherever O_DIRECT is refused."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from tests.unit.backup.conftest import Vault, fill
from tests.unit.backup.test_drive import _resident_bytes
from therapynotes.backup import direct_read, reader
from therapynotes.backup import format as fmt


def _direct_or_skip(path: Path) -> direct_read.io.BufferedReader:
    fh = direct_read.open_direct(path)
    if fh is None:
        pytest.skip("O_DIRECT is not available on this file system")
    return fh


@pytest.mark.parametrize(
    "size",
    [
        0,
        1,
        4095,
        direct_read.BLOCK,
        direct_read.BLOCK + 1,
        2 * direct_read.BLOCK + 777,
        (direct_read.AHEAD + 3) * direct_read.BLOCK + 3,  # every buffer used again
    ],
)
def test_same_bytes_as_an_ordinary_read(tmp_path: Path, size: int) -> None:
    path = tmp_path / "file.bin"
    data = os.urandom(size)
    path.write_bytes(data)
    with _direct_or_skip(path) as fh:
        skip = min(size, 517)  # an unaligned header, as the reader skips
        assert fh.seek(skip) == skip
        got = bytearray()
        while chunk := fh.read(fmt.CHUNK_CT):
            assert len(chunk) == fmt.CHUNK_CT or fh.read(1) == b""  # short only at the end
            got += chunk
        assert fh.tell() == size
    assert bytes(got) == data[skip:]


def test_backwards_seek_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(os.urandom(200_000))
    with _direct_or_skip(path) as fh:
        fh.read(100_000)  # past what the buffered layer keeps
        with pytest.raises(OSError):  # io.UnsupportedOperation
            fh.seek(10)


def test_verify_leaves_the_file_out_of_the_page_cache(vault: Vault, drive: Path) -> None:
    """Every payload byte of a verification came from the drive: with the file out of
    the cache beforehand, it is still out of it after being read in full (an ordinary
    read fills it): O_DIRECT reads go to the device, not through the cache, which is why
    the read-back need not drop the file from the cache first."""
    fill(vault.session, 6_000_000, seed=4)
    path = vault.service.run(drive).path
    _direct_or_skip(path).close()
    with open(path, "rb") as fh:
        os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    opened = reader.open_with_dek(path, vault.session.dek)
    try:
        reader.decrypt_snapshot(opened, None)
        resident = _resident_bytes(path)
        if resident is None:
            pytest.skip("no fincore here")
        size = path.stat().st_size
        assert size > 6_000_000 and resident < size // 10
        reader.DIRECT_READS = False  # the control: the ordinary read fills the cache
        try:
            reader.decrypt_snapshot(opened, None)
        finally:
            reader.DIRECT_READS = True
        after_ordinary = _resident_bytes(path)
        assert after_ordinary is not None and after_ordinary > size // 2
    finally:
        opened.close()


def test_refused_o_direct_falls_back_to_the_ordinary_read(
    vault: Vault, drive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(vault.session, 300_000, seed=5)
    path = vault.service.run(drive).path
    real_open = os.open

    def refusing(file: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & getattr(os, "O_DIRECT", 0):
            raise OSError(errno.EINVAL, "no direct I/O here")
        return real_open(file, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing)
    assert direct_read.open_direct(path) is None
    opened = reader.open_with_dek(path, vault.session.dek)
    try:
        manifest = reader.verify(opened, drive.parent)
    finally:
        opened.close()
    assert manifest.counts["t_notes"] > 0
    vault.service.run(drive)  # the writer's read-back too


def test_a_failed_read_ahead_is_raised_to_the_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read that fails on a helper thread (a dying drive) fails the read that needed
    it, never a silent short file."""
    path = tmp_path / "file.bin"
    path.write_bytes(os.urandom(4 * direct_read.BLOCK))
    real = os.preadv

    def failing(fd: int, buffers: list[object], offset: int) -> int:
        if offset >= 2 * direct_read.BLOCK:
            raise OSError(errno.EIO, "Input/output error")
        return real(fd, buffers, offset)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "preadv", failing)
    with _direct_or_skip(path) as fh:
        assert len(fh.read(2 * direct_read.BLOCK)) == 2 * direct_read.BLOCK
        with pytest.raises(OSError) as info:
            fh.read(direct_read.BLOCK)
        assert info.value.errno == errno.EIO


def test_a_short_read_in_the_middle_is_an_error_not_a_shorter_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next blocks are read ahead at fixed offsets, so a read that returns less than
    a block before the end (a flaky drive or bridge) must not drop the bytes between:
    it is an I/O error, reported as the drive's failure rather than a damaged backup."""
    path = tmp_path / "file.bin"
    path.write_bytes(os.urandom(4 * direct_read.BLOCK))
    real = os.preadv

    def short(fd: int, buffers: list[Any], offset: int) -> int:
        got = real(fd, buffers, offset)
        return got // 2 if offset == 2 * direct_read.BLOCK else got

    monkeypatch.setattr(os, "preadv", short)
    with _direct_or_skip(path) as fh:
        assert len(fh.read(2 * direct_read.BLOCK)) == 2 * direct_read.BLOCK
        with pytest.raises(OSError) as info:
            fh.read()
        assert info.value.errno == errno.EIO
