"""Bad input (issue 8): Hypothesis builds argv for every CLI command from the parser
itself (each subcommand, its options and positionals) with edge values (huge, unicode
without NUL, path-like, negative numbers, odd dates) and random stdin lines, and runs
it in-process through therapynotes.cli.main. Never a traceback or "internal error",
exit codes only 0/1/2, and the sandbox vault (which no generated secret can open) is
never changed: vault.db, vault.keys, the WAL are hashed before and after each example.

Paths stay inside the test's sandbox folder (the current directory), so a generated
`init --vault ...` never writes outside it. `run` (the desktop app) is left out: its
start-up is tested in tests/ui. `demo` runs with the generator replaced by a stub (a
valid `--clients 1000000` is a legitimately long job; tests/unit/services/test_demo.py
covers the generator). The import-file fuzzing is issue 4's: add `import` and its file
strategy to PATH_VALUES/ARG_VALUES when that command lands.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import STRONG, FakeClock
from tests.support.trust import figure, scaled
from tests.support.vaults import code_for, make_vault
from therapynotes.cli import build_parser
from therapynotes.cli import main as cli_main
from therapynotes.services import demo
from therapynotes.services.backups import BackupService

EXAMPLES = scaled(ci=400, full=4000)
SKIP_COMMANDS = {("run",)}
WATCHED = ("vault.db", "vault.db-wal", "vault.keys")


def leaf_commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    if path:
        yield path, parser  # a group alone (`backup`) is a command line too
    for name, child in subs[0].choices.items():
        yield from leaf_commands(child, (*path, name))


COMMANDS = [(p, sp) for p, sp in leaf_commands(build_parser()) if p not in SKIP_COMMANDS]

no_nul = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
text = st.text(no_nul, max_size=40)
huge = st.builds(
    lambda s, n: (s or "x") * n, st.text(no_nul, min_size=1, max_size=5), st.integers(200, 3000)
)
numbers = st.sampled_from(
    ["-1", "0", "1", "2", "-99999999999999999999", "99999999999", "1e3", "0x10", " 7", "٣"]
)
dates = st.sampled_from(
    [
        "2026-02-30",
        "2026-13-01",
        "0000-01-01",
        "9999-12-31",
        "2026-1-1",
        "yesterday",
        "2026-01-01T00:00",
    ]
)
names = text.filter(lambda s: s and "/" not in s and not s.startswith("-") and ".." not in s)


def arg_values(sandbox: dict[str, str]) -> st.SearchStrategy[str]:
    paths = st.one_of(
        st.sampled_from(list(sandbox.values())),
        names,
        names.map(lambda s: f"sub/../{s}"),
        huge.filter(lambda s: "/" not in s and not s.startswith("-") and ".." not in s),
    )
    return st.one_of(text, huge, numbers, dates, paths)


def _argv(
    draw: Any, command: tuple[str, ...], parser: argparse.ArgumentParser, values: Any
) -> list[str]:
    argv = list(command)
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        if not action.option_strings:  # a positional: usually given, sometimes missing
            if draw(st.integers(0, 9)):
                argv.append(draw(values))
            continue
        if not draw(st.booleans()):
            continue
        flag = draw(st.sampled_from(action.option_strings))
        if action.nargs == 0:
            argv.append(flag)
        else:
            argv += [flag, draw(values)]
    if draw(st.integers(0, 7)) == 0:
        argv.insert(draw(st.integers(0, len(argv))), draw(values))  # a stray argument
    return argv


def _digest(folder: Path) -> dict[str, str]:
    return {
        n: hashlib.sha256((folder / n).read_bytes()).hexdigest()
        for n in WATCHED
        if (folder / n).exists()
    }


@pytest.fixture
def sandbox(tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    root = tmp_path / "sandbox"
    root.mkdir()
    monkeypatch.chdir(root)
    vault = root / "vault"
    svc, created = make_vault(vault, clock)
    clock.advance(30)
    session = svc.unlock(STRONG, code_for(created, clock()))
    drive = root / "drive"
    drive.mkdir()
    backup = BackupService(session, clock=clock).run(drive).path
    session.lock("setup")
    (root / "file.txt").write_text("not a vault")
    monkeypatch.delenv("THERAPYNOTES_DEBUG", raising=False)
    monkeypatch.setattr(demo, "build", lambda *_a, **_k: demo.DemoCounts(0, 0, 0, 0, 0))
    return {
        "vault": str(vault),
        "drive": str(drive),
        "backup": str(backup),
        "file": str(root / "file.txt"),
        "keys": str(vault / "vault.keys"),
        "fresh": str(root / "fresh"),
        "here": ".",
        "empty": "",
    }


def test_every_cli_argument(sandbox: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    vault = Path(sandbox["vault"])
    before = _digest(vault)
    values = arg_values(sandbox)
    tried: list[int] = []
    failures: list[str] = []
    codes: dict[int, int] = {}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def one(data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(COMMANDS) - 1))
        command, parser = COMMANDS[index]
        argv = _argv(data.draw, command, parser, values)
        if data.draw(st.booleans()):
            argv.insert(0, data.draw(st.sampled_from(["--passphrase-stdin", "--vault"])))
            if argv[0] == "--vault":
                argv.insert(1, data.draw(values))
        stdin = "\n".join(data.draw(st.lists(st.one_of(text, huge, numbers), max_size=4)))
        with contextlib.suppress(FileNotFoundError):
            (vault / "attempts.json").unlink()  # keep the unlock path in reach
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli_main(argv)
            except SystemExit as exc:  # argparse: --help, --version, usage errors
                code = exc.code if isinstance(exc.code, int) else 2
        tried.append(1)
        code = int(code)
        codes[code] = codes.get(code, 0) + 1
        problem = ""
        if code not in (0, 1, 2):
            problem = f"exit {code}"
        elif "Traceback" in err.getvalue() or "internal error" in err.getvalue():
            problem = err.getvalue().strip()[-300:]
        elif _digest(vault) != before:
            problem = "the sandbox vault changed"
        if problem:
            failures.append(f"{argv!r}: {problem}")
        assert not problem, f"{argv!r}: {problem}"

    try:
        one()
    finally:
        figure(
            "fuzz.cli.examples", len(tried), note=f"{len(COMMANDS)} command lines; exits {codes}"
        )
        figure(
            "fuzz.cli.crashes",
            len(failures),
            note="traceback, internal error, odd exit code or vault changed",
        )


@pytest.mark.parametrize(
    "argv",
    [
        ["--vault", "v" * 5000, "status"],
        ["--vault", "v" * 5000, "backup", "verify", "x.tnbackup"],
        ["--vault", "file.txt/inner", "status"],
    ],
)
def test_a_path_the_os_refuses_is_a_clear_error(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Regression (found by the fuzz above): an over-long --vault path was an "internal
    error (OSError)"; now a one-line message and exit 1."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("not a folder")
    monkeypatch.setattr(sys, "stdin", io.StringIO("passphrase\n"))
    monkeypatch.delenv("THERAPYNOTES_DEBUG", raising=False)
    assert cli_main(["--passphrase-stdin", *argv]) == 1
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    assert err.startswith("therapynotes: ")
