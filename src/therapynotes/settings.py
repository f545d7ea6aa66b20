"""Settings: non-secret bootstrap settings on disk, and security settings inside the vault.

`AppSettings` lives in the platformdirs config folder as JSON and holds only what the app
needs before unlock: window geometry, splitter positions, the vault location, the last
open view and, per vault, the last open chart as ids (never names, never record text).
`SecuritySettings` lives in the vault's `settings` table (key TEXT, value TEXT holding
JSON), so nobody can weaken the idle lock by editing a file while the vault is locked.

Must not import PySide6.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from therapynotes.atomic import atomic_write_bytes
from therapynotes.errors import InputError
from therapynotes.paths import default_config_dir, ensure_private_dir

if TYPE_CHECKING:  # the database (sqlcipher3) loads at unlock, not for the lock screen
    from therapynotes.store.connection import Connection

SETTINGS_FILE = "settings.json"
# 2: splitter positions by name (`splitters`, was one `splitter_state`) and the last
# open chart per vault (`places`, was one `last_ids`); version 1 files are carried over.
SETTINGS_VERSION = 2

VIEW_IDS = ("home", "schedule", "clients", "search", "billing", "backups", "settings")
# Pages only some logins have (issue 17): a supervisor's "To review".
ROLE_VIEW_IDS = ("review",)
# The splitters whose positions are remembered (ui/splitters.py); no other names are kept.
SPLITTER_NAMES = ("sidebar", "clients", "notes", "plan")
MAX_PLACES = 8  # vaults whose last open chart is remembered, most recent first
PLACE_KEYS = ("vault", "client", "note")
_VAULT_ID = re.compile(r"[0-9a-f]{0,64}")
_RECORD_ID = re.compile(r"[0-9]{1,19}")
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
    # The open chart per vault, most recent first, ids only:
    # [{"vault": "<vault id>", "client": "12", "note": "345"}]. Never names.
    places: list[dict[str, str]] = field(default_factory=list)
    backup_folder: str = ""
    backup_reminder: bool = False
    # The schedule (issue 13): the week view's working hours and the therapist's own
    # reminder N minutes before an appointment (0: none). Numbers only.
    work_starts: int = 8
    work_ends: int = 19
    reminder_minutes: int = 0
    # The login last unlocked on this computer (issue 17): a staff member's login name,
    # chosen first at the lock screen of a vault with several logins. Not client data.
    last_login: str = ""

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
        if settings.last_view not in (*VIEW_IDS, *ROLE_VIEW_IDS):
            settings.last_view = "home"
        settings.splitters = {
            name: blob
            for name, blob in settings.splitters.items()
            if name in SPLITTER_NAMES and _is_blob(blob)
        }
        places = [p for p in map(_place, settings.places) if p is not None]
        settings.places = places[:MAX_PLACES]
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

    def place(self, vault_id: str) -> dict[str, str]:
        """The chart (and note) last open in this vault: {"client": ..., "note": ...}.

        A place carried over from a version 1 file names no vault; the first vault
        unlocked takes it (version 1 knew only one place)."""
        for wanted in (vault_id, ""):
            for place in self.places:
                if place["vault"] == wanted:
                    return {k: v for k, v in place.items() if k != "vault"}
        return {}

    def set_place(self, vault_id: str, ids: dict[str, str]) -> None:
        """Remember the open chart for this vault (ids only); empty `ids` forgets it."""
        others = [p for p in self.places if p["vault"] not in (vault_id, "")]
        place = _place({**ids, "vault": vault_id}) if ids else None
        self.places = ([place] if place is not None else []) + others[: MAX_PLACES - 1]


def _is_blob(value: object) -> bool:
    """Base64 of a few bytes, as geometry is (not a check that it fits: ui/splitters.py)."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= _MAX_BLOB
        and bool(AppSettings.decode_blob(value))
    )


def _place(value: object) -> dict[str, str] | None:
    """A valid place (vault id, client id, optional note id) or None: ids, nothing else."""
    if not isinstance(value, dict) or not set(value) <= set(PLACE_KEYS):
        return None
    vault, client, note = (value.get(key, "") for key in PLACE_KEYS)
    if not (isinstance(vault, str) and _VAULT_ID.fullmatch(vault)):
        return None
    if not (isinstance(client, str) and _RECORD_ID.fullmatch(client)):
        return None
    place = {"vault": vault, "client": client}
    if note != "":
        if not (isinstance(note, str) and _RECORD_ID.fullmatch(note)):
            return None
        place["note"] = note
    return place


def _from_version_1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept one splitter (the sidebar's) and one place, for whichever vault."""
    data = dict(data)
    state = data.pop("splitter_state", "")
    if isinstance(state, str) and state:
        data["splitters"] = {"sidebar": state}
    ids = data.pop("last_ids", {})
    if isinstance(ids, dict) and ids:
        data["places"] = [{**ids, "vault": ""}]
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
    from therapynotes.store.connection import transaction  # noqa: PLC0415 - see the imports

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
