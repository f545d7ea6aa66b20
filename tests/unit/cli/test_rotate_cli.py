"""`therapynotes rotate-key`: the stdin contract (passphrase, code, recovery key), its
output lines, and one-line errors that say which recovery key works."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pyotp
import pytest

from tests.conftest import FakeClock
from tests.support.pages import data_keys
from tests.support.rotation import opens_fully, opens_with_key
from tests.support.vaults import STRONG, STRONG2
from therapynotes.cli import main
from therapynotes.errors import StorageError
from therapynotes.services.backups import verify_backup
from therapynotes.services.vault import VaultService


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
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def vault(monkeypatch, capsys, vault_dir: Path) -> dict[str, str]:
    code, out, err = run(
        monkeypatch, capsys, "--vault", str(vault_dir), "init", "--passphrase-stdin",
        stdin=STRONG + "\n",
    )  # fmt: skip
    assert code == 0, err
    return dict(line.split(": ", 1) for line in out.splitlines())


def _code(fields: dict[str, str], clock: FakeClock) -> str:
    clock.advance(30)  # a fresh time step: a code is never accepted twice
    return str(pyotp.parse_uri(fields["totp-uri"]).at(clock()))


def _dek(vault_dir: Path, fields: dict[str, str], clock: FakeClock) -> bytes:
    session = VaultService(vault_dir, clock=clock).unlock(STRONG, _code(fields, clock))
    dek = data_keys(session)  # both data keys (issue 17)
    session.lock()
    return dek


def _rotate(monkeypatch, capsys, vault_dir: Path, stdin: str, *flags: str):  # type: ignore[no-untyped-def]
    return run(
        monkeypatch, capsys, "--vault", str(vault_dir), "--passphrase-stdin", "rotate-key",
        *flags, stdin=stdin,
    )  # fmt: skip


def test_rotate_keeping_the_recovery_key(monkeypatch, capsys, vault_dir, vault, clock) -> None:
    old = _dek(vault_dir, vault, clock)
    stdin = f"{STRONG}\n{_code(vault, clock)}\n{vault['recovery-key']}\n"
    code, out, err = _rotate(monkeypatch, capsys, vault_dir, stdin)
    assert code == 0, err
    assert out.startswith("Data key changed")
    assert "recovery-key:" not in out
    assert "still open with the passphrase and recovery key they were made with" in err
    assert not opens_with_key(vault_dir / "vault.db", old)
    assert _dek(vault_dir, vault, clock) != old

    clock.advance(30)
    code, _, err = run(
        monkeypatch, capsys, "--vault", str(vault_dir), "recover", "--recovery-key-stdin",
        stdin=f"{vault['recovery-key']}\n{STRONG2}\n",
    )  # fmt: skip
    assert code == 0, err


def test_rotate_with_a_new_recovery_key_and_a_fresh_backup(
    monkeypatch, capsys, vault_dir, vault, clock, *, tmp_path: Path
) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    stdin = f"{STRONG}\n{_code(vault, clock)}\n"
    code, out, err = _rotate(
        monkeypatch, capsys, vault_dir, stdin, "--new-recovery-key", "--backup-to", str(drive)
    )
    assert code == 0, err
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    new_key = lines["recovery-key"]
    assert new_key != vault["recovery-key"]
    assert out.index("recovery-key:") < out.index("Data key changed")  # shown first
    backup = Path(lines["backup"].split(" (")[0])
    verify_backup(backup, tmp_path, recovery_text=new_key)

    clock.advance(30)
    code, _, err = run(
        monkeypatch, capsys, "--vault", str(vault_dir), "recover", "--recovery-key-stdin",
        stdin=f"{vault['recovery-key']}\n{STRONG2}\n",
    )  # fmt: skip
    assert code == 1 and "does not belong to this vault" in err
    clock.advance(30)
    code, _, err = run(
        monkeypatch, capsys, "--vault", str(vault_dir), "recover", "--recovery-key-stdin",
        stdin=f"{new_key}\n{STRONG2}\n",
    )  # fmt: skip
    assert code == 0, err


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["wrong " + STRONG, "CODE", "KEY"], "passphrase didn't match"),
        ([STRONG, "000000", "KEY"], "code didn't match"),
        ([STRONG, "CODE"], "expected the recovery key on standard input"),
        ([STRONG, "CODE", "KEYTYPO"], "typing mistake"),
    ],
)
def test_failures_are_one_line_and_change_nothing(
    monkeypatch, capsys, vault_dir, vault, clock, *, lines: list[str], message: str
) -> None:
    keys = (vault_dir / "vault.keys").read_bytes()
    old = _dek(vault_dir, vault, clock)
    typo = vault["recovery-key"][:-1] + ("A" if vault["recovery-key"][-1] != "A" else "B")
    words = {"CODE": _code(vault, clock), "KEY": vault["recovery-key"], "KEYTYPO": typo}
    stdin = "".join(words.get(line, line) + "\n" for line in lines)
    code, out, err = _rotate(monkeypatch, capsys, vault_dir, stdin)
    assert code == 1 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert (vault_dir / "vault.keys").read_bytes() == keys
    assert opens_fully(vault_dir / "vault.db", old)


def test_a_failure_after_printing_a_new_key_says_the_old_one_works(
    monkeypatch, capsys, vault_dir, vault, clock
) -> None:
    def full_disk(*_args: object, **_kwargs: object) -> None:
        raise StorageError("ENOSPC")

    keys = (vault_dir / "vault.keys").read_bytes()
    stdin = f"{STRONG}\n{_code(vault, clock)}\n"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("therapynotes.services.rotation.atomic_write_bytes", full_disk)
        code, out, err = _rotate(monkeypatch, capsys, vault_dir, stdin, "--new-recovery-key")
    assert code == 1 and out.startswith("recovery-key: ")
    last = err.strip().splitlines()[-1]
    assert "disk is not full" in last and "old recovery key still works" in last
    assert (vault_dir / "vault.keys").read_bytes() == keys
