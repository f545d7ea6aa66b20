"""Endurance (issue 8): many lock/unlock cycles with simulated editing between them, on
an injected clock that moves 30 s a cycle (one TOTP step; codes are never reused).
Resident memory is measured after a warm-up and at the end; no VaultSession or database
connection may outlive its lock. The UI's page widgets: tests/ui/test_trust_ui.py.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from tests.conftest import STRONG, FakeClock
from tests.support.trust import figure, rss_mib, scaled
from tests.support.vaults import code_for, make_vault
from therapynotes.domain.models import ClientFields
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession

CYCLES = scaled(ci=100, full=1000)
WARMUP = 10
MAX_GROWTH_MIB = 20.0


def _alive(kind: type) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is kind)


def _open_vault_files(folder: Path) -> int:
    """File descriptors of this process on the vault's files (a leaked connection keeps
    vault.db open; sqlcipher connections are not visible to gc)."""
    fds = Path("/proc/self/fd")
    if not fds.exists():
        return 0
    count = 0
    for fd in fds.iterdir():
        try:
            count += Path(os.readlink(fd)).parent == folder
        except OSError:
            continue
    return count


@pytest.mark.slow
def test_lock_unlock_cycles_with_editing(vault_dir: Path, clock: FakeClock) -> None:
    svc, created = make_vault(vault_dir, clock)

    def cycle(i: int) -> None:
        clock.advance(30)
        session = svc.unlock(STRONG, code_for(created, clock()))
        records = RecordsService(session, clock=clock)
        if i == 0:
            records.create_client(ClientFields(legal_name="Endurance"))
        note = records.start_note(1, "freeform", sections={"text": f"cycle {i}"})  # type: ignore[arg-type]
        for j in range(3):  # autosaves while typing
            clock.advance(5)
            records.save_draft(note, {"text": f"cycle {i} edit {j} " + "word " * 100})
        records.sign_note(note)
        records.search(f"cycle {i}")
        if i == 0:  # the counts below can see a live session and its open files
            assert _alive(VaultSession) == 1
            assert not Path("/proc/self/fd").exists() or _open_vault_files(vault_dir) >= 2
        session.lock("idle")

    start_clock = clock()
    for i in range(WARMUP):
        cycle(i)
    sessions_before = _alive(VaultSession)
    rss_start = rss_mib()
    for i in range(WARMUP, WARMUP + CYCLES):
        cycle(i)
    rss_end = rss_mib()
    sessions_after = _alive(VaultSession)
    open_files = _open_vault_files(vault_dir)
    hours = (clock() - start_clock) / 3600
    growth = rss_end - rss_start
    figure("endurance.cycles", CYCLES, note=f"after {WARMUP} warm-up cycles")
    figure("endurance.simulated_hours", round(hours, 1), unit="h", note="injected clock")
    figure("endurance.rss_start", round(rss_start, 1), unit="MiB")
    figure("endurance.rss_end", round(rss_end, 1), unit="MiB")
    figure("endurance.rss_growth", round(growth, 1), unit="MiB", note=f"limit {MAX_GROWTH_MIB}")
    figure("endurance.sessions_alive_after", sessions_after, note="VaultSession objects (gc)")
    figure("endurance.vault_files_open_after", open_files, note="fds on vault files")
    assert sessions_before == 0 and sessions_after == 0
    assert open_files == 0
    assert growth < MAX_GROWTH_MIB
