"""Durable writes: old or new content, never a mix, no temp left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.support.disk import tmpfs
from therapynotes.atomic import (
    DiskFull,
    TargetNotAFile,
    atomic_write_bytes,
    atomic_writer,
    write_private_file,
)
from therapynotes.errors import StorageError


def test_replaces_content_with_private_mode(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_bytes(b"old")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_an_exception_midway_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_writer(target) as fh:
        fh.write(b"half")
        raise RuntimeError
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_a_read_only_folder_is_a_clear_storage_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        folder = tmp_path / "gone"  # root ignores modes: use a missing folder instead
    else:
        folder = tmp_path / "ro"
        folder.mkdir(mode=0o500)
    with pytest.raises(StorageError) as info:
        atomic_write_bytes(folder / "f", b"x")
    assert "could not write" in info.value.message


# --- write_private_file: every file written on the user's request ----------------------


def test_requested_file_is_private_and_replaces_a_file(tmp_path: Path) -> None:
    target = tmp_path / "chart.pdf"
    target.write_bytes(b"old")
    write_private_file(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["chart.pdf"]


def test_requested_file_never_goes_through_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    target = tmp_path / "chart.pdf"
    target.symlink_to(victim)
    with pytest.raises(TargetNotAFile) as info:
        write_private_file(target, b"plaintext")
    assert "nothing was saved" in info.value.message
    assert target.is_symlink() and victim.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.pdf", "victim.txt"]


def test_requested_file_refuses_a_folder_at_its_name(tmp_path: Path) -> None:
    (tmp_path / "chart.pdf").mkdir()
    with pytest.raises(TargetNotAFile):
        write_private_file(tmp_path / "chart.pdf", b"plaintext")
    assert [p.name for p in tmp_path.iterdir()] == ["chart.pdf"]
    assert list((tmp_path / "chart.pdf").iterdir()) == []


def test_requested_file_on_a_full_disk_leaves_nothing(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", "64k") as disk:
        if disk is None:
            pytest.skip("cannot mount a tmpfs here")
        with pytest.raises(DiskFull) as info:
            write_private_file(disk / "chart.pdf", b"x" * 200_000)
        assert "disk is full" in info.value.message
        assert list(disk.iterdir()) == []
