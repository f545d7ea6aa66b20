"""The attempt log's file: a write a kill cut short leaves no litter after the next one."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import FakeClock
from therapynotes.security.attempts import AttemptLog


def test_the_next_write_removes_temp_files_a_kill_left(tmp_path: Path) -> None:
    log = AttemptLog(tmp_path / "attempts.json", FakeClock())
    left = tmp_path / ".attempts.json.0badc0de.partial"
    left.write_bytes(b'{"failures": 3')  # what a SIGKILL mid-write leaves
    other = tmp_path / ".vault.keys.1234abcd.partial"
    other.write_bytes(b"not ours")
    log.record_failure("passphrase")
    assert not left.exists()
    assert other.exists(), "only the attempt log's own temp files are its to remove"
    assert log.load().failures == 1
