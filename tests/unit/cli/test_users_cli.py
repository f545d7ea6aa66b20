"""`therapynotes users` and the global `--user` (issue 17 phase B): the stdin contract,
output lines, and one-line refusals."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pyotp
import pytest

from tests.conftest import FakeClock
from tests.support.users import ASSISTANT_PW, SUPERVISOR_PW
from tests.support.vaults import STRONG
from therapynotes.cli import main
from therapynotes.services.vault import VaultService
from therapynotes.store import audit


@pytest.fixture(autouse=True)
def cli_clock(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> FakeClock:
    monkeypatch.setattr(
        "therapynotes.cli.common.VaultService", lambda root: VaultService(root, clock=clock)
    )
    return clock


def run(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _code(uri: str, clock: FakeClock) -> str:
    clock.advance(30)
    return str(pyotp.parse_uri(uri).at(clock()))


def test_add_list_unlock_as_user_and_remove(monkeypatch, capsys, vault_dir: Path, clock) -> None:
    v = ["--vault", str(vault_dir)]
    code, out, err = run(monkeypatch, capsys, *v, "init", "--passphrase-stdin", stdin=STRONG + "\n")
    assert code == 0, err
    owner_uri = dict(line.split(": ", 1) for line in out.splitlines())["totp-uri"]

    def owner_lines() -> str:
        return f"{STRONG}\n{_code(owner_uri, clock)}\n"

    code, out, err = run(
        monkeypatch, capsys, *v, "users", "add", "Sam", "--role", "assistant",
        "--passphrase-stdin", stdin=owner_lines() + ASSISTANT_PW + "\n",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("totp-uri: otpauth://totp/") and out.count("\n") == 1
    sam_uri = out.split(": ", 1)[1].strip()
    code, out, err = run(
        monkeypatch, capsys, *v, "users", "add", "Dr Lee", "--role", "supervisor",
        "--passphrase-stdin", stdin=owner_lines() + SUPERVISOR_PW + "\n",
    )  # fmt: skip
    assert code == 0, err

    # --user before the command (any order among the global options).
    sam_lines = f"{ASSISTANT_PW}\n{_code(sam_uri, clock)}\n"
    code, out, err = run(
        monkeypatch, capsys, *v, "--user", "Sam", "users", "list", "--passphrase-stdin",
        stdin=sam_lines,
    )  # fmt: skip
    assert code == 0, err
    assert out == "owner\towner\nSam\tassistant\nDr Lee\tsupervisor\n"
    sam_lines = f"{ASSISTANT_PW}\n{_code(sam_uri, clock)}\n"
    code, out, err = run(
        monkeypatch, capsys, "--user", "sam", *v, "users", "list", "--passphrase-stdin",
        stdin=sam_lines,
    )  # fmt: skip
    assert code == 0 and out.startswith("owner\towner\n"), err

    # An assistant's client list comes from vault.db alone.
    sam_lines = f"{ASSISTANT_PW}\n{_code(sam_uri, clock)}\n"
    code, out, err = run(
        monkeypatch, capsys, *v, "--user", "Sam", "clients", "--passphrase-stdin", stdin=sam_lines
    )  # fmt: skip
    assert code == 0 and out == "", err

    # An assistant cannot add or remove users: one line, exit 1.
    sam_lines = f"{ASSISTANT_PW}\n{_code(sam_uri, clock)}\n"
    code, out, err = run(
        monkeypatch, capsys, *v, "--user", "Sam", "users", "remove", "Dr Lee",
        "--passphrase-stdin", stdin=sam_lines,
    )  # fmt: skip
    assert code == 1 and err.count("\n") == 1 and "owner" in err

    code, out, err = run(
        monkeypatch, capsys, *v, "users", "remove", "Sam", "--passphrase-stdin",
        stdin=owner_lines(),
    )  # fmt: skip
    assert code == 0, err
    assert out.count("\n") == 1 and "therapynotes rotate-key" in out
    sam_lines = f"{ASSISTANT_PW}\n{_code(sam_uri, clock)}\n"
    code, out, err = run(
        monkeypatch, capsys, *v, "--user", "Sam", "users", "list", "--passphrase-stdin",
        stdin=sam_lines,
    )  # fmt: skip
    assert code == 1 and err.count("\n") == 1 and "passphrase didn't match" in err

    session = VaultService(vault_dir, clock=clock).unlock(STRONG, _code(owner_uri, clock))
    kinds = [e.kind for e in audit.entries(session.conn)]
    session.lock()
    assert kinds.count("user.added") == 2 and kinds.count("user.removed") == 1


@pytest.mark.parametrize(
    ("argv", "stdin_extra", "words"),
    [
        (["users", "add", "a\tb", "--role", "assistant"], ASSISTANT_PW, "login name"),
        (["users", "add", "owner", "--role", "assistant"], ASSISTANT_PW, "already exists"),
        (["users", "remove", "Nobody"], "", "no login with that name"),
        (["users", "add", "Kim", "--role", "assistant"], "weak", "too weak"),
    ],
)
def test_bad_input_is_one_line(  # noqa: PLR0917 - pytest fixtures and parameters
    monkeypatch, capsys, vault_dir: Path, clock, argv, stdin_extra, words
) -> None:
    v = ["--vault", str(vault_dir)]
    code, out, _ = run(monkeypatch, capsys, *v, "init", "--passphrase-stdin", stdin=STRONG + "\n")
    uri = dict(line.split(": ", 1) for line in out.splitlines())["totp-uri"]
    stdin = f"{STRONG}\n{_code(uri, clock)}\n{stdin_extra}\n"
    code, out, err = run(monkeypatch, capsys, *v, *argv, "--passphrase-stdin", stdin=stdin)
    assert code == 1 and out == "" and err.count("\n") == 1 and words in err.lower(), err


def test_role_must_be_one_of_the_two(monkeypatch, capsys, vault_dir: Path) -> None:
    code, _, err = run(
        monkeypatch, capsys, "--vault", str(vault_dir), "users", "add", "Kim", "--role", "owner"
    )
    assert code == 2 and "invalid choice" in err


def test_user_goes_before_the_command(monkeypatch, capsys, vault_dir: Path) -> None:
    """After the command, --user is the command's own (e.g. a filter), not the login."""
    code, _, err = run(
        monkeypatch, capsys, "--vault", str(vault_dir), "users", "list", "--user", "x"
    )
    assert code == 2 and "unrecognized arguments" in err
