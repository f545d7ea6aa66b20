"""Running this platform's tools for the device checks. Every command has a short time
limit and no shell; a tool that is missing, fails or times out gives None, which the
checks report as "unknown". The answers hold no record data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from therapynotes.services.device import backup_drive as bd
from therapynotes.services.device import parsers as p
from therapynotes.services.device.app_version import app_version_check, read_stamp
from therapynotes.services.device.model import DeviceCheck, Status

TIMEOUT_S = 10
# Windows without wmic: the newest installed update's date, as yyyy-MM-dd.
NEWEST = (
    "Get-HotFix | Where-Object InstalledOn | Sort-Object InstalledOn -Descending | "
    "Select-Object -First 1 | ForEach-Object { $_.InstalledOn.ToString('yyyy-MM-dd') }"
)

Run = Callable[[list[str]], str | None]
Read = Callable[[str], str | None]


def run_tool(command: list[str]) -> str | None:
    """stdout and stderr together (sysadminctl answers on stderr); None on any failure."""
    if shutil.which(command[0]) is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - fixed commands, no shell
            command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout + done.stderr


def read_text(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _stamp(_name: str) -> str | None:
    return read_stamp()


@dataclass
class Probe:
    run: Run = run_tool
    read: Read = read_text
    platform: str = sys.platform
    stamp: Read = _stamp  # the package's build stamp (app_version.py)
    exists: Callable[[str], bool] = os.path.exists


def _or_unknown(name: str, text: str | None, what: str) -> DeviceCheck | None:
    return None if text is not None else p._unknown(name, f"{what} is not available here")


def linux(probe: Probe, target: Path, today: date) -> list[DeviceCheck]:
    lsblk = probe.run(["lsblk", "-J", "-o", "NAME,TYPE,FSTYPE,MOUNTPOINTS"])
    disk = _or_unknown("disk-encryption", lsblk, "lsblk") or p.disk_linux(
        lsblk or "", str(target.resolve())
    )
    idle = probe.run(["gsettings", "get", "org.gnome.desktop.session", "idle-delay"])
    if idle is not None and "uint32" in idle:
        lock = p.screen_gnome(
            idle,
            probe.run(["gsettings", "get", "org.gnome.desktop.screensaver", "lock-enabled"]) or "",
            probe.run(["gsettings", "get", "org.gnome.desktop.screensaver", "lock-delay"]) or "",
        )
    else:
        kde = ["kreadconfig5", "--file", "kscreenlockerrc", "--group", "Daemon", "--key"]
        auto = probe.run([*kde, "Autolock"])
        lock = (
            p.screen_kde(
                auto, probe.run([*kde, "Timeout"]) or "", probe.run([*kde, "LockOnResume"]) or ""
            )
            if auto is not None
            else p._unknown("screen-lock", "no GNOME or KDE screen-lock setting was found")
        )
    apt = probe.read("/var/log/apt/history.log")
    if apt is not None:
        updates = p.updates_apt(apt, today)
    else:
        dnf = probe.run(["dnf", "history", "list"])
        updates = (
            p.updates_dnf(dnf, today)
            if dnf is not None
            else p._unknown("os-updates", "no apt or dnf history was found")
        )
    swaps = probe.read("/proc/swaps")
    swap = _or_unknown("swap", swaps, "/proc/swaps") or p.swap_linux(swaps or "", lsblk or "", disk)
    return [disk, lock, updates, swap]


def macos(probe: Probe, today: date) -> list[DeviceCheck]:
    fde = probe.run(["fdesetup", "status"])
    disk = _or_unknown("disk-encryption", fde, "fdesetup") or p.disk_macos(fde or "")
    status = probe.run(["sysadminctl", "-screenLock", "status"])
    idle = probe.run(["defaults", "-currentHost", "read", "com.apple.screensaver", "idleTime"])
    lock = _or_unknown("screen-lock", status, "sysadminctl") or p.screen_macos(
        status or "", idle or ""
    )
    history = probe.run(["softwareupdate", "--history"])
    updates = _or_unknown("os-updates", history, "softwareupdate") or p.updates_macos(
        history or "", today
    )
    usage = probe.run(["sysctl", "vm.swapusage"])
    swap = _or_unknown("swap", usage, "sysctl") or p.swap_macos(usage or "")
    return [disk, lock, updates, swap]


def windows(probe: Probe, today: date) -> list[DeviceCheck]:
    bde = probe.run(["manage-bde", "-status", "C:"])
    disk = _or_unknown("disk-encryption", bde, "manage-bde") or p.disk_windows(bde or "")
    reg = probe.run(["reg", "query", r"HKCU\Control Panel\Desktop"])
    lock = _or_unknown("screen-lock", reg, "reg") or p.screen_windows(reg or "")
    qfe = probe.run(["wmic", "qfe", "get", "InstalledOn"])
    hotfix = (
        None if qfe is not None else probe.run(["powershell", "-NoProfile", "-Command", NEWEST])
    )
    if qfe is not None:
        updates = p.updates_windows(qfe, today)
    elif hotfix is not None:
        updates = p.updates_windows_hotfix(hotfix, today)
    else:
        updates = p._unknown("os-updates", "neither wmic nor PowerShell is available here")
    fsutil = probe.run(["fsutil", "behavior", "query", "EncryptPagingFile"])
    swap = _or_unknown("swap", fsutil, "fsutil") or p.swap_windows(fsutil or "", disk)
    return [disk, lock, updates, swap]


def _backup_drive_linux(probe: Probe, where: str) -> DeviceCheck:
    found = probe.run(["findmnt", "-J", "-T", where, "-o", "SOURCE,TARGET,FSTYPE"])
    if found is None:
        return bd.unknown("findmnt is not available here")
    source = bd.linux_source(found)
    device = source[0] if source is not None and source[0].startswith("/dev/") else None
    lsblk = probe.run(["lsblk", "-J", "-s", "-o", "NAME,TYPE,FSTYPE", device]) if device else None
    return bd.backup_drive_linux(found, lsblk)


def _backup_drive_macos(probe: Probe, where: str) -> DeviceCheck:
    device = bd.macos_device(probe.run(["df", "-P", where]) or "")
    if device is None:
        return bd.unknown("the drive holding the backup folder was not found (a network share?)")
    info = probe.run(["diskutil", "info", device])
    return (
        bd.backup_drive_macos(info)
        if info is not None
        else bd.unknown("diskutil is not available here")
    )


def _backup_drive_windows(probe: Probe, where: str) -> DeviceCheck:
    letter = bd.drive_letter(where)
    if letter is None:
        return bd.network()
    bde = probe.run(["manage-bde", "-status", letter])
    return (
        bd.backup_drive_windows(bde)
        if bde is not None
        else bd.unknown("manage-bde is not available here")
    )


def backup_drive(probe: Probe, folder: str | Path | None) -> DeviceCheck:
    """The backup folder's own drive (backup_drive.py), with the tools of this platform."""
    where = str(folder or "").strip()
    if not where:
        return bd.no_folder()
    if not probe.exists(where):
        return bd.not_connected()
    if probe.platform == "win32":
        return _backup_drive_windows(probe, where)
    if probe.platform.startswith("linux"):
        return _backup_drive_linux(probe, where)
    if probe.platform == "darwin":
        return _backup_drive_macos(probe, where)
    return bd.unknown("this system is not one TherapyNotes knows how to check")


def run_checks(
    target: Path,
    *,
    backup_folder: str | Path | None = None,
    today: date | None = None,
    probe: Probe | None = None,
) -> list[DeviceCheck]:
    """Every check, in CHECKS order, for the disk holding `target` (the vault folder)
    and the drive holding `backup_folder` (none set: that check is unknown)."""
    probe = probe or Probe()
    day = today or date.today()
    if probe.platform.startswith("linux"):
        system = linux(probe, target, day)
    elif probe.platform == "darwin":
        system = macos(probe, day)
    elif probe.platform == "win32":
        system = windows(probe, day)
    else:
        system = [
            p._unknown(name, "this system is not one TherapyNotes knows how to check")
            for name in ("disk-encryption", "screen-lock", "os-updates", "swap")
        ]
    return [
        *system,
        app_version_check(probe.stamp("build-info.json"), day),
        backup_drive(probe, backup_folder),
    ]


def failing(checks: list[DeviceCheck]) -> list[DeviceCheck]:
    return [c for c in checks if c.status in (Status.FAIL, Status.WARN)]
