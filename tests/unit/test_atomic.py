"""Durable writes: old or new content, never a mix, no temp left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from therapynotes.atomic import atomic_write_bytes, atomic_writer
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
