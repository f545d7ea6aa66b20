"""Further logins' key slots (issue 17 phase B): an entry per user in vault.keys.

Each user has an X25519 key pair (PyNaCl). Their entry in vault.keys holds:
- the private key, wrapped twice with ChaCha20-Poly1305: the inner layer under
  HKDF(Argon2id(user passphrase), "therapynotes/user-key/v1") (associated data: slot
  type, format, name, vault id, KDF), the outer layer under HKDF(device secret,
  "therapynotes/user-device/v1") (associated data: the same plus the role and the
  binding). Together they are the owner's kek_local(Argon2id(passphrase), device
  secret) in two steps, so the owner can put the device layer back on a new computer
  (restore) from the inner layer alone, which needs the user's passphrase to open;
- the public key and a **grant**: SealedBox(public key, payload), the payload binding
  role, name and vault id and carrying the keys the role may have (assistant: the shared
  key; supervisor: shared ‖ clinical). Never the root key R. The owner re-grants
  (rotation, role change, restore) with the public key alone.

vault.db's `users` table keeps what the owner needs to rebuild an entry (the inner layer
sealed under HKDF(R), bound to name, role, public key and KDF), and the user's TOTP
secret sealed under HKDF(their private key): readable by no other login.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any

from therapynotes.domain.roles import USER_ROLES, Role
from therapynotes.errors import KeysFileCorrupt, WrongPassphrase
from therapynotes.security.kdf import KdfParams, hkdf
from therapynotes.security.secret import Secret

USER_FORMAT = 3
NONCE_LEN = 12
TAG_LEN = 16
PRIVATE_LEN = 32
PUBLIC_LEN = 32
INNER_LEN = NONCE_LEN + PRIVATE_LEN + TAG_LEN
INFO_USER_KEY = b"therapynotes/user-key/v1"
INFO_USER_DEVICE = b"therapynotes/user-device/v1"
INFO_USER_RESTORE = b"therapynotes/user-restore/v1"
INFO_USER_TOTP = b"therapynotes/user-totp/v1"
INFO_OWNER_TOTP = b"therapynotes/owner-totp/v1"
GRANT_MAGIC = b"therapynotes/grant/v1\n"
# The keys a role's grant carries, by length: shared key, or shared ‖ clinical.
GRANT_KEY_LEN = {Role.ASSISTANT: 32, Role.SUPERVISOR: 64}


@dataclass(frozen=True)
class UserEntry:
    """One user's entry in vault.keys (format 3)."""

    name: str
    role: Role
    created_at: str
    kdf: KdfParams
    nonce: bytes  # of the device layer
    ciphertext: bytes  # device layer over the inner layer (nonce ‖ ct)
    public_key: bytes
    grant: bytes


@dataclass(frozen=True)
class Grant:
    """What a user's grant gave: the keys that open their databases (the caller wipes)."""

    name: str
    role: Role
    keys: Secret


def name_key(name: str) -> str:
    """How two login names are compared (case and surrounding spaces do not count)."""
    return name.strip().casefold()


def _aead() -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # noqa: PLC0415

    return ChaCha20Poly1305


def _seal(key: Secret, data: bytes, ad: bytes) -> bytes:
    nonce = os.urandom(NONCE_LEN)
    return nonce + bytes(_aead()(key.reveal()).encrypt(nonce, data, ad))


def _open(key: Secret, sealed: bytes, ad: bytes) -> bytes | None:
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415

    if len(sealed) < NONCE_LEN + TAG_LEN:
        return None
    try:
        return bytes(_aead()(key.reveal()).decrypt(sealed[:NONCE_LEN], sealed[NONCE_LEN:], ad))
    except InvalidTag:
        return None


def _name_ad(name: str) -> bytes:
    return name.encode("utf-8").hex().encode()


def inner_ad(name: str, vault_id: str, kdf: KdfParams) -> bytes:
    return b"therapynotes/slot;type=user-key;format=%d;name=%s;%s;vault=%s" % (
        USER_FORMAT,
        _name_ad(name),
        kdf.associated_data(),
        vault_id.encode(),
    )


def outer_ad(name: str, role: Role, vault_id: str, kdf: KdfParams, binding: str) -> bytes:
    return b"therapynotes/slot;type=user;format=%d;name=%s;role=%s;%s;vault=%s;binding=%s" % (
        USER_FORMAT,
        _name_ad(name),
        role.value.encode(),
        kdf.associated_data(),
        vault_id.encode(),
        binding.encode(),
    )


def restore_ad(name: str, role: Role, vault_id: str, kdf: KdfParams, public_key: bytes) -> bytes:
    return b"therapynotes/user-restore;name=%s;role=%s;%s;vault=%s;pk=%s" % (
        _name_ad(name),
        role.value.encode(),
        kdf.associated_data(),
        vault_id.encode(),
        public_key.hex().encode(),
    )


def totp_ad(name: str, vault_id: str) -> bytes:
    return b"therapynotes/totp;name=%s;vault=%s" % (_name_ad(name), vault_id.encode())


# --- in vault.keys (format 3) ------------------------------------------------------

# A grant: SealedBox overhead (32-byte ephemeral key, 16-byte tag) and a short payload.
MAX_GRANT_BYTES = 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any, *, length: int | None = None) -> bytes:
    try:
        raw = base64.b64decode(str(value).encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise KeysFileCorrupt("field is not base64") from exc
    if not isinstance(value, str) or _b64(raw) != value:
        raise KeysFileCorrupt("field is not base64")
    if (length is not None and len(raw) != length) or len(raw) > MAX_GRANT_BYTES:
        raise KeysFileCorrupt("field has the wrong size")
    return raw


def _text(obj: Any, name: str) -> str:
    if not isinstance(obj, dict) or type(obj.get(name)) is not str:
        raise KeysFileCorrupt(f"field {name!r} missing or wrong type")
    return str(obj[name])


def entry_body(user: UserEntry, kdf_body: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": user.name,
        "role": user.role.value,
        "created_at": user.created_at,
        "kdf": kdf_body,
        "nonce": _b64(user.nonce),
        "ct": _b64(user.ciphertext),
        "public_key": _b64(user.public_key),
        "grant": _b64(user.grant),
    }


def decode_entry(obj: Any, kdf: KdfParams) -> UserEntry:
    try:
        role = Role(_text(obj, "role"))
    except ValueError as exc:
        raise KeysFileCorrupt("unknown role") from exc
    if role not in USER_ROLES:
        raise KeysFileCorrupt("unknown role")
    return UserEntry(
        name=_text(obj, "name"),
        role=role,
        created_at=_text(obj, "created_at"),
        kdf=kdf,
        nonce=_unb64(obj.get("nonce"), length=NONCE_LEN),
        ciphertext=_unb64(obj.get("ct"), length=INNER_LEN + TAG_LEN),
        public_key=_unb64(obj.get("public_key"), length=PUBLIC_LEN),
        grant=_unb64(obj.get("grant")),
    )


# --- key pairs and the two layers ---------------------------------------------------


def new_key_pair() -> tuple[Secret, bytes]:
    """(private key, public key) of a new X25519 pair."""
    from nacl.public import PrivateKey  # noqa: PLC0415 - loaded when a user is made

    private = PrivateKey.generate()
    return Secret(bytes(private)), bytes(private.public_key)


def user_kek(master: Secret) -> Secret:
    return hkdf(master.reveal(), info=INFO_USER_KEY)


def device_kek(device: Secret, vault_id: str) -> Secret:
    return hkdf(device.reveal(), info=INFO_USER_DEVICE, salt=vault_id.encode())


def seal_inner(private: Secret, kek: Secret, *, name: str, vault_id: str, kdf: KdfParams) -> bytes:
    return _seal(kek, private.reveal(), inner_ad(name, vault_id, kdf))


def open_inner(inner: bytes, kek: Secret, *, name: str, vault_id: str, kdf: KdfParams) -> Secret:
    """The private key; WrongPassphrase when the passphrase's key does not open it."""
    raw = _open(kek, inner, inner_ad(name, vault_id, kdf))
    if raw is None or len(raw) != PRIVATE_LEN:
        raise WrongPassphrase
    return Secret(raw)


def seal_outer(
    inner: bytes,
    device: Secret,
    *,
    name: str,
    role: Role,
    vault_id: str,
    kdf: KdfParams,
    binding: str,
) -> tuple[bytes, bytes]:
    """(nonce, ciphertext) of the device layer around the inner layer."""
    kek = device_kek(device, vault_id)
    try:
        sealed = _seal(kek, inner, outer_ad(name, role, vault_id, kdf, binding))
    finally:
        kek.wipe()
    return sealed[:NONCE_LEN], sealed[NONCE_LEN:]


def open_outer(entry: UserEntry, device: Secret, *, vault_id: str, binding: str) -> bytes:
    """The inner layer; KeysFileCorrupt when the entry was changed, belongs to another
    vault or another computer (no passphrase is involved in this layer)."""
    kek = device_kek(device, vault_id)
    try:
        inner = _open(
            kek,
            entry.nonce + entry.ciphertext,
            outer_ad(entry.name, entry.role, vault_id, entry.kdf, binding),
        )
    finally:
        kek.wipe()
    if inner is None or len(inner) != INNER_LEN:
        raise KeysFileCorrupt("a login's entry was changed or belongs to another vault")
    return inner


# --- grants -----------------------------------------------------------------------


def _grant_payload(name: str, role: Role, vault_id: str, keys: Secret) -> bytes:
    body = {
        "keys": base64.b64encode(keys.reveal()).decode("ascii"),
        "name": name,
        "role": role.value,
        "vault_id": vault_id,
    }
    return GRANT_MAGIC + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def role_keys(role: Role, bundle: Secret) -> Secret:
    """The part of the data keys (shared ‖ clinical) a role's grant carries."""
    length = GRANT_KEY_LEN.get(role)
    raw = bundle.reveal()
    if length is None or len(raw) < length:
        raise ValueError("no grant for this role")
    return Secret(raw[:length])


def seal_grant(public_key: bytes, *, name: str, role: Role, vault_id: str, bundle: Secret) -> bytes:
    from nacl.public import PublicKey, SealedBox  # noqa: PLC0415

    keys = role_keys(role, bundle)
    try:
        return bytes(
            SealedBox(PublicKey(public_key)).encrypt(_grant_payload(name, role, vault_id, keys))
        )
    finally:
        keys.wipe()


def open_grant(entry: UserEntry, private: Secret, vault_id: str) -> Grant:
    """The keys in `entry`'s grant; KeysFileCorrupt unless the grant opens with this
    private key and names this login, its role and this vault, with the keys that role
    gets (a grant swapped between users or a role flipped is refused)."""
    from nacl.exceptions import CryptoError  # noqa: PLC0415
    from nacl.public import PrivateKey, SealedBox  # noqa: PLC0415

    try:
        payload = SealedBox(PrivateKey(private.reveal())).decrypt(entry.grant)
    except (CryptoError, ValueError, TypeError) as exc:
        raise KeysFileCorrupt("a login's grant does not open with its key") from exc
    if not payload.startswith(GRANT_MAGIC):
        raise KeysFileCorrupt("a login's grant is unreadable")
    try:
        body = json.loads(payload[len(GRANT_MAGIC) :])
        keys = base64.b64decode(body["keys"], validate=True)
        name, role, vault = body["name"], Role(body["role"]), body["vault_id"]
    except (ValueError, KeyError, TypeError) as exc:
        raise KeysFileCorrupt("a login's grant is unreadable") from exc
    finally:
        del payload
    if name != entry.name or role is not entry.role or vault != vault_id:
        raise KeysFileCorrupt("a login's grant names another login, role or vault")
    if len(keys) != GRANT_KEY_LEN.get(role, -1):
        raise KeysFileCorrupt("a login's grant carries the wrong keys for its role")
    return Grant(name, role, Secret(keys))


# --- what vault.db keeps --------------------------------------------------------------


def seal_restore(inner: bytes, root: Secret, ad: bytes) -> bytes:
    """The inner layer sealed under HKDF(R): only the owner (or the recovery key) opens it."""
    key = hkdf(root.reveal(), info=INFO_USER_RESTORE)
    try:
        return _seal(key, inner, ad)
    finally:
        key.wipe()


def open_restore(sealed: bytes, root: Secret, ad: bytes) -> bytes | None:
    key = hkdf(root.reveal(), info=INFO_USER_RESTORE)
    try:
        inner = _open(key, sealed, ad)
    finally:
        key.wipe()
    return inner if inner is not None and len(inner) == INNER_LEN else None


def seal_user_totp(secret: str, private: Secret, *, name: str, vault_id: str) -> bytes:
    key = hkdf(private.reveal(), info=INFO_USER_TOTP)
    try:
        return _seal(key, secret.encode("ascii"), totp_ad(name, vault_id))
    finally:
        key.wipe()


def open_user_totp(sealed: bytes, private: Secret, *, name: str, vault_id: str) -> str:
    key = hkdf(private.reveal(), info=INFO_USER_TOTP)
    try:
        raw = _open(key, sealed, totp_ad(name, vault_id))
    finally:
        key.wipe()
    if raw is None:
        raise KeysFileCorrupt("a login's second-step secret does not open")
    return raw.decode("ascii")


def seal_owner_totp(secret: str, root: Secret, vault_id: str) -> bytes:
    key = hkdf(root.reveal(), info=INFO_OWNER_TOTP)
    try:
        return _seal(
            key, secret.encode("ascii"), b"therapynotes/owner-totp;vault=" + vault_id.encode()
        )
    finally:
        key.wipe()


def open_owner_totp(sealed: bytes, root: Secret, vault_id: str) -> str:
    key = hkdf(root.reveal(), info=INFO_OWNER_TOTP)
    try:
        raw = _open(key, sealed, b"therapynotes/owner-totp;vault=" + vault_id.encode())
    finally:
        key.wipe()
    if raw is None:
        raise KeysFileCorrupt("second-step secret does not open")
    return raw.decode("ascii")
