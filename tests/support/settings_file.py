"""What the non-secret settings file may hold (ui.md: "geometry only, never names"): its
known keys, geometry blobs that parse as such, ids only for the last open chart, and
none of the given secrets (names, note text), not even inside a blob."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.support.canary import ENCODINGS
from therapynotes.settings import PLACE_KEYS, SETTINGS_VERSION, SPLITTER_NAMES, AppSettings

KEYS = {
    "version",
    "vault_dir",
    "window_geometry",
    "splitters",
    "last_view",
    "places",
    "backup_folder",
    "backup_reminder",
    "work_starts",  # the schedule's working hours and reminder: numbers only
    "work_ends",
    "reminder_minutes",
    "last_login",  # issue 17: a staff login name (the lock screen's chooser), not client data
}
SPLITTER_STATE = b"\x00\x00\x00\xff"  # QSplitter.saveState()'s marker


def assert_geometry_and_ids_only(path: Path, secrets: list[str]) -> dict[str, Any]:
    text = path.read_text("utf-8")
    data = json.loads(text)
    assert set(data) == KEYS
    assert data["version"] == SETTINGS_VERSION
    assert all(type(data[k]) is int for k in ("work_starts", "work_ends", "reminder_minutes"))
    blobs = [AppSettings.decode_blob(data["window_geometry"])]
    assert set(data["splitters"]) <= set(SPLITTER_NAMES)
    for blob in data["splitters"].values():
        state = AppSettings.decode_blob(blob)
        assert state.startswith(SPLITTER_STATE) and len(state) < 64  # pane sizes only
        blobs.append(state)
    for place in data["places"]:
        assert set(place) <= set(PLACE_KEYS)
        assert re.fullmatch(r"[0-9a-f]{32}", place["vault"])
        assert all(place[key].isdigit() for key in ("client", "note") if key in place)
    for secret in secrets:
        assert secret not in text
        for blob in blobs:
            for encoding in ENCODINGS:
                assert secret.encode(encoding) not in blob
    return data
