"""`app-version`: how old this copy of TherapyNotes is, from the date its release build
stamped into the package (`therapynotes/build-info.json`, written by
packaging/therapynotes.spec; `{"version": "0.1.0", "built": "2026-11-20"}`). A copy run
from its source, or a stamp for another version, has no build date: "unknown", never
a guess from a file's time. Must not import PySide6."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

from therapynotes import __version__
from therapynotes.services.device.model import DeviceCheck, Status

NAME = "app-version"
STAMP = "build-info.json"
WARN_DAYS = 183  # about six months
UPDATES_FROM = (
    "Install the newest TherapyNotes from where you got this one (your download page or "
    "whoever set up this computer); your records stay as they are."
)


def read_stamp() -> str | None:
    """The installed package's build stamp, or None when it has none."""
    try:
        return resources.files("therapynotes").joinpath(STAMP).read_text(encoding="utf-8")
    except (OSError, ValueError, ModuleNotFoundError):
        return None


def built_on(stamp: str | None, version: str = __version__) -> date | None:
    """The build date the stamp gives for `version` (None: no stamp, not understood, or
    stamped for another version)."""
    if not stamp:
        return None
    try:
        data = json.loads(stamp)
        if data.get("version") != version:
            return None
        return date.fromisoformat(str(data["built"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def app_version_check(stamp: str | None, today: date, version: str = __version__) -> DeviceCheck:
    built = built_on(stamp, version)
    if built is None:
        return DeviceCheck(
            NAME,
            Status.UNKNOWN,
            f"Could not tell when TherapyNotes {version} was built (this copy carries no "
            "build date). Check for a newer version now and then.",
        )
    days = max(0, (today - built).days)
    when = "today" if days == 0 else f"{days} day{'' if days == 1 else 's'} ago"
    words = f"TherapyNotes {version} was built {when}"
    if days > WARN_DAYS:
        return DeviceCheck(
            NAME, Status.WARN, f"{words}: it may miss security fixes. {UPDATES_FROM}"
        )
    return DeviceCheck(NAME, Status.OK, f"{words}.")
