"""Device checks (issue 16) on recorded outputs of the real tools on Linux, macOS and
Windows (tests/fixtures/device/), the `doctor` line format, and real runs on this Linux
machine: each answer is one the machine's own state supports, never a guess.

Where each recorded output's format comes from. The Linux ones were captured from
`lsblk`/`findmnt` (util-linux JSON), /proc/swaps, gsettings and apt's history.log; the
names in them are made up. The macOS and Windows ones could not be captured here; each
follows a real, public sample of the tool's output:
- macos-fdesetup-*.txt: "FileVault is On." / "FileVault is Off." as printed by
  `fdesetup status` and matched by public compliance scripts (rtrouton_scripts'
  check_apfs_encryption, Jamf Protect audit scripts).
- macos-sysadminctl-*.txt: `sysadminctl -screenLock status` writes to stderr behind a
  timestamp and `sysadminctl[pid:tid]`: "screenLock delay is immediate", "screenLock
  delay is 300 seconds", "screenLock is off" (CIS macOS benchmark audit scripts and
  public parsers' tests); some releases print a delay of -1 seconds for off.
- macos-softwareupdate-history.txt: columns split by two or more spaces, the date as
  "MM/DD/YYYY, HH:MM:SS" (a public zsh script parses it with `date -j -f "%m/%d/%Y
  %H:%M:%S"`). The dashed line under the header is from memory, not a captured sample:
  the parser reads only the dates, so it does not depend on it.
- macos-sysctl-swap.txt: `vm.swapusage: total = … used = … free = …  (encrypted)`.
- macos-df-*.txt, macos-diskutil-info-*.txt: `df -P` (POSIX columns, the device first)
  and `diskutil info` ("   FileVault:                 Yes", "   Encrypted: …"), after
  a captured `diskutil info` in a public write-up; the exFAT one has no FileVault line.
- windows-manage-bde-on.txt: Microsoft's own sample in the BitLocker docs
  ("Conversion Status:    Used Space Only Encrypted", "Protection Status:    Protection
  On"); -denied.txt: a captured run without administrator rights (version 10.0.26100,
  the ERROR line and "Check that you have administrative rights…" with a blank line
  between); -e-off.txt: a data drive never encrypted ("Fully Decrypted", "Protection
  Off"), as public parsers' tests record it.
- windows-reg-desktop.txt: `reg query` prints the key, then `name    REG_TYPE    value`
  lines indented by four spaces, CRLF line ends.
- windows-wmic-qfe.txt: wmic ends its lines with CR CR LF and pads columns with spaces;
  the dates are M/D/YYYY (public scripts parse them with strptime "%m/%d/%Y"). Without
  wmic (Windows 11 24H2 removes it by default) PowerShell's Get-HotFix is asked for
  the newest date in a format runner.py chooses (yyyy-MM-dd).
- windows-fsutil-paging.txt: "EncryptPagingFile = 0" (what public scripts match on;
  the text after the number is not relied upon, so none is recorded).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from therapynotes.services.device import app_version, backup_drive
from therapynotes.services.device import parsers as p
from therapynotes.services.device.model import CHECKS, DeviceCheck, Status
from therapynotes.services.device.runner import Probe, read_text, run_checks, run_tool

FIXTURES = Path(__file__).parents[2] / "fixtures" / "device"
TODAY = date(2026, 12, 4)


def rec(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def statuses(checks: list[DeviceCheck]) -> list[str]:
    return [str(c.status) for c in checks]


# --- disk encryption ---------------------------------------------------------------------


def test_linux_disk_luks_under_lvm_and_a_plain_usb_drive() -> None:
    luks = rec("linux-lsblk-luks.json")
    assert p.disk_linux(luks, "/home/therapist/.local/share/therapynotes").status is Status.OK
    assert p.disk_linux(luks, "/home/therapist/plain-usb/vault").status is Status.FAIL
    assert p.disk_linux(luks, "/boot/x").status is Status.FAIL
    assert p.disk_linux(rec("linux-lsblk-plain-vm.json"), "/work").status is Status.FAIL
    assert p.disk_linux("not json", "/").status is Status.UNKNOWN
    assert p.disk_linux('{"blockdevices": []}', "/").status is Status.UNKNOWN


def test_macos_and_windows_disk() -> None:
    assert p.disk_macos(rec("macos-fdesetup-on.txt")).status is Status.OK
    off = p.disk_macos(rec("macos-fdesetup-off.txt"))
    assert off.status is Status.FAIL and "FileVault" in off.advice
    assert p.disk_macos("").status is Status.UNKNOWN
    assert p.disk_windows(rec("windows-manage-bde-on.txt")).status is Status.OK
    denied = p.disk_windows(rec("windows-manage-bde-denied.txt"))
    assert denied.status is Status.UNKNOWN and "administrator" in denied.advice
    off_text = rec("windows-manage-bde-on.txt").replace("Protection On", "Protection Off")
    assert p.disk_windows(off_text).status is Status.FAIL


# --- screen lock -------------------------------------------------------------------------


def test_gnome_and_kde_screen_lock() -> None:
    assert p.screen_gnome("uint32 300\n", "true\n", "uint32 0\n").status is Status.OK
    assert p.screen_gnome("uint32 1800", "true", "uint32 0").status is Status.WARN
    assert p.screen_gnome("uint32 0", "true", "uint32 0").status is Status.FAIL  # never
    assert p.screen_gnome("uint32 300", "false", "uint32 0").status is Status.FAIL
    assert p.screen_gnome("No such schema", "", "").status is Status.UNKNOWN
    assert p.screen_kde("", "", "").status is Status.OK  # KDE's defaults: 5 min, locks
    assert p.screen_kde("false", "5", "true").status is Status.FAIL
    assert p.screen_kde("true", "30", "true").status is Status.WARN
    assert p.screen_kde("true", "5", "false").status is Status.FAIL


def test_macos_and_windows_screen_lock() -> None:
    five = p.screen_macos(rec("macos-sysadminctl-5s.txt"), "300")
    assert five.status is Status.OK and "5 minutes" in five.advice
    assert p.screen_macos(rec("macos-sysadminctl-off.txt"), "300").status is Status.FAIL
    assert p.screen_macos(rec("macos-sysadminctl-5s.txt"), "0").status is Status.FAIL
    assert p.screen_macos("", "").status is Status.UNKNOWN
    minus_one = "2026-11-30 10:01:02.123 sysadminctl[4242:56789] screenLock delay is -1 seconds"
    assert p.screen_macos(minus_one, "300").status is Status.FAIL
    assert p.screen_macos(minus_one.replace("-1", "-1.000000"), "300").status is Status.FAIL
    win = p.screen_windows(rec("windows-reg-desktop.txt"))
    assert win.status is Status.WARN and "30 minutes" in win.advice
    insecure = rec("windows-reg-desktop.txt").replace(
        "ScreenSaverIsSecure    REG_SZ    1", "ScreenSaverIsSecure    REG_SZ    0"
    )
    assert p.screen_windows(insecure).status is Status.FAIL
    assert p.screen_windows("ERROR: The system was unable to find").status is Status.UNKNOWN


# --- updates -----------------------------------------------------------------------------


def test_updates_on_every_platform() -> None:
    apt = p.updates_apt(rec("linux-apt-history.log"), TODAY)
    assert apt.status is Status.OK and "14 days ago" in apt.advice
    assert p.updates_apt(rec("linux-apt-history.log"), date(2027, 2, 1)).status is Status.WARN
    assert p.updates_apt(rec("linux-apt-history.log"), date(2027, 6, 1)).status is Status.FAIL
    assert p.updates_apt("", TODAY).status is Status.UNKNOWN
    dnf = p.updates_dnf(rec("linux-dnf-history.txt"), TODAY)
    assert dnf.status is Status.OK and "6 days ago" in dnf.advice  # 28 Nov, not the install
    mac = p.updates_macos(rec("macos-softwareupdate-history.txt"), TODAY)
    assert "9 days ago" in mac.advice
    win = p.updates_windows(rec("windows-wmic-qfe.txt"), TODAY)
    assert win.status is Status.OK and "20 days ago" in win.advice
    ps = p.updates_windows_hotfix("2026-11-14\r\n", TODAY)
    assert ps.status is Status.OK and "20 days ago" in ps.advice
    assert p.updates_windows_hotfix("", TODAY).status is Status.UNKNOWN
    no_wmic = _probe("win32", {"powershell -NoProfile": "2026-08-01\r\n"}, {})
    assert run_checks(Path("C:/x"), today=TODAY, probe=no_wmic)[2].status is Status.FAIL


# --- swap --------------------------------------------------------------------------------


def test_linux_swap() -> None:
    luks = rec("linux-lsblk-luks.json")
    root = p.disk_linux(luks, "/")
    none = p.swap_linux(rec("linux-proc-swaps-none.txt"), luks, root)
    assert none.status is Status.OK
    mixed = p.swap_linux(rec("linux-proc-swaps-lvm-and-plain.txt"), luks, root)
    assert mixed.status is Status.FAIL  # /dev/sda2 is plain, whatever dm-2 is
    only_dm = "\n".join(rec("linux-proc-swaps-lvm-and-plain.txt").splitlines()[:2])
    assert p.swap_linux(only_dm, luks, root).status is Status.OK  # dm-2: the LVM in LUKS
    file_zram = rec("linux-proc-swaps-file-zram.txt")
    assert p.swap_linux(file_zram, luks, root).status is Status.OK
    plain_root = p.disk_linux(rec("linux-lsblk-plain-vm.json"), "/")
    assert p.swap_linux(file_zram, luks, plain_root).status is Status.FAIL
    assert p.swap_linux("garbage", luks, root).status is Status.UNKNOWN


def test_macos_and_windows_swap() -> None:
    assert p.swap_macos(rec("macos-sysctl-swap.txt")).status is Status.OK
    plain = rec("macos-sysctl-swap.txt").replace("  (encrypted)", "")
    assert p.swap_macos(plain).status is Status.FAIL
    paging = rec("windows-fsutil-paging.txt")
    on = p.disk_windows(rec("windows-manage-bde-on.txt"))
    off = p.disk_windows(
        rec("windows-manage-bde-on.txt").replace("Protection On", "Protection Off")
    )
    assert p.swap_windows(paging, on).status is Status.OK
    assert p.swap_windows(paging, off).status is Status.FAIL
    assert p.swap_windows(paging.replace("= 0", "= 1"), off).status is Status.OK


# --- this app's version age ---------------------------------------------------------------


def test_app_version_age_from_the_build_stamp() -> None:
    fresh = app_version.app_version_check(STAMP, TODAY)
    assert fresh.status is Status.OK and "14 days ago" in fresh.advice
    old = app_version.app_version_check(STAMP, date(2027, 6, 1))
    assert old.status is Status.WARN and "Install the newest TherapyNotes" in old.advice
    assert app_version.app_version_check(STAMP, date(2027, 5, 22)).status is Status.OK
    # no stamp (a copy run from source), a stamp for another version, or garbage: unknown
    assert app_version.app_version_check(None, TODAY).status is Status.UNKNOWN
    assert app_version.app_version_check(STAMP, TODAY, "99.0.0").status is Status.UNKNOWN
    assert app_version.app_version_check("{not json", TODAY).status is Status.UNKNOWN
    assert app_version.app_version_check(STAMP.replace("built", "b"), TODAY).status is (
        Status.UNKNOWN
    )


def test_app_version_on_every_platform_reads_the_same_stamp() -> None:
    old = json.dumps({"version": app_version.__version__, "built": "2026-01-05"})
    for platform in ("linux", "darwin", "win32"):
        checks = run_checks(Path("/"), today=TODAY, probe=_probe(platform, {}, {}, stamp=old))
        assert checks[4].name == "app-version" and checks[4].status is Status.WARN


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="real Linux install")
def test_app_version_for_real_here() -> None:
    """This copy runs from its source (an editable install): it carries no build stamp,
    so the age is unknown; a stamp, if one was ever written here, is read as it is."""
    stamp = app_version.read_stamp()
    check = app_version.app_version_check(stamp, TODAY)
    if stamp is None:
        assert check.status is Status.UNKNOWN and "no build date" in check.advice
    else:
        assert check.status is not Status.UNKNOWN or app_version.built_on(stamp) is None


# --- the backup drive's own encryption ---------------------------------------------------


def test_backup_drive_linux() -> None:
    luks = backup_drive.backup_drive_linux(
        rec("linux-findmnt-luks-root.json"), rec("linux-lsblk-s-luks-root.json")
    )
    assert luks.status is Status.OK
    usb = backup_drive.backup_drive_linux(
        rec("linux-findmnt-usb.json"), rec("linux-lsblk-s-usb.json")
    )
    assert usb.status is Status.WARN and "LUKS" in usb.advice
    assert backup_drive.linux_source(rec("linux-findmnt-btrfs.json")) == (
        "/dev/mapper/luks-0c6f1a53-8d1e-4b5e-9a0f-2b8d5c1e7f30",
        "btrfs",
    )
    nfs = backup_drive.backup_drive_linux(rec("linux-findmnt-nfs.json"), None)
    assert nfs.status is Status.UNKNOWN and "network" in nfs.advice
    assert backup_drive.backup_drive_linux("garbage", None).status is Status.UNKNOWN
    assert backup_drive.backup_drive_linux(rec("linux-findmnt-usb.json"), "x").status is (
        Status.UNKNOWN
    )


def test_backup_drive_macos_and_windows() -> None:
    assert backup_drive.macos_device(rec("macos-df-backup.txt")) == "/dev/disk4s2"
    assert backup_drive.macos_device(rec("macos-df-smb.txt")) is None
    assert backup_drive.macos_device("") is None
    on = backup_drive.backup_drive_macos(rec("macos-diskutil-info-encrypted.txt"))
    assert on.status is Status.OK
    plain = backup_drive.backup_drive_macos(rec("macos-diskutil-info-plain.txt"))
    assert plain.status is Status.UNKNOWN  # exFAT: no FileVault line, so no answer
    apfs_off = rec("macos-diskutil-info-encrypted.txt").replace(
        "FileVault:                 Yes", "FileVault:                 No"
    )
    assert backup_drive.backup_drive_macos(apfs_off).status is Status.WARN
    assert backup_drive.drive_letter("E:\\TherapyNotes backups") == "E:"
    assert backup_drive.drive_letter("e:/backups") == "E:"
    assert backup_drive.drive_letter("\\\\nas\\backups") is None
    off = backup_drive.backup_drive_windows(rec("windows-manage-bde-e-off.txt"))
    assert off.status is Status.WARN and "BitLocker To Go" in off.advice
    assert backup_drive.backup_drive_windows(rec("windows-manage-bde-on.txt")).status is Status.OK
    denied = backup_drive.backup_drive_windows(rec("windows-manage-bde-denied.txt"))
    assert denied.status is Status.UNKNOWN and "administrator" in denied.advice


def _asked(probe: Probe) -> list[list[str]]:
    asked: list[list[str]] = []
    inner = probe.run

    def run(command: list[str]) -> str | None:
        asked.append(command)
        return inner(command)

    probe.run = run
    return asked


def test_recorded_backup_drive_runs_for_each_platform() -> None:
    linux = _probe(
        "linux",
        {"findmnt -J": rec("linux-findmnt-usb.json"), "lsblk -J": rec("linux-lsblk-s-usb.json")},
        {},
    )
    asked = _asked(linux)
    check = run_checks(Path("/"), backup_folder="/media/therapist/BACKUP/tn", probe=linux)[5]
    assert check.status is Status.WARN
    assert ["lsblk", "-J", "-s", "-o", "NAME,TYPE,FSTYPE", "/dev/sdb1"] in asked
    mac = _probe(
        "darwin",
        {
            "df -P": rec("macos-df-backup.txt"),
            "diskutil info": rec("macos-diskutil-info-encrypted.txt"),
        },
        {},
    )
    asked = _asked(mac)
    assert run_checks(Path("/"), backup_folder="/Volumes/Backup Drive/tn", probe=mac)[5].status is (
        Status.OK
    )
    assert ["diskutil", "info", "/dev/disk4s2"] in asked
    win = _probe("win32", {"manage-bde -status": rec("windows-manage-bde-e-off.txt")}, {})
    asked = _asked(win)
    assert run_checks(Path("C:/x"), backup_folder="E:\\Backups", probe=win)[5].status is Status.WARN
    assert ["manage-bde", "-status", "E:"] in asked
    away = _probe("linux", {}, {}, exists=False)
    gone = run_checks(Path("/"), backup_folder="/media/x", probe=away)[5]
    assert gone.status is Status.UNKNOWN and "connected" in gone.advice
    unset = run_checks(Path("/"), backup_folder="", probe=away)[5]
    assert unset.status is Status.UNKNOWN and "no backup folder" in unset.advice


# --- the whole run, recorded per platform ------------------------------------------------


STAMP = json.dumps({"version": app_version.__version__, "built": "2026-11-20"})


def _probe(
    platform: str,
    outputs: dict[str, str | None],
    files: dict[str, str],
    *,
    stamp: str | None = STAMP,
    exists: bool = True,
) -> Probe:
    def run(command: list[str]) -> str | None:
        return outputs.get(" ".join(command[:2]))

    return Probe(
        run=run,
        read=files.get,
        platform=platform,
        stamp=lambda _name: stamp,
        exists=lambda _path: exists,
    )


def test_recorded_runs_for_each_platform() -> None:
    mac = _probe(
        "darwin",
        {
            "fdesetup status": rec("macos-fdesetup-on.txt"),
            "sysadminctl -screenLock": rec("macos-sysadminctl-5s.txt"),
            "defaults -currentHost": "300\n",
            "softwareupdate --history": rec("macos-softwareupdate-history.txt"),
            "sysctl vm.swapusage": rec("macos-sysctl-swap.txt"),
        },
        {},
    )
    checks = run_checks(Path("/Users/t/Library"), today=TODAY, probe=mac)
    assert [c.name for c in checks] == list(CHECKS)
    assert statuses(checks) == ["ok", "ok", "ok", "ok", "ok", "unknown"]  # no backup folder
    win = _probe(
        "win32",
        {
            "manage-bde -status": rec("windows-manage-bde-denied.txt"),
            "reg query": rec("windows-reg-desktop.txt"),
            "wmic qfe": rec("windows-wmic-qfe.txt"),
            "fsutil behavior": rec("windows-fsutil-paging.txt"),
        },
        {},
    )
    assert statuses(run_checks(Path("C:/x"), today=TODAY, probe=win)) == [
        "unknown",
        "warn",
        "ok",
        "unknown",
        "ok",
        "unknown",
    ]
    linux = _probe(
        "linux",
        {
            "lsblk -J": rec("linux-lsblk-luks.json"),
            "gsettings get": None,
            "kreadconfig5 --file": "",
        },
        {
            "/var/log/apt/history.log": rec("linux-apt-history.log"),
            "/proc/swaps": rec("linux-proc-swaps-none.txt"),
        },
    )
    assert statuses(run_checks(Path("/"), today=TODAY, probe=linux)) == ["ok"] * 5 + ["unknown"]
    nothing = _probe("linux", {}, {}, stamp=None)
    assert statuses(run_checks(Path("/"), today=TODAY, probe=nothing)) == ["unknown"] * 6
    line = checks[0].line()
    assert line.split("\t") == ["ok", "disk-encryption", checks[0].advice]


# --- real runs on this Linux machine -----------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="real Linux tools")
def test_real_run_on_this_linux_machine(tmp_path: Path) -> None:
    checks = run_checks(tmp_path, backup_folder=str(tmp_path))
    assert [c.name for c in checks] == list(CHECKS)
    by = {c.name: c for c in checks}
    found = run_tool(["findmnt", "-J", "-T", str(tmp_path), "-o", "SOURCE,TARGET,FSTYPE"])
    backup = by["backup-drive-encryption"]
    if found is None:
        assert backup.status is Status.UNKNOWN
    else:
        source = json.loads(found)["filesystems"][0]["source"].split("[")[0]
        chain = run_tool(["lsblk", "-J", "-s", "-o", "NAME,TYPE,FSTYPE", source])
        if not source.startswith("/dev/") or chain is None:
            assert backup.status is Status.UNKNOWN
        else:
            crypt = '"crypt"' in json.dumps(json.loads(chain))
            assert backup.status is (Status.OK if crypt else Status.WARN)
    lsblk = run_tool(["lsblk", "-J", "-o", "NAME,TYPE,FSTYPE,MOUNTPOINTS"])
    if lsblk is None:
        assert by["disk-encryption"].status is Status.UNKNOWN
    else:
        tree = json.dumps(json.loads(lsblk))
        crypt = '"crypt"' in tree
        assert by["disk-encryption"].status in (
            (Status.OK, Status.FAIL) if crypt else (Status.FAIL, Status.UNKNOWN)
        )
    swaps = read_text("/proc/swaps")
    assert swaps is not None
    if len(swaps.strip().splitlines()) == 1:
        assert by["swap"].status is Status.OK  # no swap at all
    history = read_text("/var/log/apt/history.log")
    if history is not None and "End-Date" in history:
        assert by["os-updates"].status is not Status.UNKNOWN
    out = subprocess.run(  # noqa: S603 - the CLI itself
        [sys.executable, "-m", "therapynotes", "--vault", str(tmp_path / "v"), "doctor"],
        capture_output=True,
        text=True,
        check=False,
    )
    device_lines = [line.split("\t") for line in out.stdout.splitlines() if line.count("\t") == 2]
    assert [f[1] for f in device_lines] == list(CHECKS)
    assert all(f[0] in ("ok", "warn", "fail", "unknown") for f in device_lines)
