"""The test suite's fast key derivation (far below the floor a real vault needs).

Only this module switches it on, by setting `therapynotes.security.kdf._test_profile`;
the app never does and no environment variable can (issue 12). tests/conftest.py
installs it for every test; a child process started by a test calls `enable()` itself
(the tests/trust/*_child.py modules, `python -m tests.support.cli_child ARGS` for the
CLI).
"""

from __future__ import annotations

from therapynotes.security import kdf

CHEAP_M_KIB = 64
CHEAP_T = 1
CHEAP_P = 1
PROFILE = (CHEAP_M_KIB, CHEAP_T, CHEAP_P)

# A line to put first in a `python -c` script a test runs in a child process.
ENABLE_LINE = "from tests.support.cheap_kdf import enable; enable()\n"


def enable() -> None:
    kdf._test_profile = PROFILE


def disable() -> None:
    kdf._test_profile = None
