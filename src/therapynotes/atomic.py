"""Durable file writes: temp file in the same folder, fsync, rename, fsync the folder.

A reader sees either the old file or the new one, never a mix, even after a crash or
power cut. Must not import PySide6.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from therapynotes.errors import StorageError
from therapynotes.paths import PRIVATE_FILE_MODE

TEMP_SUFFIX = ".partial"


def fsync_dir(folder: Path) -> None:
    """Make a rename or create inside `folder` durable (no-op where unsupported)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_name_for(target: Path) -> Path:
    """A hidden, unique temp name beside `target`; never looks like a finished file."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


@contextlib.contextmanager
def atomic_writer(target: Path, *, mode: int = PRIVATE_FILE_MODE) -> Iterator[BinaryIO]:
    """Yield a binary file; on clean exit it replaces `target` durably.

    On any exception the temp file is removed and `target` is untouched.
    """
    tmp = temp_name_for(target)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise StorageError(type(exc).__name__) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise StorageError(type(exc).__name__) from exc
        raise


def atomic_write_bytes(target: Path, data: bytes, *, mode: int = PRIVATE_FILE_MODE) -> None:
    with atomic_writer(target, mode=mode) as fh:
        fh.write(data)
