"""`python -m tests.support.cli_child ARGS`: the real CLI entry point, with the test
suite's cheap key derivation switched on first (a test's child process does not inherit
it: no environment variable reaches it)."""

from __future__ import annotations

import sys

from tests.support.cheap_kdf import enable
from therapynotes.cli import main

if __name__ == "__main__":
    enable()
    sys.exit(main())
