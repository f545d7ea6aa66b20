"""`backup-drive-encryption`: is the drive the backup folder is on encrypted itself?

TherapyNotes' backups are encrypted files whatever the drive; the drive's own
encryption protects what else lands there (an export, a printed chart, an Emergency
Kit). Linux: `findmnt -J -T FOLDER` names the device holding the folder, `lsblk -J -s`
its chain down to the disk (encrypted when a dm-crypt/LUKS device is in it). macOS:
`df -P FOLDER` names the device, `diskutil info DEVICE` says `FileVault: Yes|No`
(APFS reports an encrypted volume that way, internal or external). Windows: the
folder's drive letter, `manage-bde -status E:`. No folder set, a drive not connected, a
network folder or an answer not understood: "unknown", never a guess. Pure functions,
tested on recorded outputs (tests/unit/services/test_device_checks.py). Must not import
PySide6."""

from __future__ import annotations

import json
import re
from pathlib import PureWindowsPath
from typing import Any

from therapynotes.services.device.model import DeviceCheck, Status

NAME = "backup-drive-encryption"
OK = "The drive your backups go to is encrypted."
WARN = (
    "The drive your backups go to is not encrypted. The backups themselves are, but "
    "anything else saved there (an export, a printed chart, an Emergency Kit) can be "
    "read by whoever has the drive. Turn on {what} for it."
)
NETWORK_FS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "davfs", "afpfs", "9p")


def unknown(why: str) -> DeviceCheck:
    return DeviceCheck(
        NAME, Status.UNKNOWN, f"Could not tell whether the backup drive is encrypted: {why}."
    )


def no_folder() -> DeviceCheck:
    return unknown("no backup folder is set (choose one under Backups)")


def not_connected() -> DeviceCheck:
    return unknown("the backup folder is not there now (is the drive connected?)")


def network() -> DeviceCheck:
    return unknown("the backup folder is on a network share, whose encryption is the server's")


# --- Linux -----------------------------------------------------------------------------


def linux_source(findmnt_json: str) -> tuple[str, str] | None:
    """`findmnt -J -T FOLDER -o SOURCE,TARGET,FSTYPE`: the device holding the folder and
    its file system type (a btrfs subvolume's `[/@home]` dropped)."""
    try:
        found = json.loads(findmnt_json)["filesystems"][0]
        source, fstype = str(found["source"]), str(found.get("fstype") or "")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return source.split("[", 1)[0], fstype


def _crypt_in(nodes: list[dict[str, Any]]) -> bool:
    return any(
        n.get("type") == "crypt"
        or n.get("fstype") == "crypto_LUKS"
        or _crypt_in(n.get("children") or [])
        for n in nodes
    )


def _chain(lsblk_json: str | None) -> list[dict[str, Any]] | None:
    try:
        chain = json.loads(lsblk_json or "")["blockdevices"]
    except (ValueError, KeyError, TypeError):
        return None
    return chain if isinstance(chain, list) and chain else None


def backup_drive_linux(findmnt_json: str, lsblk_json: str | None) -> DeviceCheck:
    """`lsblk -J -s -o NAME,TYPE,FSTYPE DEVICE` lists the device and every device under
    it (lvm → crypt → partition → disk)."""
    found = linux_source(findmnt_json)
    if found is None:
        return unknown("findmnt gave an answer that was not understood")
    source, fstype = found
    if fstype in NETWORK_FS or source.startswith("//") or ":" in source:
        return network()
    chain = _chain(lsblk_json) if source.startswith("/dev/") else None
    if chain is None:
        return unknown("the device holding the backup folder was not found")
    if _crypt_in(chain):
        return DeviceCheck(NAME, Status.OK, OK)
    return DeviceCheck(NAME, Status.WARN, WARN.format(what="disk encryption (LUKS)"))


# --- macOS -----------------------------------------------------------------------------


def macos_device(df_output: str) -> str | None:
    """`df -P FOLDER`: the device on the line under the header (`/dev/disk4s2 …`);
    None for a network share (`//user@server/share`, `server:/path`) or anything else."""
    lines = [line for line in df_output.splitlines() if line.strip()]
    if len(lines) < 2 or not lines[0].startswith("Filesystem"):
        return None
    device = lines[1].split()[0]
    return device if device.startswith("/dev/disk") else None


def backup_drive_macos(diskutil_info: str) -> DeviceCheck:
    """`diskutil info /dev/diskNsM`: the `FileVault:` line (`Yes (Unlocked)`, `Yes`, `No`)."""
    match = re.search(r"^\s*FileVault:\s+(Yes|No)\b", diskutil_info, re.MULTILINE)
    if match is None:
        return unknown("diskutil gave an answer that was not understood")
    if match.group(1) == "Yes":
        return DeviceCheck(NAME, Status.OK, OK)
    return DeviceCheck(
        NAME, Status.WARN, WARN.format(what="encryption (Finder: right-click the drive, Encrypt)")
    )


# --- Windows ---------------------------------------------------------------------------


def drive_letter(folder: str) -> str | None:
    """`E:\\Backups` → `E:`; None for a network path (`\\\\server\\share`)."""
    drive = PureWindowsPath(folder).drive
    return drive.upper() if re.fullmatch(r"[A-Za-z]:", drive) else None


def backup_drive_windows(manage_bde: str) -> DeviceCheck:
    """`manage-bde -status E:` (needs an administrator; otherwise UNKNOWN)."""
    match = re.search(r"Protection Status:\s*Protection (On|Off)", manage_bde)
    if match is None:
        return unknown("BitLocker's state could not be read (it needs an administrator)")
    if match.group(1) == "On":
        return DeviceCheck(NAME, Status.OK, OK)
    return DeviceCheck(NAME, Status.WARN, WARN.format(what="BitLocker To Go"))
