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


def test_reports_the_last_backup_of_this_vault(
    monkeypatch, capsys, vault_dir: Path, tmp_path, clock
) -> None:
    from tests.support.vaults import STRONG, code_for, make_vault
    from therapynotes.paths import default_config_dir
    from therapynotes.services.backups import BackupService
    from therapynotes.settings import AppSettings

    svc, created = make_vault(vault_dir, clock)
    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault_dir), "doctor")
    assert "no backup folder chosen" in out
    usb = tmp_path / "usb"
    usb.mkdir()
    settings = AppSettings.load(default_config_dir())
    settings.backup_folder = str(usb)
    settings.save(default_config_dir())
    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault_dir), "doctor")
    assert "no backup of this vault" in out
    session = svc.unlock(STRONG, code_for(created, clock()))
    BackupService(session).run(usb)
    session.lock()
    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault_dir), "doctor")
    assert "ok       backup     last backup" in out and code == 0
    for path in usb.iterdir():
        path.unlink()
    usb.rmdir()
    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault_dir), "doctor")
    assert "is not connected" in out and code == 0


def test_run_without_a_display_is_a_clear_error(monkeypatch, capsys) -> None:
    import sys

    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run(monkeypatch, capsys, "run")
    assert code == 1 and "no display found" in err


def test_reports_the_qt_binding_and_its_shiboken(monkeypatch, capsys, vault_dir: Path) -> None:
    from importlib import metadata

    init(monkeypatch, capsys, vault_dir)
    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault_dir), "doctor")
    pyside, shiboken = metadata.version("PySide6-Essentials"), metadata.version("shiboken6")
    qt_line = next(line for line in out.splitlines() if line.split()[1:2] == ["qt"])
    assert f"PySide6 {pyside} (shiboken6 {shiboken})" in qt_line
    assert code == 0


def test_warns_on_a_qt_release_known_to_break_the_app(monkeypatch, capsys, vault_dir: Path) -> None:
    """Issue 20: PySide6 6.12.0 aborts the app after a few thousand operations."""
    from importlib import metadata
    from types import SimpleNamespace

    from therapynotes.cli import doctor_cmds

    def version(name: str) -> str:
        if name in ("PySide6-Essentials", "shiboken6"):
            return "6.12.0"
        return metadata.version(name)

    init(monkeypatch, capsys, vault_dir)
    fake = SimpleNamespace(version=version, PackageNotFoundError=metadata.PackageNotFoundError)
    monkeypatch.setattr(doctor_cmds, "metadata", fake)
    code, out, _ = run(monkeypatch, capsys, "--vault", str(vault_dir), "doctor")
    qt_line = next(line for line in out.splitlines() if line.split()[1:2] == ["qt"])
    assert qt_line.startswith("warning") and "PySide6 6.12.0 (shiboken6 6.12.0)" in qt_line
    assert "stops after a few thousand operations" in qt_line and "6.11" in qt_line
    assert code == 0  # a warning, with advice; nothing here is unsafe for the vault
