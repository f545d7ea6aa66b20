"""CLI: demo, clients, search, including their error paths (exit codes, one line on
stderr, never a traceback)."""

from __future__ import annotations

import argparse
import io
import json
import time
import urllib.parse
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, FakeClock
from tests.support.records import add_client, unlock_new_vault
from therapynotes.cli import main, records_cmds
from therapynotes.services.records import RecordsService


def run(
    args: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _secret(out: str) -> str:
    uri = next(line for line in out.splitlines() if line.startswith("totp-uri: "))
    query = urllib.parse.urlparse(uri.removeprefix("totp-uri: ")).query
    return urllib.parse.parse_qs(query)["secret"][0]


@pytest.fixture
def demo_vault(
    vault_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, pyotp.TOTP]:
    argv = ["--vault", str(vault_dir), "demo", "--clients", "6", "--years", "1", "--seed", "3"]
    code, out, err = run([*argv, "--passphrase-stdin"], f"{STRONG}\n", monkeypatch, capsys)
    assert code == 0, err
    assert [line.split(":")[0] for line in out.splitlines()] == [
        "vault-id",
        "totp-uri",
        "recovery-key",
    ]
    assert "6 clients" in err and "synthetic" in err
    return vault_dir, pyotp.TOTP(_secret(out))


def test_demo_then_clients_then_search(
    demo_vault: tuple[Path, pyotp.TOTP],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    vault, totp = demo_vault
    base = ["--vault", str(vault), "--passphrase-stdin"]
    # demo used the previous step's code, so the code shown now is still fresh
    code, out, err = run(
        [*base, "clients", "--all"], f"{STRONG}\n{totp.now()}\n", monkeypatch, capsys
    )
    assert code == 0, err
    rows = [line.split("\t") for line in out.splitlines()]
    assert len(rows) == 6 and all(len(r) == 3 and r[0].isdigit() for r in rows)
    assert {r[2] for r in rows} <= {"active", "inactive", "discharged"}
    next_code = totp.at(time.time() + 30)
    code, out, err = run(
        [*base, "search", "exposure hierarchy", "--since", "2000-01-01", "--limit", "5"],
        f"{STRONG}\n{next_code}\n",
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    lines = [line.split("\t") for line in out.splitlines()]
    assert 1 <= len(lines) <= 5 and all(len(parts) == 4 for parts in lines)
    assert all("[exposure]" in parts[3].lower() for parts in lines)


def test_search_psychotherapy_only_when_asked(
    demo_vault: tuple[Path, pyotp.TOTP],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    vault, totp = demo_vault
    base = ["--vault", str(vault), "--passphrase-stdin", "search", "client"]
    _, plain, _ = run([*base, "--limit", "500"], f"{STRONG}\n{totp.now()}\n", monkeypatch, capsys)
    assert "psychotherapy note" not in plain
    code, out, err = run(
        [*base, "--limit", "500", "--include-psychotherapy"],
        f"{STRONG}\n{totp.at(time.time() + 30)}\n",
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    assert "psychotherapy (psychotherapy note)" in out


def test_error_paths_exit_codes_without_traceback(
    demo_vault: tuple[Path, pyotp.TOTP],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    vault, totp = demo_vault
    base = ["--vault", str(vault), "--passphrase-stdin"]
    cases = [
        ([*base, "clients"], f"{STRONG}\n000000\n", 1, "code didn't match"),
        ([*base, "search", "   "], "", 2, "give some words"),
        (
            [*base, "search", "sleep", "--client", "999"],
            f"{STRONG}\n{totp.now()}\n",
            1,
            "No client has that id",
        ),
        (["--vault", str(tmp_path / "none"), "--passphrase-stdin", "clients"], "", 1, "No vault"),
        ([*base, "demo"], f"{STRONG}\n", 1, "already exists"),
    ]
    for argv, stdin, want, phrase in cases:
        code, out, err = run(argv, stdin, monkeypatch, capsys)
        assert (code, out) == (want, ""), err
        assert phrase in err and "Traceback" not in err and err.count("\n") == 1


def test_search_sorts_newest_first_and_finds_the_word_being_typed(
    demo_vault: tuple[Path, pyotp.TOTP],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 18 extends `search` (its four tab-separated fields unchanged): --sort newest,
    and a last word that is only the start of one ("exposu") is found as a prefix."""
    vault, totp = demo_vault
    base = ["--vault", str(vault), "--passphrase-stdin", "search"]
    found: dict[str, list[list[str]]] = {}
    # demo used the previous step's code: now, then the next step (each code once)
    for step, (name, extra) in enumerate((("newest", ["--sort", "newest"]), ("prefix", []))):
        query = "exposure" if name == "newest" else "exposu"
        code, out, err = run(
            [*base, query, "--limit", "20", *extra],
            f"{STRONG}\n{totp.at(time.time() + 30 * step)}\n",
            monkeypatch,
            capsys,
        )
        assert code == 0, err
        found[name] = [line.split("\t") for line in out.splitlines()]
    days = [row[1] for row in found["newest"]]
    assert len(days) == 20 and days == sorted(days, reverse=True)
    assert all(len(row) == 4 for rows in found.values() for row in rows)
    assert found["prefix"] and all("[exposu" in row[3].lower() for row in found["prefix"])


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "x", "--since", "2027-13-01"],
        ["search", "x", "--client", "abc"],
        ["search", "x", "--sort", "oldest"],
        ["demo", "--clients", "0"],
        ["clients", "--bogus"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_search_is_audited_like_opening_the_charts_it_shows(
    demo_vault: tuple[Path, pyotp.TOTP],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 12: `search` prints record text, psychotherapy notes included when asked;
    each client shown gets a chart-view audit row (ids and counts, no search words)."""
    vault, totp = demo_vault
    base = ["--vault", str(vault), "--passphrase-stdin", "search", "client", "--limit", "500"]
    code, out, err = run(
        [*base, "--include-psychotherapy"], f"{STRONG}\n{totp.now()}\n", monkeypatch, capsys
    )
    assert code == 0, err
    shown = {line.split("\t")[0] for line in out.splitlines()}
    code, out, err = run(
        ["--vault", str(vault), "--passphrase-stdin", "audit", "list"],
        f"{STRONG}\n{totp.at(time.time() + 30)}\n",
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    views = [line.split("\t") for line in out.splitlines() if "\tchart.viewed\t" in line]
    assert len(views) == len(shown) >= 1
    for row in views:
        assert row[4].startswith("client:")
        detail = json.loads(row[5])
        assert detail["via"] == "search" and detail["psychotherapy_notes"] is True
        assert detail["results"] >= 1 and "client" not in row[5]  # not the words searched


def test_client_lines_show_the_name_the_app_shows(
    vault_dir: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    session = unlock_new_vault(vault_dir, clock)
    records = RecordsService(session, clock=clock)
    add_client(records, "Zoe Adams")
    add_client(records, "Alexandra Rivera", preferred_name="Alex")
    add_client(records, "alan Brook")
    monkeypatch.setattr(records_cmds, "unlock", lambda _args: session)
    assert records_cmds.cmd_clients(argparse.Namespace(all=True)) == 0
    names = [line.split("\t")[1] for line in capsys.readouterr().out.splitlines()]
    assert names == ["alan Brook", "Alexandra Rivera (Alex)", "Zoe Adams"]  # sorted as shown
