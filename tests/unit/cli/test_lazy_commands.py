"""The CLI imports only the module of the command being run (issue 18), and that lazy
dispatch still reaches every command: the COMMANDS table names exactly what the command
modules register, each command's own --help works through `main`, and `status` loads
neither the keyring, zxcvbn, Qt nor another command's module."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.vaults import STRONG
from therapynotes import cli
from therapynotes.services.vault import VaultService

REPO = Path(__file__).resolve().parents[3]


def _registered() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name in cli.COMMAND_MODULE_NAMES:
        sub = argparse.ArgumentParser().add_subparsers()
        cli.command_module(name).register(sub)
        for command in sub.choices:
            found.setdefault(command, set()).add(name)
    return found


def test_the_table_names_every_registered_command_and_its_module() -> None:
    registered = _registered()
    assert set(cli.COMMANDS) == set(registered)
    for command, modules in registered.items():
        assert modules <= set(cli.COMMANDS[command]), command
    assert {m for ms in cli.COMMANDS.values() for m in ms} == set(cli.COMMAND_MODULE_NAMES)


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_each_command_help_is_reached_through_main(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert f"therapynotes {command}" in out


def test_the_parser_for_one_command_has_that_command_only() -> None:
    parser = cli.build_parser(["--vault", "x", "status"])
    args = parser.parse_args(["--vault", "x", "status"])
    assert args.handler.__module__ == "therapynotes.cli.vault_cmds"
    export = cli.build_parser(["export", "--pdf", "a.pdf", "--client", "1"])
    args = export.parse_args(["export", "--pdf", "a.pdf", "--client", "1"])
    assert args.export_pdf == "a.pdf"  # pdf_cmds was loaded with portable_cmds


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["status"], "status"),
        (["--vault", "demo", "status"], "status"),
        (["--vau", "demo", "status"], "status"),
        (["--vault=demo", "search", "x"], "search"),
        (["--passphrase-stdin", "backup", "create"], "backup"),
        (["-h", "status"], None),
        (["statsu"], None),
        ([], None),
    ],
)
def test_command_in_argv(argv: list[str], expected: str | None) -> None:
    assert cli.command_in(argv) == expected


def test_usage_errors_and_top_level_help_still_list_every_command(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["statsu"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err
    assert "rotate-key" in err
    assert "appointments" in err
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in cli.COMMANDS:
        assert command in out


def test_status_loads_only_what_it_needs(tmp_path: Path) -> None:
    """A passphrase-only vault (a keyring-bound one loads the keyring to say whether
    this device is bound)."""
    VaultService(tmp_path / "vault").create(STRONG, passphrase_only=True)
    script = (
        "import sys, json\n"
        "from therapynotes.cli import main\n"
        "code = main(['--vault', sys.argv[1], 'status'])\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script, str(tmp_path / "vault")],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO / "src"), "HOME": str(tmp_path)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "device-binding: none" in proc.stdout
    modules = set(json.loads(proc.stderr.splitlines()[-1]))
    assert "therapynotes.cli.vault_cmds" in modules
    heavy = {"keyring", "zxcvbn", "PySide6", "sqlcipher3", "therapynotes.cli.backup_cmds"}
    assert not heavy & modules
