"""The CLI contract for backup create/list/verify and restore (in-process, real files)."""

from __future__ import annotations

import io
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, STRONG2
from therapynotes.cli import main


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
