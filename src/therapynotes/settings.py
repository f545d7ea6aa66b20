"""Settings: non-secret bootstrap settings on disk, and security settings inside the vault.

`AppSettings` lives in the platformdirs config folder as JSON and holds only what the app
needs before unlock: window geometry, splitter positions, the vault location and the
last open view as ids (never names, never record text). `SecuritySettings` lives in the
vault's `settings` table (key TEXT, value TEXT holding JSON), so nobody can weaken the
idle lock by editing a file while the vault is locked.

Must not import PySide6.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from therapynotes.atomic import atomic_write_bytes
from therapynotes.errors import InputError
from therapynotes.paths import default_config_dir, ensure_private_dir
from therapynotes.store.connection import Connection, transaction

SETTINGS_FILE = "settings.json"
# 2: splitter positions by name (`splitters`, was one `splitter_state`); version 1
# files are carried over.
SETTINGS_VERSION = 2

VIEW_IDS = ("home", "clients", "search", "backups", "settings")
# The splitters whose positions are remembered (ui/splitters.py); no other names are kept.
SPLITTER_NAMES = ("sidebar", "clients", "notes", "plan")
_MAX_BLOB = 1024  # characters of base64: a splitter's state is a few dozen bytes


def config_dir_from_env() -> Path:
    """The config folder; THERAPYNOTES_CONFIG_DIR overrides it (screenshots, benches)."""
    override = os.environ.get("THERAPYNOTES_CONFIG_DIR")
    return Path(override) if override else default_config_dir()


@dataclass
class AppSettings:
    """Bootstrap settings (config folder). Geometry blobs are base64 of Qt's bytes."""

    version: int = SETTINGS_VERSION
    vault_dir: str = ""
    window_geometry: str = ""
    # Splitter positions by name (SPLITTER_NAMES): QSplitter.saveState(), pane sizes.
    splitters: dict[str, str] = field(default_factory=dict)
    last_view: str = "home"
    # Ids only: e.g. {"client": "c_1a2b", "note": "n_3c4d"}. Never names.
    last_ids: dict[str, str] = field(default_factory=dict)
    backup_folder: str = ""
    backup_reminder: bool = False

    @staticmethod
    def path(config_dir: Path | None = None) -> Path:
        return (config_dir or config_dir_from_env()) / SETTINGS_FILE

    @classmethod
    def load(cls, config_dir: Path | None = None) -> AppSettings:
        """Read the settings; a missing or damaged file gives the defaults."""
        try:
            data = json.loads(cls.path(config_dir).read_text("utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        if data.get("version", 1) == 1:
            data = _from_version_1(data)
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        defaults = asdict(cls())
        for key, value in data.items():
            if key in known and isinstance(value, type(defaults[key])):
                values[key] = value
        settings = cls(**values)
        settings.version = SETTINGS_VERSION
        if settings.last_view not in VIEW_IDS:
            settings.last_view = "home"
        settings.splitters = {
            name: blob
            for name, blob in settings.splitters.items()
            if name in SPLITTER_NAMES and _is_blob(blob)
        }
        settings.last_ids = {
            str(k): str(v) for k, v in settings.last_ids.items() if isinstance(v, str)
        }
        return settings

    def save(self, config_dir: Path | None = None) -> None:
        path = self.path(config_dir)
        ensure_private_dir(path.parent)
        payload = json.dumps(asdict(self), indent=2, sort_keys=True).encode("utf-8")
        atomic_write_bytes(path, payload)

    @staticmethod
    def encode_blob(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    @staticmethod
    def decode_blob(text: str) -> bytes:
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            return b""

    def vault_path(self, default: Path) -> Path:
        return Path(self.vault_dir) if self.vault_dir else default


def _is_blob(value: object) -> bool:
    """Base64 of a few bytes, as geometry is (not a check that it fits: ui/splitters.py)."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= _MAX_BLOB
        and bool(AppSettings.decode_blob(value))
    )


def _from_version_1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept one splitter's position: the sidebar's."""
    data = dict(data)
    state = data.pop("splitter_state", "")
    if isinstance(state, str) and state:
        data["splitters"] = {"sidebar": state}
    return data


# --- security settings held inside the vault ----------------------------------------

IDLE_MIN_MINUTES = 1
IDLE_MAX_MINUTES = 60
CLIPBOARD_MIN_SECONDS = 5
CLIPBOARD_MAX_SECONDS = 300


@dataclass(frozen=True)
class SecuritySettings:
    idle_timeout_minutes: int = 5
    lock_on_minimize: bool = False
    clipboard_clear_seconds: int = 30

    def validated(self) -> SecuritySettings:
        if not IDLE_MIN_MINUTES <= self.idle_timeout_minutes <= IDLE_MAX_MINUTES:
            raise InputError(
                f"lock after {IDLE_MIN_MINUTES} to {IDLE_MAX_MINUTES} minutes of inactivity"
            )
        if not CLIPBOARD_MIN_SECONDS <= self.clipboard_clear_seconds <= CLIPBOARD_MAX_SECONDS:
            raise InputError(
                f"clear the clipboard after {CLIPBOARD_MIN_SECONDS} to "
                f"{CLIPBOARD_MAX_SECONDS} seconds"
            )
        return self


_KEYS = {
    "idle_timeout_minutes": "security.idle_timeout_minutes",
    "lock_on_minimize": "security.lock_on_minimize",
    "clipboard_clear_seconds": "security.clipboard_clear_seconds",
}


def read_setting(conn: Connection, key: str, default: Any) -> Any:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    if row is None:
        return default
    try:
        return json.loads(str(row[0]))
    except ValueError:
        return default


def write_settings(conn: Connection, values: dict[str, Any]) -> None:
    with transaction(conn):
        for key, value in values.items():
            conn.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )


def load_security(conn: Connection) -> SecuritySettings:
    """The vault's security settings; values out of range fall back to the defaults."""
    defaults = SecuritySettings()
    values: dict[str, Any] = {}
    for name, key in _KEYS.items():
        default = getattr(defaults, name)
        value = read_setting(conn, key, default)
        values[name] = value if type(value) is type(default) else default
    try:
        return SecuritySettings(**values).validated()
    except InputError:
        return defaults


def save_security(conn: Connection, settings: SecuritySettings) -> None:
    settings.validated()
    write_settings(conn, {key: getattr(settings, name) for name, key in _KEYS.items()})
