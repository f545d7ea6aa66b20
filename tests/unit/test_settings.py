"""Bootstrap settings on disk and security settings inside the vault."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, FakeClock
from therapynotes.errors import InputError
from therapynotes.services.vault import VaultService
from therapynotes.settings import (
    MAX_PLACES,
    SETTINGS_VERSION,
    AppSettings,
    SecuritySettings,
    load_security,
    save_security,
    write_settings,
)

VAULT_A = "0" * 31 + "a"
VAULT_B = "0" * 31 + "b"


def test_app_settings_round_trip_and_damage(tmp_path: Path) -> None:
    settings = AppSettings(last_view="clients")
    settings.set_place(VAULT_A, {"client": "12", "note": "345"})
    settings.window_geometry = AppSettings.encode_blob(b"\x01\x02")
    settings.splitters["notes"] = AppSettings.encode_blob(b"\x03\x04")
    settings.save(tmp_path)
    loaded = AppSettings.load(tmp_path)
    assert loaded.last_view == "clients"
    assert loaded.place(VAULT_A) == {"client": "12", "note": "345"}
    assert AppSettings.decode_blob(loaded.window_geometry) == b"\x01\x02"
    assert AppSettings.decode_blob(loaded.splitters["notes"]) == b"\x03\x04"
    assert loaded == settings
    AppSettings.path(tmp_path).write_text('{"last_view": "nonsense", "vault_dir": 3}')
    assert AppSettings.load(tmp_path) == AppSettings()
    AppSettings.path(tmp_path).write_text("not json")
    assert AppSettings.load(tmp_path) == AppSettings()


def test_the_last_chart_is_kept_per_vault_as_ids_only() -> None:
    settings = AppSettings()
    settings.set_place(VAULT_A, {"client": "1", "note": "2"})
    settings.set_place(VAULT_B, {"client": "7"})
    assert settings.place(VAULT_A) == {"client": "1", "note": "2"}
    assert settings.place(VAULT_B) == {"client": "7"}
    assert settings.place("f" * 32) == {}
    assert settings.places[0]["vault"] == VAULT_B  # most recent first
    settings.set_place(VAULT_A, {"client": "Jane Doe"})  # not an id: forgotten, not kept
    settings.set_place(VAULT_B, {})
    assert settings.places == []
    for n in range(MAX_PLACES + 3):
        settings.set_place(f"{n:032x}", {"client": str(n)})
    assert len(settings.places) == MAX_PLACES
    assert settings.place(f"{MAX_PLACES + 2:032x}") == {"client": str(MAX_PLACES + 2)}
    assert settings.place(f"{0:032x}") == {}  # the oldest went first


def test_damaged_splitters_and_places_are_dropped_on_load(tmp_path: Path) -> None:
    good = AppSettings.encode_blob(b"\x00\x00\x00\xff")
    AppSettings.path(tmp_path).write_text(
        json.dumps(
            {
                "version": SETTINGS_VERSION,
                "splitters": {
                    "notes": good,
                    "plan": "%%% not base64",
                    "clients": 3,
                    "sidebar": "A" * 5000,
                    "Jane Doe": good,
                },
                "places": [
                    {"vault": VAULT_A, "client": "4", "note": "9"},
                    {"vault": VAULT_B, "client": "Jane Doe"},
                    {"vault": "Jane's laptop", "client": "1"},
                    {"vault": VAULT_B, "client": "5", "name": "Jane Doe"},
                    {"vault": VAULT_B},
                    "Jane Doe",
                ],
            }
        )
    )
    loaded = AppSettings.load(tmp_path)
    assert loaded.splitters == {"notes": good}
    assert loaded.places == [{"vault": VAULT_A, "client": "4", "note": "9"}]
    AppSettings.path(tmp_path).write_text('{"splitters": ["x"], "places": {"a": "b"}}')
    assert AppSettings.load(tmp_path) == AppSettings()


def test_version_1_settings_are_carried_over(tmp_path: Path) -> None:
    sidebar = AppSettings.encode_blob(b"\x00\x00\x00\xff\x00\x00\x00\x01")
    AppSettings.path(tmp_path).write_text(
        json.dumps(
            {
                "version": 1,
                "vault_dir": "/data/vault",
                "window_geometry": "AQI=",
                "splitter_state": sidebar,
                "last_view": "clients",
                "last_ids": {"client": "3", "note": "8"},
                "backup_folder": "/media/usb",
                "backup_reminder": True,
            }
        )
    )
    loaded = AppSettings.load(tmp_path)
    assert loaded.version == SETTINGS_VERSION == 2
    assert loaded.splitters == {"sidebar": sidebar}
    assert (loaded.vault_dir, loaded.window_geometry, loaded.last_view) == (
        "/data/vault",
        "AQI=",
        "clients",
    )
    assert (loaded.backup_folder, loaded.backup_reminder) == ("/media/usb", True)
    # Version 1 had one place for whichever vault: the first vault unlocked takes it.
    assert loaded.place(VAULT_A) == {"client": "3", "note": "8"}
    loaded.set_place(VAULT_A, {"client": "3"})
    assert loaded.place(VAULT_B) == {}
    loaded.save(tmp_path)
    on_disk = json.loads(AppSettings.path(tmp_path).read_text())
    assert on_disk["version"] == 2
    assert "splitter_state" not in on_disk and "last_ids" not in on_disk


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
