"""bench.search_probe (issue 18): a subprocess on a real vault, one line per query with
the time, the total and how many were shown; what the search view's service call says."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest
from bench.search_probe import line, probe

from tests.conftest import STRONG
from tests.support.cheap_kdf import ENABLE_LINE
from tests.support.records import add_client
from therapynotes.services.records import RecordsService
from therapynotes.services.vault import VaultService
from therapynotes.store import search
from therapynotes.store.search import PAGE

ROOT = Path(__file__).resolve().parents[2]


def _vault(vault_dir: Path) -> pyotp.TOTP:
    """A passphrase-only vault (the child process has no keyring of ours) with 60 notes
    about sleep and two clients with a depressive disorder."""
    svc = VaultService(vault_dir)
    created = svc.create(STRONG, passphrase_only=True)
    totp = pyotp.TOTP(created.totp_secret)
    session = svc.unlock(STRONG, totp.now())
    try:
        records = RecordsService(session)
        ada, bob = add_client(records, "Ada Canary"), add_client(records, "Bob Stone")
        for i in range(60):
            note = records.start_note(ada, "freeform", sections={"text": f"Insomnia, night {i}"})
            records.sign_note(note)
        records.add_diagnosis(ada, "F32.1")
        records.add_diagnosis(bob, "F33.1")
    finally:
        session.lock("test finished")
    return totp


def _probe(vault_dir: Path, queries: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    """`python -m bench.search_probe VAULT_DIR --queries FILE`, with the suite's cheap key
    derivation switched on first (the vault was made with it; a child must ask for it)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    run_module = (
        f"{ENABLE_LINE}import runpy, sys\n"
        "sys.argv = ['search_probe', *sys.argv[1:]]\n"
        "runpy.run_module('bench.search_probe', run_name='__main__')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", run_module, str(vault_dir), "--queries", str(queries)],
        input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=120,
    )  # fmt: skip


def test_probe_prints_time_total_and_shown_per_query(vault_dir: Path, tmp_path: Path) -> None:
    totp = _vault(vault_dir)
    queries = tmp_path / "queries.txt"
    queries.write_text('insom\n\ndepress\nzeppelin\n"unclosed AND *\n', encoding="utf-8")
    # The code of the next step: the vault refuses a code it has already seen.
    code = totp.at(int(time.time()) + 30)
    result = _probe(vault_dir, queries, f"{STRONG}\n{code}\n")
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [r[1:] for r in rows] == [["60", "50"], ["2", "2"], ["0", "0"], ["0", "0"]]
    assert all(float(r[0]) >= 0 for r in rows)
    assert "Insomnia" not in result.stdout and "Canary" not in result.stdout


def test_probe_refuses_a_wrong_passphrase_in_one_line(vault_dir: Path, tmp_path: Path) -> None:
    _vault(vault_dir)
    queries = tmp_path / "queries.txt"
    queries.write_text("sleep\n", encoding="utf-8")
    result = _probe(vault_dir, queries, "not the passphrase\n123456\n")
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    missing = _probe(tmp_path / "nowhere", queries, f"{STRONG}\n123456\n")
    assert missing.returncode == 1 and "no vault" in missing.stderr


def test_a_count_stopped_at_the_cap_is_printed_with_a_plus(
    vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    totp = _vault(vault_dir)  # 60 notes about insomnia
    session = VaultService(vault_dir).unlock(STRONG, totp.at(int(time.time()) + 30))
    try:
        records = RecordsService(session)
        monkeypatch.setattr(search, "COUNT_CAP", 20)
        ms, total, shown, more = next(probe(records, ["insomnia"]))
        assert (total, shown, more) == (PAGE, PAGE, True)
        assert line(ms, total, shown, more).split("\t")[1:] == [f"{PAGE}+", str(PAGE)]
        monkeypatch.setattr(search, "COUNT_CAP", 100)
        ms, total, shown, more = next(probe(records, ["insomnia"]))
        assert line(ms, total, shown, more).split("\t")[1:] == ["60", str(PAGE)]
    finally:
        session.lock("test finished")
