"""One process at a time per vault: an OS file lock released when the process dies.

A crash never leaves the vault locked out, because the OS drops the lock with the
process; no stale lock file needs cleaning.
"""

from __future__ import annotations

import os
from pathlib import Path

from therapynotes.errors import StorageError, VaultInUse
from therapynotes.paths import PRIVATE_FILE_MODE


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
        except OSError as exc:
            raise StorageError(type(exc).__name__) from exc
        try:
            _lock(fd)
        except OSError as exc:
            os.close(fd)
            raise VaultInUse from exc
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


if os.name == "posix":
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

else:  # pragma: no cover - Windows
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
