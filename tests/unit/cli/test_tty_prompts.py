"""Without --passphrase-stdin, secrets are read from the terminal without echo."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

from tests.support.vaults import STRONG


def _read_until(fd: int, needle: bytes, timeout: float = 30.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_init_prompts_twice_on_a_terminal_and_does_not_echo(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    pid, fd = pty.fork()
    if pid == 0:  # child: run the CLI on the pseudo-terminal
        os.execv(  # noqa: S606 - the CLI under test, no shell needed
            sys.executable,
            [
                sys.executable,
                "-m",
                "therapynotes",
                "--vault",
                str(vault),
                "init",
                "--passphrase-only",
            ],
        )
    seen = _read_until(fd, b"Choose a passphrase: ")
    os.write(fd, STRONG.encode() + b"\n")
    seen += _read_until(fd, b"Type it again: ")
    os.write(fd, STRONG.encode() + b"\n")
    seen += _read_until(fd, b"recovery-key: ")
    seen += _read_until(fd, b"\n")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen.decode(errors="replace")
    assert b"totp-uri: otpauth://" in seen
    assert STRONG.encode() not in seen  # never echoed
