"""The CLI contract for backup create/list/verify and restore (in-process, real files)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import keyring
import pyotp
import pytest
from keyring.backends import fail

from tests.conftest import STRONG, STRONG2
from tests.support.memkeyring import MemoryKeyring
from tests.unit.backup.conftest import fill
from therapynotes.cli import main
from therapynotes.services.vault import VaultService


def _run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: str, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_backup_cycle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault, drive, other = tmp_path / "v", tmp_path / "drive", tmp_path / "restored"
    drive.mkdir()
    code, out, _ = _run(monkeypatch, capsys, STRONG + "\n", "--vault", str(vault), "init",
                        "--passphrase-stdin")  # fmt: skip
    assert code == 0
    fields = dict(line.split(": ", 1) for line in out.splitlines())
    totp = pyotp.parse_uri(fields["totp-uri"])
    rk = fields["recovery-key"]

    stdin = f"{STRONG}\n{totp.now()}\n"
    code, out, err = _run(monkeypatch, capsys, stdin, "--vault", str(vault), "backup", "create",
                          "--to", str(drive), "--passphrase-stdin")  # fmt: skip
    assert code == 0, err
    backup = Path(out.split("backup: ", 1)[1].split(" (", 1)[0])
    assert backup.exists() and backup.parent == drive

    code, out, _ = _run(monkeypatch, capsys, "", "backup", "list", str(drive))
    assert code == 0 and backup.name in out and "verified-when-written" in out

    code, out, _ = _run(monkeypatch, capsys, STRONG + "\n", "backup", "verify", str(backup),
                        "--passphrase-stdin")  # fmt: skip
    assert code == 0 and out.startswith("ok: ")
    code, out, _ = _run(monkeypatch, capsys, rk + "\n", "backup", "verify", str(backup),
                        "--recovery-key-stdin")  # fmt: skip
    assert code == 0

    code, _, err = _run(monkeypatch, capsys, STRONG2 + "\n", "backup", "verify", str(backup),
                        "--passphrase-stdin")  # fmt: skip
    assert code == 1 and err.count("\n") == 1 and "does not open this backup" in err
    assert "Traceback" not in err

    code, out, err = _run(monkeypatch, capsys, f"{rk}\n{STRONG2}\n", "--vault", str(other),
                          "restore", str(backup), "--recovery-key-stdin")  # fmt: skip
    assert code == 0, err
    assert "rows: audit_log" in out and (other / "vault.keys").exists()
    code, _, err = _run(monkeypatch, capsys, f"{STRONG2}\n", "--vault", str(other), "status")
    assert code == 0, err


def test_cli_errors_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "therapynotes-20260101T000000Z-000001.tnbackup"
    junk.write_bytes(b"TNBACKUP" + b"\x00" * 100)
    for argv in (
        ("backup", "verify", str(junk), "--passphrase-stdin"),
        ("backup", "verify", str(tmp_path / "missing.tnbackup"), "--passphrase-stdin"),
        ("backup", "list", str(tmp_path / "nodrive")),
        ("--vault", str(tmp_path / "x"), "restore", str(junk), "--passphrase-stdin"),
    ):
        code, _, err = _run(monkeypatch, capsys, STRONG + "\n", *argv)
        assert code == 1, argv
        assert err.count("\n") == 1 and "Traceback" not in err, err
    assert not (tmp_path / "x").exists()


def _old_laptop_backup(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    fill_bytes: int = 0,
) -> tuple[Path, pyotp.TOTP]:
    vault, drive = tmp_path / "old", tmp_path / "drive"
    drive.mkdir()
    code, out, _ = _run(monkeypatch, capsys, STRONG + "\n", "--vault", str(vault), "init",
                        "--passphrase-stdin")  # fmt: skip
    assert code == 0
    totp = pyotp.parse_uri(dict(line.split(": ", 1) for line in out.splitlines())["totp-uri"])
    if fill_bytes:
        # The previous step's code (still accepted), so the CLI's current one is unused.
        session = VaultService(vault).unlock(STRONG, totp.at(time.time() - 30))
        fill(session, fill_bytes)
        session.lock("test", record=False)
    code, out, err = _run(monkeypatch, capsys, f"{STRONG}\n{totp.now()}\n", "--vault",
                          str(vault), "backup", "create", "--to", str(drive),
                          "--passphrase-stdin")  # fmt: skip
    assert code == 0, err
    return Path(out.split("backup: ", 1)[1].split(" (", 1)[0]), totp


def _new_laptop_keyring(state: str) -> None:
    if state == "missing":
        keyring.set_keyring(fail.Keyring())
    else:
        locked = MemoryKeyring()
        locked.locked = True
        keyring.set_keyring(locked)


@pytest.mark.parametrize("state", ["missing", "locked"])
def test_cli_restore_without_a_usable_keyring(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    state: str,
) -> None:
    backup, totp = _old_laptop_backup(tmp_path, monkeypatch, capsys)
    _new_laptop_keyring(state)
    target = tmp_path / "new"
    args = ("--vault", str(target), "restore", str(backup), "--passphrase-stdin")
    code, out, err = _run(monkeypatch, capsys, STRONG + "\n", *args)
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert ("No secure system keyring" if state == "missing" else "keyring is locked") in err
    assert "add --passphrase-only" in err
    assert "backup-made" not in out and not target.exists()  # refused before the file

    code, out, err = _run(monkeypatch, capsys, STRONG + "\n", *args, "--passphrase-only")
    assert code == 0, err
    assert "warning: passphrase-only" in err
    code, out, _ = _run(monkeypatch, capsys, "", "--vault", str(target), "status")
    assert code == 0 and "device-binding: none" in out
    next_code = totp.at(time.time() + 30)  # the backup's own code step was used already
    code, out, err = _run(monkeypatch, capsys, f"{STRONG}\n{next_code}\n", "--vault",
                          str(target), "check", "--passphrase-stdin")  # fmt: skip
    assert code == 0 and out.startswith("ok:"), err


def test_cli_restore_wrong_passphrase_and_damaged_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # More than one 1 MiB chunk, so the damage is past the chunk holding the manifest.
    backup, _ = _old_laptop_backup(tmp_path, monkeypatch, capsys, fill_bytes=1_500_000)
    keyring.set_keyring(MemoryKeyring())  # the new laptop's empty keyring
    target = tmp_path / "new"
    args = ("--vault", str(target), "restore", "--passphrase-stdin")
    code, _, err = _run(monkeypatch, capsys, STRONG2 + "\n", *args, str(backup))
    assert code == 1 and err.count("\n") == 1 and "does not open this backup" in err

    data = bytearray(backup.read_bytes())
    data[-100] ^= 0x10  # the last chunk: found only by the full check before restoring
    damaged = tmp_path / backup.name
    damaged.write_bytes(bytes(data))
    code, out, err = _run(monkeypatch, capsys, STRONG + "\n", *args, str(damaged))
    assert code == 1 and err.count("\n") == 1 and "damaged" in err, err
    assert "backup-made" in out  # the preview was shown; the check failed afterwards
    assert not target.exists()
    assert keyring.get_keyring().store == {}  # type: ignore[attr-defined]
