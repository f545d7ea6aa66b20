"""The device secret D in the OS keyring (service "therapynotes").

Every keyring failure becomes one of our errors with a way forward: no backend, a locked
keyring, an insecure (plaintext) backend, or a missing entry (new desktop, changed
backend). The keyring is never the only way in: the recovery key re-binds the vault.
"""

from __future__ import annotations

import base64
import binascii
import os

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from therapynotes.errors import DeviceNotBound, KeyringInsecure, KeyringIsLocked, KeyringUnavailable
from therapynotes.security.secret import Secret

SERVICE = "therapynotes"
DEVICE_SECRET_LEN = 32
# A user name no vault ever has (entries are "<vault id>/<binding id>"): read, never written.
_PROBE_ENTRY = "usable-check"

# Backends that keep secrets unencrypted, or keep nothing at all.
_REFUSED_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


def _backend() -> KeyringBackend:
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - any backend start-up failure means "none"
        raise KeyringUnavailable(type(exc).__name__) from exc
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        raise KeyringUnavailable
    if module.startswith(_REFUSED_MODULES):
        raise KeyringInsecure
    return backend


def backend_name() -> str:
    """A human-readable name of the keyring backend in use (raises if none is usable)."""
    backend = _backend()
    return str(getattr(backend, "name", type(backend).__name__))


def _call(func_name: str, *args: str) -> str | None:
    backend = _backend()
    try:
        result = getattr(backend, func_name)(*args)
    except keyring.errors.KeyringLocked as exc:
        raise KeyringIsLocked from exc
    except keyring.errors.PasswordDeleteError:
        return None
    except Exception as exc:  # noqa: BLE001 - D-Bus and backend errors vary by platform
        raise KeyringUnavailable(type(exc).__name__) from exc
    return None if result is None else str(result)


def store_new(entry: str) -> Secret:
    """Create a fresh device secret, store it under `entry`, and read it back."""
    secret = Secret(os.urandom(DEVICE_SECRET_LEN))
    _call("set_password", SERVICE, entry, base64.b64encode(secret.reveal()).decode("ascii"))
    if load(entry) != secret:
        raise KeyringUnavailable("the keyring did not keep the secret")
    return secret


def load(entry: str) -> Secret:
    value = _call("get_password", SERVICE, entry)
    if value is None:
        raise DeviceNotBound
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DeviceNotBound("the keyring entry is damaged") from exc
    if len(raw) != DEVICE_SECRET_LEN:
        raise DeviceNotBound("the keyring entry is damaged")
    return Secret(raw)


def check_usable() -> None:
    """Raise the error a new binding would hit now: no backend, a plaintext backend or a
    locked keyring (which `backend_name` alone does not notice). Reads one entry that
    never exists and writes nothing; a locked desktop keyring may ask to be unlocked."""
    _call("get_password", SERVICE, _PROBE_ENTRY)


def delete(entry: str, *, strict: bool = False) -> None:
    """Remove an entry; a missing entry is never an error. An unavailable or locked
    keyring is one only when `strict` (the caller must know the entry is gone)."""
    try:
        _call("delete_password", SERVICE, entry)
    except (KeyringUnavailable, KeyringIsLocked, KeyringInsecure):
        if strict:
            raise


def list_entries() -> list[str] | None:
    """The user names of every entry under our service, or None when this keyring cannot
    list entries (the `keyring` API has no listing; the Secret Service, the usual Linux
    keyring, can search by attribute). Reads attributes only, never a secret."""
    backend = _backend()
    chained = getattr(backend, "backends", None)
    for candidate in [*chained] if isinstance(chained, list) else [backend]:
        if type(candidate).__module__ == "keyring.backends.SecretService":
            try:
                return _secret_service_entries(candidate)
            except keyring.errors.KeyringLocked as exc:
                raise KeyringIsLocked from exc
            except Exception as exc:  # noqa: BLE001 - D-Bus errors vary
                raise KeyringUnavailable(type(exc).__name__) from exc
    return None


def _secret_service_entries(backend: KeyringBackend) -> list[str]:
    scheme = backend.schemes[backend.scheme]  # type: ignore[attr-defined]
    collection = backend.get_preferred_collection()  # type: ignore[attr-defined]
    try:
        items = collection.search_items({scheme["service"]: SERVICE})
        names = [item.get_attributes().get(scheme["username"]) for item in items]
    finally:
        collection.connection.close()
    return sorted(str(name) for name in names if name)
