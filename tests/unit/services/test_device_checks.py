"""Device checks (issue 16) on recorded outputs of the real tools on Linux, macOS and
Windows (tests/fixtures/device/), the `doctor` line format, and real runs on this Linux
machine: each answer is one the machine's own state supports, never a guess."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

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


# --- the whole run, recorded per platform ------------------------------------------------


def _probe(platform: str, outputs: dict[str, str | None], files: dict[str, str]) -> Probe:
    def run(command: list[str]) -> str | None:
        return outputs.get(" ".join(command[:2]))

    return Probe(run=run, read=files.get, platform=platform)


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
    assert statuses(checks) == ["ok", "ok", "ok", "ok"]
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
    assert statuses(run_checks(Path("/"), today=TODAY, probe=linux)) == ["ok", "ok", "ok", "ok"]
    nothing = _probe("linux", {}, {})
    assert statuses(run_checks(Path("/"), today=TODAY, probe=nothing)) == ["unknown"] * 4
    line = checks[0].line()
    assert line.split("\t") == ["ok", "disk-encryption", checks[0].advice]


# --- real runs on this Linux machine -----------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="real Linux tools")
def test_real_run_on_this_linux_machine(tmp_path: Path) -> None:
    checks = run_checks(tmp_path)
    assert [c.name for c in checks] == list(CHECKS)
    by = {c.name: c for c in checks}
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
