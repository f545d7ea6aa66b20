"""Small real filesystems for disk-fault tests: a tmpfs of a given size, remountable
read-only or larger (needs root and mount(8); callers skip or inject faults otherwise)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def can_mount() -> bool:
    return os.name == "posix" and os.geteuid() == 0 and shutil.which("mount") is not None


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path | None]:
    """A tmpfs of `size` (e.g. "2m") at `where`, or None where mounting is not allowed."""
    where.mkdir(parents=True, exist_ok=True)
    if not can_mount() or not _mount(
        "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)
    ):
        yield None
        return
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def remount(where: Path, options: str) -> None:
    """E.g. "ro", "rw", "size=64m"."""
    assert _mount("-o", f"remount,{options}", str(where)), f"remount {options} failed"
