"""What a device check answers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"


CHECKS = (
    "disk-encryption",
    "screen-lock",
    "os-updates",
    "swap",
    "app-version",
    "backup-drive-encryption",
)

TITLES = {
    "disk-encryption": "Disk encryption",
    "screen-lock": "Screen lock",
    "os-updates": "System updates",
    "swap": "Swap (memory written to disk)",
    "app-version": "This app's version",
    "backup-drive-encryption": "Backup drive encryption",
}

# The OS's own setting, per platform, to open from "This computer".
SETTINGS_LINKS = {
    ("disk-encryption", "darwin"): "x-apple.systempreferences:com.apple.preference.security",
    ("disk-encryption", "win32"): "ms-settings:deviceencryption",
    ("screen-lock", "darwin"): "x-apple.systempreferences:com.apple.Lock-Screen-Settings",
    ("screen-lock", "win32"): "ms-settings:lockscreen",
    ("os-updates", "darwin"): "x-apple.systempreferences:com.apple.Software-Update-Settings",
    ("os-updates", "win32"): "ms-settings:windowsupdate",
    (
        "backup-drive-encryption",
        "darwin",
    ): "x-apple.systempreferences:com.apple.preference.security",
    ("backup-drive-encryption", "win32"): "ms-settings:deviceencryption",
}


@dataclass(frozen=True)
class DeviceCheck:
    name: str  # one of CHECKS
    status: Status
    advice: str  # one or two plain sentences

    def line(self) -> str:
        """`doctor`'s line: status, check and advice, tab-separated."""
        return f"{self.status}\t{self.name}\t{self.advice}"
