"""The CLI contract of the vault issue: output lines, exit codes, one-line errors."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest

from tests.support.vaults import STRONG, STRONG2
from therapynotes.cli import main
from therapynotes.security import keyslots


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def init(monkeypatch, capsys, vault: Path) -> dict[str, str]:
    code, out, err = run(
        monkeypatch,
        capsys,
        "--vault",
        str(vault),
        "init",
        "--passphrase-stdin",
        stdin=STRONG + "\n",
    )
    assert code == 0, err
    fields = dict(line.split(": ", 1) for line in out.splitlines())
    assert set(fields) == {"vault-id", "totp-uri", "recovery-key"}
    return fields


FROZEN = 1_800_000_000.0


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """CLI commands see a fixed time, so a code cannot expire between two commands."""
    from therapynotes.services.vault import VaultService

    monkeypatch.setattr(
        "therapynotes.cli.common.VaultService",
        lambda root: VaultService(root, clock=lambda: FROZEN),
    )


def now_code(fields: dict[str, str]) -> str:
    return str(pyotp.parse_uri(fields["totp-uri"]).at(FROZEN))


def test_init_prints_the_lines_scripts_read(monkeypatch, capsys, vault_dir: Path) -> None:
    fields = init(monkeypatch, capsys, vault_dir)
    assert fields["totp-uri"].startswith("otpauth://totp/TherapyNotes")
    assert re.fullmatch(r"([A-Z2-7]{4}-){13}[A-Z2-7]{4}", fields["recovery-key"])


def test_status_check_passwd_recover(monkeypatch, capsys, vault_dir: Path) -> None:
    fields = init(monkeypatch, capsys, vault_dir)
    code, out, _ = run(monkeypatch, capsys, "status", "--vault", str(vault_dir))
    assert code == 0
    assert f"vault-id: {fields['vault-id']}" in out
    assert (
        "device-bound: yes" in out
        and "kdf: argon2id" in out
        and f"format-version: {keyslots.FORMAT_VERSION}" in out
    )

    used = now_code(fields)
    code, out, err = run(
        monkeypatch, capsys, "--vault", str(vault_dir), "--passphrase-stdin", "check",
        stdin=f"{STRONG}\n{used}\n",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("ok")

    # the same code again is a replay (even if the 30 s step has rolled over meanwhile)
    code, _, err = run(
        monkeypatch, capsys, "--vault", str(vault_dir), "passwd", "--passphrase-stdin",
        stdin=f"{STRONG}\n{used}\n{STRONG2}\n",
    )  # fmt: skip
    assert code == 1 and "already used" in err and "Traceback" not in err

    code, _, err = run(
        monkeypatch, capsys, "--vault", str(vault_dir), "recover", "--recovery-key-stdin",
        stdin=f"{fields['recovery-key']}\n{STRONG2}\n",
    )  # fmt: skip
    assert code == 0, err
    code, _, err = run(
        monkeypatch, capsys, "--vault", str(vault_dir), "recover", "--recovery-key-stdin",
        stdin=f"{one_typo(fields['recovery-key'])}\n{STRONG2}\n",
    )  # fmt: skip
    assert code == 1 and "typing mistake" in err


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (f"{STRONG2}\n000000\n", "passphrase didn't match"),
        (f"{STRONG}\n000000\n", "code didn't match"),
        (f"{STRONG}\n", "expected the 6-digit code on standard input"),
        ("", "expected the passphrase on standard input"),
    ],
)
def test_unlock_failures_are_one_line_exit_1(
    monkeypatch, capsys, vault_dir, stdin, message
) -> None:
    init(monkeypatch, capsys, vault_dir)
    code, out, err = run(
        monkeypatch, capsys, "--vault", str(vault_dir), "--passphrase-stdin", "check", stdin=stdin
    )
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1 and out == ""


def test_no_vault_is_a_clear_error(monkeypatch, capsys, tmp_path: Path) -> None:
    code, _, err = run(monkeypatch, capsys, "--vault", str(tmp_path / "none"), "status")
    assert code == 1 and "No vault was found" in err


def test_weak_passphrase_at_init(monkeypatch, capsys, vault_dir: Path) -> None:
    code, _, err = run(
        monkeypatch,
        capsys,
        "--vault",
        str(vault_dir),
        "init",
        "--passphrase-stdin",
        stdin="password1234\n",
    )
    assert code == 1 and "too weak" in err


def test_init_without_a_keyring_suggests_passphrase_only(monkeypatch, capsys, vault_dir) -> None:
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    code, _, err = run(
        monkeypatch,
        capsys,
        "--vault",
        str(vault_dir),
        "init",
        "--passphrase-stdin",
        stdin=STRONG + "\n",
    )
    assert code == 1 and "--passphrase-only" in err
    args = ("--vault", str(vault_dir), "init", "--passphrase-only", "--passphrase-stdin")
    code, out, err = run(monkeypatch, capsys, *args, stdin=STRONG + "\n")
    assert code == 0 and "warning: passphrase-only" in err
    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault_dir), "status")
    assert "device-binding: none" in out and "warning: passphrase-only" in out


def test_usage_errors_exit_2(monkeypatch, capsys) -> None:
    assert run(monkeypatch, capsys, "no-such-command")[0] == 2
    assert run(monkeypatch, capsys)[0] == 2


def test_no_terminal_and_no_stdin_flag_is_a_usage_error(monkeypatch, capsys, vault_dir) -> None:
    init(monkeypatch, capsys, vault_dir)
    code, _, err = run(monkeypatch, capsys, "--vault", str(vault_dir), "check")
    assert code == 2 and "--passphrase-stdin" in err


def test_the_installed_command_runs_without_traceback(tmp_path: Path) -> None:
    env = dict(os.environ)
    exe = Path(sys.executable).with_name("therapynotes")
    result = subprocess.run(
        [str(exe), "--vault", str(tmp_path / "v"), "init", "--passphrase-stdin"],
        input=STRONG + "\n", capture_output=True, text=True, env=env, check=False, timeout=60,
    )  # fmt: skip
    # The subprocess has no test keyring of ours; whatever it finds, it must answer cleanly.
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1)
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("therapynotes ")


def test_reset_totp_prints_a_new_uri(monkeypatch, capsys, vault_dir: Path) -> None:
    fields = init(monkeypatch, capsys, vault_dir)
    args = ("--vault", str(vault_dir), "--passphrase-stdin", "reset-totp")
    code, out, err = run(monkeypatch, capsys, *args, stdin=f"{STRONG}\n{fields['recovery-key']}\n")
    assert code == 0, err
    new_uri = out.strip().removeprefix("totp-uri: ")
    assert new_uri.startswith("otpauth://") and new_uri != fields["totp-uri"]
    code, _, err = run(monkeypatch, capsys, *args, stdin=f"{STRONG2}\n{fields['recovery-key']}\n")
    assert code == 1 and "passphrase didn't match" in err


def one_typo(key: str) -> str:
    """The key with its last letter changed (never to the letter it already is)."""
    return key[:-1] + ("R" if key.endswith("Q") else "Q")
