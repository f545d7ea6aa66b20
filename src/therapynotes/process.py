"""Process-wide protections applied at start by both entry points (the CLI's `main` and
the app's `run`): private file modes and no core dumps.

A crash of an unlocked vault would otherwise write a core file holding the data key and
record text to disk, in the clear. So the core-size limit is set to 0 (soft and hard)
and, on Linux, the process is marked not dumpable (PR_SET_DUMPABLE 0), which also stops
other processes of the same user from attaching a debugger or reading /proc/PID/mem.
macOS honours the zero core limit; Windows writes no core files by default (Windows
Error Reporting dumps are a system setting we leave alone).

Must not import PySide6.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys

if sys.platform != "win32":
    import resource

PR_SET_DUMPABLE = 4


def _no_core_limit() -> None:
    if sys.platform == "win32":
        return  # no core files by default
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _not_dumpable() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        # The running interpreter's own libc: ctypes.util.find_library would start
        # ldconfig in a subprocess, tens of ms of every command's start (issue 18).
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def harden_process() -> None:
    """Private file modes, no core dumps. Safe to call more than once."""
    if os.name == "posix":
        os.umask(0o077)  # every file we create is private, including SQLite's -wal/-shm
    _no_core_limit()
    _not_dumpable()
