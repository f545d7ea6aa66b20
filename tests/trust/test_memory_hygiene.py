"""Memory hygiene, honestly: after lock, how many copies of the data key and of the
passphrase remain in the process's memory? Python cannot promise zero (immutable bytes
and str copies are freed, not wiped); this test measures and reports, and asserts only
what we control: the unlocked process does hold the key (so the search works), and the
locked one holds no more copies than the unlocked one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.trust import figure
from tests.support.vaults import STRONG
from therapynotes.services.vault import VaultService

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs /proc")


def count_in_memory(pid: int, needles: dict[str, bytes]) -> dict[str, int]:
    counts = dict.fromkeys(needles, 0)
    with open(f"/proc/{pid}/maps", encoding="ascii") as maps, open(f"/proc/{pid}/mem", "rb") as mem:
        for line in maps:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
            if not m or not m.group(3).startswith("r") or "[vvar" in line or "[vsyscall" in line:
                continue
            start, end = int(m.group(1), 16), int(m.group(2), 16)
            try:
                mem.seek(start)
                chunk = mem.read(end - start)
            except (OSError, ValueError, OverflowError):
                continue
            for name, needle in needles.items():
                counts[name] += chunk.count(needle)
    return counts


def data_key(vault_dir: Path) -> bytes:
    """The parent derives the DEK itself (passphrase-only vault), so the child never has
    to reveal it and the search counts only the copies the app makes."""
    from therapynotes.security import kdf, keyslots

    doc = keyslots.decode((vault_dir / "vault.keys").read_bytes())
    master = kdf.argon2id(STRONG, doc.local.kdf)
    return keyslots.open_local(doc, kdf.kek_local(master, b"")).reveal()


def measure(vault_dir: Path, secret: str, phase: str, offset: float) -> dict[str, int]:
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'src'}"}
    argv = [sys.executable, "-m", "tests.trust.memory_child", str(vault_dir), secret]
    child = subprocess.Popen(
        [*argv, phase, str(offset)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO,
    )  # fmt: skip
    try:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(STRONG.encode() + b"\n")
        child.stdin.close()
        line = child.stdout.readline()
        assert line.strip() == b"ready", child.stderr.read() if child.stderr else b""
        dek = data_key(vault_dir)
        return count_in_memory(
            child.pid,
            {
                "dek": dek,
                "dek-hex": dek.hex().encode(),
                "passphrase-utf8": STRONG.encode(),
                "passphrase-utf16": STRONG.encode("utf-16-le"),
            },
        )
    finally:
        child.kill()
        child.wait()


def test_copies_of_keys_in_memory_after_lock(vault_dir: Path) -> None:
    svc = VaultService(vault_dir)
    created = svc.create(STRONG, passphrase_only=True)
    unlocked = measure(vault_dir, created.totp_secret, "unlocked", 0)
    locked = measure(vault_dir, created.totp_secret, "locked", 30)
    print(f"copies while unlocked: {unlocked}")
    print(f"copies after lock:     {locked}")
    for phase, counts in (("unlocked", unlocked), ("locked", locked)):
        for name, count in counts.items():
            figure(f"memory.{phase}.{name}", count, unit="copies")
    assert unlocked["dek"] + unlocked["dek-hex"] >= 1  # the search does see the key
    assert locked["dek"] == 0  # our buffer and SQLCipher's codec key are wiped on lock
    # SQLite's own copy of the `PRAGMA key` statement text is freed, not wiped (we do not
    # run SQLCipher's process-wide cipher_memory_security: it made search 14x slower).
    # Our Python copies are scrubbed, so at most that one copy of the hex form remains.
    assert locked["dek-hex"] <= 1
