"""`therapynotes doctor`: is this computer set up safely? Exit 1 with advice if not.

Needs no unlock and prints no client data.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from therapynotes import __version__
from therapynotes.cli.common import ExitCode, add_common_options, service, shown, vault_dir
from therapynotes.errors import TherapyNotesError
from therapynotes.paths import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, default_config_dir
from therapynotes.security import device_key
from therapynotes.services import old_vaults
from therapynotes.services.backups import list_backups
from therapynotes.settings import AppSettings
from therapynotes.store.connection import driver


@dataclass(frozen=True)
class Finding:
    level: str  # "ok", "warning" or "unsafe"
    topic: str
    text: str


def register(sub: Any) -> None:
    parser = sub.add_parser("doctor", help="check this computer's setup; exit 1 if unsafe")
    add_common_options(parser)
    parser.set_defaults(handler=cmd_doctor)


def _sqlcipher() -> Finding:
    try:
        db = driver()
        conn = db.connect(":memory:")
        version = conn.execute("PRAGMA cipher_version").fetchone()
        conn.close()
    except TherapyNotesError as exc:
        return Finding("unsafe", "sqlcipher", exc.message)
    if not version or not version[0]:
        return Finding("unsafe", "sqlcipher", "SQLite without SQLCipher: reinstall TherapyNotes")
    return Finding("ok", "sqlcipher", str(version[0]))


def _keyring() -> Finding:
    try:
        return Finding("ok", "keyring", f"{device_key.backend_name()} (encrypted)")
    except TherapyNotesError as exc:
        return Finding("unsafe", "keyring", f"{type(exc).__name__}: {exc.message}")


# Qt binding releases known to break the app, and how (issue 20). pyproject.toml keeps
# them out of a normal install; this catches a venv or system package that has one.
BROKEN_QT = {
    "6.12.0": "loses a reference with every signal and the app stops after a few thousand "
    "operations; install PySide6 6.11 (reinstall TherapyNotes)",
}


def _package_version(*names: str) -> str | None:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def _qt() -> Finding:
    """Whether the desktop app can start here, read from the installed packages' metadata
    (the CLI never imports Qt: only ui/ and app.py do): the binding's version, its
    shiboken6, a release known to be broken, a display."""
    pyside_version = _package_version("PySide6-Essentials", "PySide6")
    if pyside_version is None:
        return Finding("warning", "qt", "PySide6 is not installed: the app cannot start")
    shiboken_version = _package_version("shiboken6")
    binding = f"PySide6 {pyside_version} (shiboken6 {shiboken_version or 'not installed'})"
    for version in (pyside_version, shiboken_version):
        if version in BROKEN_QT:
            return Finding("warning", "qt", f"{binding} {BROKEN_QT[version]}")
    platform = os.environ.get("QT_QPA_PLATFORM") or (
        "wayland/xcb" if os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY") else ""
    )
    if sys.platform.startswith("linux") and not platform:
        return Finding("warning", "qt", f"{binding}; no display found")
    return Finding("ok", "qt", f"{binding}; platform {platform or 'native'}")


def _mode_findings(topic: str, folder: Path) -> list[Finding]:
    if not folder.exists():
        return [Finding("ok", topic, f"{folder} (not created yet)")]
    if os.name != "posix":
        return [Finding("ok", topic, str(folder))]
    found = []
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & ~PRIVATE_DIR_MODE:
        found.append(Finding("unsafe", topic, f"{folder} is {mode:o}; run: chmod 700 '{folder}'"))
    for path in folder.iterdir():
        if path.is_file() and stat.S_IMODE(path.stat().st_mode) & ~PRIVATE_FILE_MODE:
            found.append(
                Finding("unsafe", topic, f"{path.name} is readable by others; run: chmod 600")
            )
    return found or [Finding("ok", topic, f"{folder} (private)")]


def _vault(args: argparse.Namespace) -> tuple[Finding, str | None]:
    """The vault's finding, and its id for the backup check (read once: `status` asks
    the keyring)."""
    svc = service(args)
    if not svc.exists():
        return Finding("ok", "vault", "none yet (create one with `therapynotes init`)"), None
    try:
        st = svc.status()
    except TherapyNotesError as exc:
        return Finding("unsafe", "vault", exc.message), None
    if st.device_binding == "none":
        found = Finding("warning", "vault", "passphrase-only: no device secret protects it")
    elif st.device_bound != "yes":
        found = Finding("warning", "vault", f"not bound to this computer ({st.device_bound})")
    else:
        found = Finding("ok", "vault", f"{st.vault_id[:8]}…, bound to this computer's keyring")
    return found, st.vault_id


def _old_vaults(root: Path) -> Finding:
    """Vaults set aside beside this one: kept on purpose (ok), or left by a killed
    restore (warning: safe to remove)."""
    found = old_vaults.find(root)
    if not found:
        return Finding("ok", "old-vaults", "none set aside")
    leftovers = [o for o in found if o.kind == old_vaults.INTERRUPTED_RESTORE]
    text = (
        f"{len(found)} set aside beside the vault ({', '.join(o.name for o in found)}); "
        "see `therapynotes old-vaults list`, remove with `old-vaults remove NAME --confirm`"
    )
    if leftovers:
        text = f"{len(leftovers)} left by an interrupted restore, safe to remove. {text}"
        return Finding("warning", "old-vaults", text)
    return Finding("ok", "old-vaults", text)


def _keyring_entries(root: Path) -> Finding | None:
    """Entries under our keyring service that no vault in or beside `root` uses (a killed
    create, re-binding or restore can leave one; so does deleting a set-aside folder by
    hand). None when the keyring is not usable (the keyring finding says so already)."""
    try:
        orphans = old_vaults.orphaned_entries(root)
    except TherapyNotesError:
        return None
    if orphans is None:
        return Finding("ok", "entries", "this keyring cannot list its entries; not checked")
    if not orphans:
        return Finding("ok", "entries", "every TherapyNotes keyring entry belongs to a vault here")
    return Finding(
        "warning",
        "entries",
        f"keyring entries of service '{device_key.SERVICE}' that no vault in or beside "
        f"{root} uses ({len(orphans)}): "
        f"{', '.join(orphans)}. Unless a vault kept elsewhere (--vault) uses one, remove it "
        f"in Passwords and Keys, or: secret-tool clear service {device_key.SERVICE} "
        "username ENTRY",
    )


STALE_BACKUP_DAYS = 7


def _backups(vault_id: str | None) -> Finding:
    """The newest backup of this vault in the folder the app backs up to (no unlock:
    file names and headers only)."""
    folder_text = AppSettings.load(default_config_dir()).backup_folder
    if not folder_text:
        return Finding("warning", "backup", "no backup folder chosen (Backups page in the app)")
    folder = Path(folder_text)
    if not folder.is_dir():
        return Finding("warning", "backup", f"backup folder {folder} is not connected")
    try:
        ours = [b for b in list_backups(folder) if b.header_ok and b.vault_id == vault_id]
    except OSError as exc:
        return Finding("warning", "backup", f"cannot read {folder} ({type(exc).__name__})")
    if not ours:
        return Finding("warning", "backup", f"no backup of this vault in {folder}")
    newest = ours[-1].created_at
    age = datetime.now(UTC) - newest
    text = f"last backup {newest:%Y-%m-%d %H:%M} UTC in {folder}"
    if age > timedelta(days=STALE_BACKUP_DAYS):
        return Finding("warning", "backup", f"{text}: older than {STALE_BACKUP_DAYS} days")
    return Finding("ok", "backup", text)


def findings(args: argparse.Namespace) -> list[Finding]:
    vault, vault_id = _vault(args)
    keyring_finding = _keyring()
    if keyring_finding.level == "unsafe" and vault.text.startswith("passphrase-only"):
        # The therapist chose a vault without a keyring; say so, but it is not a fault.
        keyring_finding = Finding("warning", "keyring", keyring_finding.text)
    entries = _keyring_entries(vault_dir(args)) if keyring_finding.level == "ok" else None
    return [
        Finding("ok", "version", f"therapynotes {__version__}"),
        _sqlcipher(),
        keyring_finding,
        *([entries] if entries is not None else []),
        _qt(),
        *_mode_findings("data", vault_dir(args)),
        *_mode_findings("config", default_config_dir()),
        vault,
        _old_vaults(vault_dir(args)),
        _backups(vault_id),
    ]


def cmd_doctor(args: argparse.Namespace) -> int:
    results = findings(args)
    for f in results:
        print(f"{f.level:8} {f.topic:10} {shown(f.text)}")
    _device_lines(vault_dir(args))
    if any(f.level == "unsafe" for f in results):
        print("therapynotes: something above is unsafe; follow its advice.", file=sys.stderr)
        return ExitCode.FAILED
    return ExitCode.OK


def _device_lines(root: Path) -> None:
    """The device checks (issue 16), one `STATUS<TAB>CHECK<TAB>advice` line each, for
    the disk the vault folder is on (or would be). Advice only: the exit code stays the
    app's own findings' (a computer can be unknown without being unsafe to run on). The
    backup drive is the one of the backup folder chosen in the app."""
    from therapynotes.services.device.runner import run_checks  # noqa: PLC0415

    where = root if root.exists() else root.parent
    while not where.exists() and where != where.parent:
        where = where.parent
    folder = AppSettings.load(default_config_dir()).backup_folder  # damaged file: defaults
    for check in run_checks(where, backup_folder=folder):
        print(check.line())
