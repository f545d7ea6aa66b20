"""Each device check as a function of the real tools' output: Linux (lsblk, /proc/swaps,
gsettings, kreadconfig5, apt and dnf history), macOS (fdesetup, sysadminctl,
softwareupdate, sysctl) and Windows (manage-bde, reg, wmic qfe, fsutil). Output that is
not understood gives UNKNOWN, never a guess. Pure functions: tests/unit/services/
test_device_checks.py runs them on recorded outputs of each platform."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from therapynotes.services.device.model import DeviceCheck, Status

LOCK_OK_MINUTES = 15  # the screen locks within this many minutes of no use
UPDATES_OK_DAYS = 30
UPDATES_WARN_DAYS = 90

_DISK = "disk-encryption"
_LOCK = "screen-lock"
_UPD = "os-updates"
_SWAP = "swap"


def _unknown(name: str, why: str) -> DeviceCheck:
    return DeviceCheck(
        name, Status.UNKNOWN, f"Could not tell: {why}. Check it in the system settings."
    )


# --- disk encryption -------------------------------------------------------------------

DISK_OK = "The disk holding your records is encrypted."
DISK_FAIL = (
    "The disk holding your records is not encrypted: anyone with the computer can read "
    "its files, including backups and exports on it. Turn on {what}."
)


def _chains(
    nodes: list[dict[str, Any]], above: tuple[dict[str, Any], ...] = ()
) -> list[tuple[dict[str, Any], ...]]:
    """Every device with the devices above it (disk → partition → crypt → lvm …)."""
    found = []
    for node in nodes:
        chain = (*above, node)
        found.append(chain)
        found.extend(_chains(node.get("children") or [], chain))
    return found


def _mounts(node: dict[str, Any]) -> list[str]:
    points = node.get("mountpoints")
    if points is None:
        points = [node.get("mountpoint")]
    return [p for p in points if p]


def _holding(lsblk_json: str, target: str) -> tuple[dict[str, Any], ...] | None:
    """The device chain whose mount point holds `target` (the longest matching one)."""
    tree = json.loads(lsblk_json)["blockdevices"]
    best: tuple[int, tuple[dict[str, Any], ...]] | None = None
    for chain in _chains(tree):
        for point in _mounts(chain[-1]):
            prefix = point.rstrip("/") + "/"
            if (target + "/").startswith(prefix) and (best is None or len(point) > best[0]):
                best = (len(point), chain)
    return best[1] if best else None


def disk_linux(lsblk_json: str, target: str) -> DeviceCheck:
    """`lsblk -J -o NAME,TYPE,FSTYPE,MOUNTPOINTS`: encrypted when a LUKS/dm-crypt device
    sits between the disk and the file system holding `target`."""
    try:
        chain = _holding(lsblk_json, target)
    except (ValueError, KeyError, TypeError):
        return _unknown(_DISK, "lsblk gave an answer that was not understood")
    if chain is None:
        return _unknown(_DISK, "the disk holding the records was not found")
    if any(n.get("type") == "crypt" or n.get("fstype") == "crypto_LUKS" for n in chain):
        return DeviceCheck(_DISK, Status.OK, DISK_OK)
    return DeviceCheck(_DISK, Status.FAIL, DISK_FAIL.format(what="disk encryption (LUKS)"))


def disk_macos(fdesetup: str) -> DeviceCheck:
    """`fdesetup status`."""
    if "FileVault is On" in fdesetup:
        return DeviceCheck(_DISK, Status.OK, DISK_OK)
    if "FileVault is Off" in fdesetup:
        return DeviceCheck(_DISK, Status.FAIL, DISK_FAIL.format(what="FileVault"))
    if "Encryption in progress" in fdesetup:
        return DeviceCheck(_DISK, Status.WARN, "FileVault is still encrypting the disk.")
    return _unknown(_DISK, "fdesetup gave an answer that was not understood")


def disk_windows(manage_bde: str) -> DeviceCheck:
    """`manage-bde -status C:` (needs an administrator; otherwise UNKNOWN)."""
    match = re.search(r"Protection Status:\s*Protection (On|Off)", manage_bde)
    if match is None:
        return _unknown(_DISK, "BitLocker's state could not be read (it needs an administrator)")
    if match.group(1) == "On":
        return DeviceCheck(_DISK, Status.OK, DISK_OK)
    return DeviceCheck(_DISK, Status.FAIL, DISK_FAIL.format(what="BitLocker or Device encryption"))


# --- screen lock -----------------------------------------------------------------------


def _lock_answer(minutes: float | None, password: bool | None) -> DeviceCheck:
    if password is False:
        return DeviceCheck(
            _LOCK, Status.FAIL, "Waking the computer does not ask for a password. Turn that on."
        )
    if minutes is None or minutes <= 0:
        return DeviceCheck(
            _LOCK,
            Status.FAIL,
            "The screen never locks by itself. Set it to lock after a few minutes.",
        )
    whole = round(minutes)
    words = "less than a minute" if whole < 1 else f"{whole} minute{'' if whole == 1 else 's'}"
    if minutes > LOCK_OK_MINUTES:
        return DeviceCheck(
            _LOCK,
            Status.WARN,
            f"The screen locks after {words} of no use; {LOCK_OK_MINUTES} or fewer is safer.",
        )
    return DeviceCheck(_LOCK, Status.OK, f"The screen locks after {words} and asks for a password.")


def _gvariant_int(text: str) -> int | None:
    match = re.fullmatch(r"\s*(?:uint32\s+)?(\d+)\s*", text)
    return int(match.group(1)) if match else None


def screen_gnome(idle_delay: str, lock_enabled: str, lock_delay: str = "uint32 0") -> DeviceCheck:
    """`gsettings get org.gnome.desktop.session idle-delay` (seconds; 0 = never) and
    `… org.gnome.desktop.screensaver lock-enabled` / `lock-delay`."""
    idle, delay = _gvariant_int(idle_delay), _gvariant_int(lock_delay)
    enabled = lock_enabled.strip()
    if idle is None or delay is None or enabled not in ("true", "false"):
        return _unknown(_LOCK, "GNOME's settings were not understood")
    if enabled == "false":
        return _lock_answer(None if idle == 0 else idle / 60, False)
    return _lock_answer(None if idle == 0 else (idle + delay) / 60, True)


def screen_kde(autolock: str, timeout_minutes: str, lock_on_resume: str = "true") -> DeviceCheck:
    """`kreadconfig5 --file kscreenlockerrc --group Daemon --key Autolock|Timeout|
    LockOnResume` (empty output = KDE's default: true, 5, true)."""
    auto = autolock.strip() or "true"
    timeout = timeout_minutes.strip() or "5"
    resume = lock_on_resume.strip() or "true"
    if auto not in ("true", "false") or not timeout.isdigit():
        return _unknown(_LOCK, "KDE's settings were not understood")
    if auto == "false":
        return _lock_answer(None, True)
    return _lock_answer(int(timeout), resume == "true")


def screen_macos(sysadminctl: str, idle_seconds: str) -> DeviceCheck:
    """`sysadminctl -screenLock status` (on stderr: "screenLock delay is N seconds",
    "… is immediate", "screenLock is off", or a delay of -1 seconds for off) and
    `defaults -currentHost read com.apple.screensaver idleTime` (seconds; 0 = never)."""
    idle = idle_seconds.strip()
    if not idle.isdigit():
        return _unknown(_LOCK, "the screen saver's start time was not understood")
    if "screenLock is off" in sysadminctl:
        return _lock_answer(int(idle) / 60 or None, False)
    match = re.search(r"screenLock delay is (immediate|(-?\d+)(?:\.\d+)? seconds)", sysadminctl)
    if match is None:
        return _unknown(_LOCK, "sysadminctl gave an answer that was not understood")
    delay = 0 if match.group(1) == "immediate" else int(match.group(2))
    if delay < 0:  # "delay is -1 seconds" (or -1.000000): no password to wake
        return _lock_answer(int(idle) / 60 or None, False)
    return _lock_answer(None if int(idle) == 0 else (int(idle) + delay) / 60, True)


def _reg_value(reg: str, name: str) -> str | None:
    match = re.search(rf"^\s*{name}\s+REG_\w+\s+(\S*)\s*$", reg, re.MULTILINE)
    return match.group(1) if match else None


def screen_windows(reg: str) -> DeviceCheck:
    """`reg query "HKCU\\Control Panel\\Desktop"` (or its policy key): ScreenSaveActive,
    ScreenSaveTimeOut (seconds), ScreenSaverIsSecure."""
    active = _reg_value(reg, "ScreenSaveActive")
    timeout = _reg_value(reg, "ScreenSaveTimeOut")
    secure = _reg_value(reg, "ScreenSaverIsSecure")
    if active is None or timeout is None or not timeout.isdigit():
        return _unknown(_LOCK, "the screen saver's settings were not found")
    if active != "1":
        return _lock_answer(None, secure == "1" if secure is not None else None)
    return _lock_answer(int(timeout) / 60, secure == "1")


# --- OS updates ------------------------------------------------------------------------


def _updates_answer(last: date | None, today: date, source: str) -> DeviceCheck:
    if last is None:
        return _unknown(_UPD, f"no update was found in {source}")
    days = (today - last).days
    ago = "today" if days <= 0 else f"{days} day{'' if days == 1 else 's'} ago"
    words = f"The system last installed updates {ago}"
    if days <= UPDATES_OK_DAYS:
        return DeviceCheck(_UPD, Status.OK, f"{words}.")
    if days <= UPDATES_WARN_DAYS:
        return DeviceCheck(_UPD, Status.WARN, f"{words}. Install the waiting updates.")
    return DeviceCheck(_UPD, Status.FAIL, f"{words}: it is missing security fixes. Update it now.")


def updates_apt(history_log: str, today: date) -> DeviceCheck:
    """/var/log/apt/history.log: the newest `End-Date: 2026-11-30  10:12:01`."""
    found = re.findall(r"^End-Date:\s*(\d{4}-\d{2}-\d{2})", history_log, re.MULTILINE)
    last = max((date.fromisoformat(d) for d in found), default=None)
    return _updates_answer(last, today, "apt's history")


def updates_dnf(history_list: str, today: date) -> DeviceCheck:
    """`dnf history list`: `   42 | upgrade | 2026-11-30 10:12 | Upgrade | 12`."""
    found = re.findall(
        r"\|\s*(\d{4}-\d{2}-\d{2}) \d{2}:\d{2}\s*\|\s*(?:[^|]*Upgrade|Update)", history_list
    )
    last = max((date.fromisoformat(d) for d in found), default=None)
    return _updates_answer(last, today, "dnf's history")


def updates_macos(history: str, today: date) -> DeviceCheck:
    """`softwareupdate --history`: rows ending in `MM/DD/YYYY, HH:MM:SS`."""
    found = re.findall(r"(\d{2}/\d{2}/\d{4}), \d{2}:\d{2}:\d{2}\s*$", history, re.MULTILINE)
    days = [datetime.strptime(d, "%m/%d/%Y").date() for d in found]  # noqa: DTZ007 - a day
    return _updates_answer(max(days, default=None), today, "the update history")


def updates_windows_hotfix(newest: str, today: date) -> DeviceCheck:
    """PowerShell's `Get-HotFix`, newest first, its date written `yyyy-MM-dd` (runner.py
    asks for that format): for Windows without wmic (removed by default in 11 24H2)."""
    found = re.findall(r"^\s*(\d{4}-\d{2}-\d{2})\s*$", newest, re.MULTILINE)
    last = max((date.fromisoformat(d) for d in found), default=None)
    return _updates_answer(last, today, "Windows Update's list")


def updates_windows(qfe: str, today: date) -> DeviceCheck:
    """`wmic qfe get InstalledOn`: one `M/D/YYYY` a line under the header."""
    found = re.findall(r"^\s*(\d{1,2}/\d{1,2}/\d{4})\s*$", qfe, re.MULTILINE)
    days = [datetime.strptime(d, "%m/%d/%Y").date() for d in found]  # noqa: DTZ007 - a day
    return _updates_answer(max(days, default=None), today, "Windows Update's list")


# --- swap ------------------------------------------------------------------------------

SWAP_OK = "Memory written to disk (swap) is encrypted, or there is none."
SWAP_FAIL = (
    "Memory is written to an unencrypted disk (swap), so text you had open can end up "
    "there. Encrypt the disk, or the swap."
)


def _dm_swap(chains: list[tuple[dict[str, Any], ...]]) -> tuple[dict[str, Any], ...] | None:
    """The device-mapper swap lsblk shows (mounted "[SWAP]"), when there is just one."""
    found = [
        c for c in chains if "[SWAP]" in _mounts(c[-1]) and c[-1].get("type") in ("lvm", "crypt")
    ]
    return found[0] if len(found) == 1 else None


def swap_linux(proc_swaps: str, lsblk_json: str, root_disk: DeviceCheck) -> DeviceCheck:
    """/proc/swaps: none, zram (memory only), a dm-crypt device, or a file on the
    (encrypted or not) root file system."""
    lines = [line.split() for line in proc_swaps.strip().splitlines()[1:] if line.strip()]
    if not proc_swaps.startswith("Filename"):
        return _unknown(_SWAP, "/proc/swaps was not understood")
    try:
        chains = _chains(json.loads(lsblk_json)["blockdevices"])
    except (ValueError, KeyError, TypeError):
        chains = []
    verdicts = []
    for fields in lines:
        path, kind = fields[0], fields[1] if len(fields) > 1 else ""
        name = path.rsplit("/", 1)[-1]
        if name.startswith("zram"):
            verdicts.append(Status.OK)
        elif kind == "file":
            verdicts.append(root_disk.status)
        else:
            chain = next((c for c in chains if c[-1].get("name") == name), None)
            if chain is None and name.startswith("dm-"):  # lsblk names dm devices by role
                chain = _dm_swap(chains)
            if chain is None:
                verdicts.append(Status.UNKNOWN)
            elif any(n.get("type") == "crypt" for n in chain):
                verdicts.append(Status.OK)
            else:
                verdicts.append(Status.FAIL)
    if Status.FAIL in verdicts:
        return DeviceCheck(_SWAP, Status.FAIL, SWAP_FAIL)
    if Status.UNKNOWN in verdicts or Status.WARN in verdicts:
        return _unknown(_SWAP, "where swap is kept could not be told")
    return DeviceCheck(_SWAP, Status.OK, SWAP_OK)


def swap_macos(sysctl: str) -> DeviceCheck:
    """`sysctl vm.swapusage`: macOS marks encrypted swap `(encrypted)`."""
    if "vm.swapusage" not in sysctl:
        return _unknown(_SWAP, "sysctl gave an answer that was not understood")
    if "(encrypted)" in sysctl:
        return DeviceCheck(_SWAP, Status.OK, SWAP_OK)
    return DeviceCheck(_SWAP, Status.FAIL, SWAP_FAIL)


def swap_windows(fsutil: str, root_disk: DeviceCheck) -> DeviceCheck:
    """`fsutil behavior query EncryptPagingFile`; the page file on a BitLocker disk is
    encrypted with it either way."""
    match = re.search(r"EncryptPagingFile\s*=\s*(\d)", fsutil)
    if match is None:
        return _unknown(_SWAP, "fsutil gave an answer that was not understood")
    if match.group(1) == "1" or root_disk.status is Status.OK:
        return DeviceCheck(_SWAP, Status.OK, SWAP_OK)
    if root_disk.status is Status.FAIL:
        return DeviceCheck(_SWAP, Status.FAIL, SWAP_FAIL)
    return _unknown(_SWAP, "the page file is not encrypted and the disk's state is unknown")
