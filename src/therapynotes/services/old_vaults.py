"""Vaults set aside next to the vault folder, their keyring entries, and removing them.

Restoring over a vault moves it to `<name>.before-restore-<stamp>` (services/restore.py);
a first-run setup that never finished is moved to `<name>.unfinished-<stamp>`
(services/vault.py). Either keeps its keyring entry (its device secret): the therapist
can still open it with its own passphrase on this computer, which is the point of keeping
it. Without that entry only its recovery key would open it. So the entry stays exactly as
long as the folder: `remove` deletes both, on the therapist's explicit request, the entry
first (a kill in between leaves a folder that opens only with the recovery key, and
running `remove` again finishes the job).

A killed restore can leave its staging folder (`.<name>.restore-<hex>`) or a half-deleted
failed restore (`.<name>.failed-restore-<hex>`); they are listed and removed the same way.

Keyring entries that no vault here uses (a killed create, re-binding or restore can leave
one; so does deleting a set-aside folder by hand) are found by `orphaned_entries`, on
keyrings that can list their entries.

Must not import PySide6.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from therapynotes.errors import (
    KEYRING_PROBLEMS,
    InputError,
    KeysFileCorrupt,
    KeysFileTooNew,
    StorageError,
    TherapyNotesError,
)
from therapynotes.paths import VaultPaths
from therapynotes.security import device_key, keyslots
from therapynotes.security.keyslots import BINDING_KEYRING
from therapynotes.store.instance_lock import InstanceLock

KEPT_AFTER_RESTORE = "kept after a restore"
UNFINISHED_SETUP = "an unfinished setup"
INTERRUPTED_RESTORE = "left by an interrupted restore"


def _kinds(root: Path) -> tuple[tuple[str, str], ...]:
    """(name prefix, kind) of every folder set aside beside `root`."""
    name = root.name
    return (
        (f"{name}.before-restore-", KEPT_AFTER_RESTORE),
        (f"{name}.unfinished-", UNFINISHED_SETUP),
        (f".{name}.restore-", INTERRUPTED_RESTORE),
        (f".{name}.failed-restore-", INTERRUPTED_RESTORE),
    )


class NotAnOldVault(InputError):
    """That is not a folder set aside next to this vault. `therapynotes old-vaults list`
    shows the ones there are."""


@dataclass(frozen=True)
class OldVault:
    path: Path
    kind: str
    vault_id: str  # "" when it has no readable key file
    device_entry: str  # its keyring entry; "" when passphrase-only or unknown
    keys: str  # "ok", "none" (no key file) or "damaged"

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class RemovedVault:
    path: Path
    entry_removed: bool  # a keyring entry was deleted (or was already gone)
    entry_kept: str  # the entry left in the keyring on request ("" if none)


def _read(path: Path, kind: str) -> OldVault:
    keys = VaultPaths(path).keys
    try:
        doc = keyslots.decode(keys.read_bytes())
    except FileNotFoundError:
        return OldVault(path, kind, "", "", "none")
    except (OSError, KeysFileCorrupt, KeysFileTooNew):
        return OldVault(path, kind, "", "", "damaged")
    entry = doc.device_entry if doc.device_binding == BINDING_KEYRING else ""
    return OldVault(path, kind, doc.vault_id, entry, "ok")


def find(root: Path) -> list[OldVault]:
    """The folders set aside beside the vault folder `root`, oldest name first."""
    parent = root.parent
    if not parent.is_dir():
        return []
    found = []
    for child in sorted(parent.iterdir()):
        kind = next((k for prefix, k in _kinds(root) if child.name.startswith(prefix)), None)
        if kind is not None and child.is_dir() and not child.is_symlink():
            found.append(_read(child, kind))
    return found


def entry_state(old: OldVault) -> str:
    """Whether this computer's keyring still holds the old vault's device secret, in words."""
    if old.keys == "none":
        return "no key file"
    if old.keys == "damaged":
        return "key file damaged"
    if not old.device_entry:
        return "passphrase-only (no keyring entry)"
    try:
        device_key.load(old.device_entry).wipe()
    except KEYRING_PROBLEMS as exc:
        return f"keyring not readable ({type(exc).__name__})"
    except TherapyNotesError:
        return "keyring entry gone (opens only with its recovery key)"
    return "keyring entry kept (opens with its own passphrase)"


def used_entries(root: Path, *, besides: Path | None = None) -> set[str]:
    """Keyring entries that the vault at `root` or a folder set aside beside it (other
    than `besides`) uses."""
    entries = {old.device_entry for old in find(root) if old.path != besides}
    if root.is_dir():
        entries.add(_read(root, "").device_entry)
    entries.discard("")
    return entries


def orphaned_entries(root: Path) -> list[str] | None:
    """Entries under our keyring service that no vault in or beside `root` uses, or None
    when this keyring cannot list entries. An entry may still belong to a vault kept
    somewhere else (`--vault`), so this reports; it never deletes."""
    entries = device_key.list_entries()
    if entries is None:
        return None
    used = used_entries(root)
    return [entry for entry in entries if entry not in used]


def describe(root: Path, name: str) -> OldVault:
    """The folder set aside beside `root` named `name` (a bare name, or a path to it)."""
    wanted = Path(name)
    if len(wanted.parts) > 1 and wanted.parent.resolve() != root.parent.resolve():
        raise NotAnOldVault
    for old in find(root):
        if old.name == wanted.name:
            return old
    raise NotAnOldVault


def remove(root: Path, name: str, *, keep_entry: bool = False) -> RemovedVault:
    """Delete the folder `name` set aside beside `root`, and first its keyring entry.

    Refused, with nothing deleted, when that vault is open, or when its entry cannot be
    deleted because the keyring is locked or unreachable (unless `keep_entry`: then the
    entry stays in the keyring and the folder goes). The entry is never deleted while the
    live vault, or another folder set aside here, uses it too."""
    old = describe(root, name)
    lock = InstanceLock(VaultPaths(old.path).lock)
    lock.acquire()  # VaultInUse when it is open in TherapyNotes
    try:
        entry = old.device_entry
        shared = entry in used_entries(root, besides=old.path)
        removed, kept = False, ""
        if entry and not shared:
            if keep_entry:
                kept = entry
            else:
                device_key.delete(entry, strict=True)
                removed = True
    finally:
        lock.release()
    try:
        shutil.rmtree(old.path)
    except OSError as exc:
        raise StorageError(type(exc).__name__) from exc
    return RemovedVault(old.path, removed, kept)
