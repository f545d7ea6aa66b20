"""Issue 17 phase B: a restore on a new computer brings the users back (test keyring;
tests/integration/test_users_secret_service.py runs the same walk against gnome-keyring)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import FakeClock
from tests.support.users_restore import walk


def test_restore_on_a_new_computer_brings_the_users_back(tmp_path: Path, clock: FakeClock) -> None:
    walk(tmp_path, clock)
