"""The vault's key file (vault.keys) and the key material bound to this device.

Reading and atomically replacing vault.keys, loading or storing the device secret D in
the OS keyring, and sealing the local slot from a passphrase and D. No attempt counting
and no audit rows: the use cases that call these (creating, unlocking, key changes) do
that.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from therapynotes.atomic import atomic_write_bytes
from therapynotes.errors import KeysFileCorrupt, StorageError, VaultNotFound
from therapynotes.paths import VaultPaths
from therapynotes.security import kdf, keyslots
from therapynotes.security.keyslots import BINDING_KEYRING, BINDING_NONE, KeysDocument
from therapynotes.security.secret import Secret
from therapynotes.store import rotation_files

if TYPE_CHECKING:
    from therapynotes.security.totp import Clock


def now_iso(clock: Clock) -> str:
    return datetime.fromtimestamp(clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_keys(paths: VaultPaths) -> tuple[bytes, KeysDocument]:
    rotation_files.finish_interrupted(paths)  # a data-key rotation a crash cut short
    try:
        raw = paths.keys.read_bytes()
    except FileNotFoundError as exc:
        raise VaultNotFound from exc
    except OSError as exc:
        raise StorageError(type(exc).__name__) from exc
    return raw, keyslots.decode(raw)


def write_keys(paths: VaultPaths, doc: KeysDocument, dek: Secret) -> None:
    atomic_write_bytes(paths.keys, keyslots.encode(doc, dek))


def write_keys_verified(paths: VaultPaths, doc: KeysDocument, dek: Secret, kek: Secret) -> None:
    """Replace vault.keys with `doc` only once the new file, read back from the disk,
    opens with `kek` to this `dek` and passes its MAC; until then the old file (and its
    slot) stays. A kill at any point leaves one whole file or the other."""

    def opens(written: Path) -> None:
        raw = written.read_bytes()
        unwrapped = keyslots.open_local(keyslots.decode(raw), kek)
        try:
            if unwrapped != dek:
                raise KeysFileCorrupt("the new key slot did not read back")
            keyslots.verify_mac(raw, dek)
        finally:
            unwrapped.wipe()

    atomic_write_bytes(paths.keys, keyslots.encode(doc, dek), check=opens)


def replace_doc(doc: KeysDocument, **changes: object) -> KeysDocument:
    return dataclasses.replace(doc, **changes)  # type: ignore[arg-type]


def device_secret(doc: KeysDocument) -> Secret:
    if doc.device_binding == BINDING_NONE:
        return Secret(b"")
    from therapynotes.security import device_key  # noqa: PLC0415 - the keyring loads slowly

    return device_key.load(doc.device_entry)


def bind_device(vault_id: str, passphrase_only: bool) -> tuple[str, str, str, Secret]:
    """(binding, backend name, keyring entry, D) for a new binding."""
    if passphrase_only:
        return BINDING_NONE, "none", "", Secret(b"")
    from therapynotes.security import device_key  # noqa: PLC0415 - the keyring loads slowly

    entry = f"{vault_id}/{os.urandom(8).hex()}"
    backend = device_key.backend_name()
    return BINDING_KEYRING, backend, entry, device_key.store_new(entry)


def seal_local(
    dek: Secret,
    *,
    passphrase: str,
    device: Secret,
    params: kdf.KdfParams,
    vault_id: str,
    binding: str,
) -> keyslots.LocalSlot:
    master = kdf.argon2id(passphrase, params)
    kek = kdf.kek_local(master, device.reveal())
    master.wipe()
    try:
        return keyslots.seal_local(dek=dek, kek=kek, kdf=params, vault_id=vault_id, binding=binding)
    finally:
        kek.wipe()
