"""Bootstrap settings on disk and security settings inside the vault."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, FakeClock
from therapynotes.errors import InputError
from therapynotes.services.vault import VaultService
from therapynotes.settings import (
    AppSettings,
    SecuritySettings,
    load_security,
    save_security,
    write_settings,
)


def test_app_settings_round_trip_and_damage(tmp_path: Path) -> None:
    settings = AppSettings(last_view="clients", last_ids={"client": "c1"})
    settings.window_geometry = AppSettings.encode_blob(b"\x01\x02")
    settings.save(tmp_path)
    loaded = AppSettings.load(tmp_path)
    assert loaded.last_view == "clients" and loaded.last_ids == {"client": "c1"}
    assert AppSettings.decode_blob(loaded.window_geometry) == b"\x01\x02"
    AppSettings.path(tmp_path).write_text('{"last_view": "nonsense", "vault_dir": 3}')
    assert AppSettings.load(tmp_path) == AppSettings()
    AppSettings.path(tmp_path).write_text("not json")
    assert AppSettings.load(tmp_path) == AppSettings()


def test_security_settings_live_in_the_vault(vault_dir: Path, clock: FakeClock) -> None:
    vault = VaultService(vault_dir, clock=clock)
    created = vault.create(STRONG)
    session = vault.unlock(STRONG, pyotp.TOTP(created.totp_secret).at(clock()))
    try:
        assert load_security(session.conn) == SecuritySettings()
        save_security(session.conn, SecuritySettings(12, True, 45))
        assert load_security(session.conn) == SecuritySettings(12, True, 45)
        with pytest.raises(InputError):
            save_security(session.conn, SecuritySettings(idle_timeout_minutes=61))
        write_settings(session.conn, {"security.idle_timeout_minutes": "soon"})
        assert load_security(session.conn).idle_timeout_minutes == 5
    finally:
        session.lock()
