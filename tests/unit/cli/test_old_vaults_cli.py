"""`restore` over a vault says where the old one is kept and how to remove it;
`old-vaults list|remove` and `doctor` report it; every refusal is one line."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest

from tests.support.memkeyring import MemoryKeyring
from tests.support.vaults import STRONG
from tests.unit.cli.test_vault_cli import init, run


def _restored_over(monkeypatch, capsys, vault: Path, tmp_path: Path) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Init, back up, restore over it: (restore's stderr, the set-aside folder's name)."""
    fields = init(monkeypatch, capsys, vault)
    drive = tmp_path / "drive"
    drive.mkdir()
    secrets = f"{STRONG}\n{pyotp.parse_uri(fields['totp-uri']).now()}\n"
    code, out, err = run(monkeypatch, capsys, "--vault", str(vault), "backup", "create", "--to",
                         str(drive), "--passphrase-stdin", stdin=secrets)  # fmt: skip
    assert code == 0, err
    backup = out.split("backup: ", 1)[1].split(" (", 1)[0]
    code, out, err = run(monkeypatch, capsys, "--vault", str(vault), "restore", backup,
                         "--passphrase-stdin", stdin=STRONG + "\n")  # fmt: skip
    assert code == 0, err
    kept = Path(out.split("previous-vault-kept: ", 1)[1].strip())
    assert kept.parent == vault.parent and kept.name.startswith("vault.before-restore-")
    return err, kept.name


def test_restore_over_a_vault_then_remove_the_old_one(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    memkeyring: MemoryKeyring,
) -> None:
    vault = tmp_path / "vault"
    err, name = _restored_over(monkeypatch, capsys, vault, tmp_path)
    assert "still opens with its own passphrase" in err
    assert f"old-vaults remove '{name}' --confirm" in err
    assert len(memkeyring.store) == 2

    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault), "old-vaults", "list")
    assert code == 0
    [line] = out.splitlines()
    fields = line.split("\t")
    assert fields[0] == name and fields[1] == "kept after a restore"
    assert fields[3].startswith("keyring entry kept")

    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault), "doctor")
    assert "old-vaults 1 set aside beside the vault" in out

    args = ("--vault", str(vault), "old-vaults", "remove", name)
    code, out, _ = run(monkeypatch, capsys, *args)
    assert code == 2 and "would delete" in out and "Nothing was changed" in out
    assert (tmp_path / name).exists() and len(memkeyring.store) == 2

    memkeyring.locked = True
    code, _, err = run(monkeypatch, capsys, *args, "--confirm")
    assert code == 1 and err.count("\n") == 1 and "keyring is locked" in err
    assert "--keep-keyring-entry" in err and (tmp_path / name).exists()
    memkeyring.locked = False

    code, out, err = run(monkeypatch, capsys, *args, "--confirm")
    assert code == 0, err
    assert "keyring entry was removed too" in out
    assert not (tmp_path / name).exists() and len(memkeyring.store) == 1
    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault), "status")
    assert "device-bound: yes" in out


def test_remove_refuses_the_live_vault_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], vault_dir: Path
) -> None:
    init(monkeypatch, capsys, vault_dir)
    for name in (vault_dir.name, str(vault_dir), "nothing-here"):
        code, _, err = run(monkeypatch, capsys, "--vault", str(vault_dir), "old-vaults",
                           "remove", name, "--confirm")  # fmt: skip
        assert code == 1 and err.count("\n") == 1 and "not a folder set aside" in err
    assert (vault_dir / "vault.keys").exists()


def test_doctor_warns_about_a_killed_restore_s_leftover(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], vault_dir: Path
) -> None:
    init(monkeypatch, capsys, vault_dir)
    (vault_dir.parent / f".{vault_dir.name}.restore-0a1b2c3d").mkdir()
    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault_dir), "doctor")
    assert "warning  old-vaults 1 left by an interrupted restore" in out
    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault_dir), "old-vaults", "list")
    assert "left by an interrupted restore\t-\tno key file" in out
