"""`therapynotes doctor` reports what is unsafe and exits 1 only then."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
from keyring.backends import fail

from tests.unit.cli.test_vault_cli import init, run


def test_healthy_setup_exits_0(monkeypatch, capsys, vault_dir: Path) -> None:
    init(monkeypatch, capsys, vault_dir)
    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault_dir), "doctor")
    assert code == 0, out
    assert "sqlcipher" in out and "community" in out
    assert "bound to this computer's keyring" in out


def test_world_readable_vault_is_unsafe(monkeypatch, capsys, vault_dir: Path) -> None:
    init(monkeypatch, capsys, vault_dir)
    os.chmod(vault_dir / "vault.keys", 0o644)
    code, out, err = run(monkeypatch, capsys, "--vault", str(vault_dir), "doctor")
    assert code == 1
    assert "vault.keys is readable by others" in out and "unsafe" in err


def test_missing_keyring_is_unsafe(monkeypatch, capsys, vault_dir: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault_dir), "doctor")
    assert code == 1
    assert "KeyringUnavailable" in out
