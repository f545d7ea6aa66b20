"""The vault.keys file: vault identity, AEAD key slots that wrap the root key, and the
data keys (issue 17) wrapped under it.

Layout (UTF-8 text, four lines, documented in docs/formats.md):

    therapynotes-keys/2        (format 1: the same, without "data_keys"; format 3: with
                                the owner's name and the users' entries, issue 17 B)
    {compact JSON body}
    sha256 <hex of the first two lines, newlines included>
    mac <hex HMAC-SHA256(HKDF(shared key, "therapynotes/keys-mac/v1"), same bytes)>

Keys (docs/security.md "Two data keys"): the slots wrap a 32-byte root key R (in
format 1, R is the one data key that keys vault.db). Format 2 adds `data_keys`:
ChaCha20-Poly1305(HKDF(R, "therapynotes/data-keys/v1"), shared key ‖ clinical key), the
shared key keying vault.db and the clinical key keying clinical.db. A vault upgraded from
format 1 keeps R as its shared key (vault.db is not re-encrypted); a new vault, and every
vault after a data-key rotation, has three independent random keys. The "DEK" handed
around the services is R; `data_keys` gives the bundle that opens the databases.

The checksum catches accidental damage before any key derivation (a clear "damaged"
message instead of "wrong passphrase"); the MAC, checked once the DEK is unwrapped,
catches deliberate edits to the fields that are not inside a slot's associated data.
Each slot = ChaCha20-Poly1305(KEK, nonce, DEK, AD = slot type, format, KDF parameters,
vault id, binding), so a downgraded or swapped parameter fails to decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Any

from therapynotes.domain.roles import DEFAULT_OWNER_NAME
from therapynotes.errors import KeysFileCorrupt, KeysFileTooNew, WrongPassphrase, WrongRecoveryKey
from therapynotes.security import user_slots
from therapynotes.security.kdf import SALT_LEN, KdfParams, hkdf
from therapynotes.security.secret import Secret
from therapynotes.security.user_slots import UserEntry, name_key

MAGIC_PREFIX = "therapynotes-keys/"
MAGIC = "therapynotes-keys/2"
# The format a vault with one login is written in. Format 3 (issue 17 phase B) adds the
# owner's login name and the other logins' entries (security/user_slots.py); it is
# written only when there are such (a vault whose users were all removed is format 2).
FORMAT_VERSION = 2
USERS_FORMAT = 3
NEWEST_FORMAT = USERS_FORMAT
READABLE_FORMATS = (1, 2, 3)
# The slots' associated data names format 1 in both file formats: an upgrade from format 1
# adds `data_keys` and leaves the slots byte for byte.
SLOT_FORMAT = 1
MAX_FILE_BYTES = 64 * 1024
NONCE_LEN = 12
DEK_LEN = 32
SHARED_LEN = 32
BUNDLE_LEN = 64  # shared key ‖ clinical key
INFO_KEYS_MAC = b"therapynotes/keys-mac/v1"
INFO_DATA_KEYS = b"therapynotes/data-keys/v1"
BINDING_KEYRING = "keyring"
BINDING_NONE = "none"


@dataclass(frozen=True)
class LocalSlot:
    """DEK wrapped with KEK_local (Argon2id of the passphrase + device secret)."""

    kdf: KdfParams
    nonce: bytes
    ciphertext: bytes


@dataclass(frozen=True)
class RecoverySlot:
    """DEK wrapped with KEK_rk (HKDF of the 256-bit recovery key)."""

    salt: bytes
    nonce: bytes
    ciphertext: bytes


@dataclass(frozen=True)
class DataKeysSlot:
    """The shared and clinical keys, wrapped with HKDF(R, "therapynotes/data-keys/v1")."""

    nonce: bytes
    ciphertext: bytes


@dataclass(frozen=True)
class KeysDocument:
    vault_id: str
    created_at: str
    app_version: str
    device_binding: str  # BINDING_KEYRING or BINDING_NONE
    keyring_backend: str
    device_entry: str  # keyring user name holding D ("" when BINDING_NONE)
    local: LocalSlot
    recovery: RecoverySlot
    # None in a format-1 file (one data key, R itself, keys vault.db).
    data_keys: DataKeysSlot | None = None
    # Format 3 (issue 17 phase B): the owner's login name and the other logins.
    owner_name: str = DEFAULT_OWNER_NAME
    users: tuple[UserEntry, ...] = ()

    @property
    def format(self) -> int:
        if self.data_keys is None:
            return 1
        named = self.users or self.owner_name != DEFAULT_OWNER_NAME
        return USERS_FORMAT if named else FORMAT_VERSION

    def user(self, key: str) -> UserEntry | None:
        """The entry whose name matches `key` (user_slots.name_key), if any."""
        return next((u for u in self.users if name_key(u.name) == key), None)


def _local_ad(doc_vault_id: str, binding: str, kdf: KdfParams) -> bytes:
    return b"therapynotes/slot;type=local;format=%d;%s;vault=%s;binding=%s" % (
        SLOT_FORMAT,
        kdf.associated_data(),
        doc_vault_id.encode(),
        binding.encode(),
    )


def _recovery_ad(vault_id: str, salt: bytes) -> bytes:
    return b"therapynotes/slot;type=recovery;format=%d;salt=%s;vault=%s" % (
        SLOT_FORMAT,
        salt.hex().encode(),
        vault_id.encode(),
    )


# The AEAD loads when a slot is first sealed or opened: reading the file (`status`, the
# lock screen) does not need it (issue 18).


def _seal(kek: Secret, dek: Secret, ad: bytes) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # noqa: PLC0415

    nonce = os.urandom(NONCE_LEN)
    return nonce, ChaCha20Poly1305(kek.reveal()).encrypt(nonce, dek.reveal(), ad)


def _open(
    kek: Secret, nonce: bytes, ciphertext: bytes, ad: bytes, length: int = DEK_LEN
) -> Secret | None:
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415 - see _seal
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # noqa: PLC0415

    try:
        dek = ChaCha20Poly1305(kek.reveal()).decrypt(nonce, ciphertext, ad)
    except InvalidTag:
        return None
    return Secret(dek) if len(dek) == length else None


def _data_keys_ad(vault_id: str) -> bytes:
    # Names format 2 in format 3 too (the data-keys slot did not change).
    return b"therapynotes/data-keys;format=%d;vault=%s" % (FORMAT_VERSION, vault_id.encode())


def new_bundle() -> Secret:
    """A fresh shared key ‖ clinical key."""
    return Secret(os.urandom(BUNDLE_LEN))


def seal_data_keys(*, root: Secret, bundle: Secret, vault_id: str) -> DataKeysSlot:
    if len(bundle) != BUNDLE_LEN:
        raise ValueError("a data-key bundle is 64 bytes")
    kek = hkdf(root.reveal(), info=INFO_DATA_KEYS)
    try:
        nonce, ct = _seal(kek, bundle, _data_keys_ad(vault_id))
    finally:
        kek.wipe()
    return DataKeysSlot(nonce=nonce, ciphertext=ct)


def data_keys(doc: KeysDocument, root: Secret) -> Secret:
    """The keys that open the databases: shared ‖ clinical (64 bytes) for format 2; for a
    format-1 document, R itself (32 bytes: one database, not yet split)."""
    if doc.data_keys is None:
        return Secret(root.reveal())
    kek = hkdf(root.reveal(), info=INFO_DATA_KEYS)
    try:
        slot = doc.data_keys
        bundle = _open(kek, slot.nonce, slot.ciphertext, _data_keys_ad(doc.vault_id), BUNDLE_LEN)
    finally:
        kek.wipe()
    if bundle is None:
        raise KeysFileCorrupt("data keys do not open")
    return bundle


def shared_is_root(doc: KeysDocument, root: Secret) -> bool:
    """Whether the shared key is R itself (a format-1 file, or one upgraded from format 1
    and not rotated since): then whoever holds the shared key holds R, so a slot that
    must not reach clinical content (an assistant's, issue 17 phase B) needs a data-key
    rotation first."""
    bundle = data_keys(doc, root)
    try:
        return bundle.reveal()[:SHARED_LEN] == root.reveal()
    finally:
        bundle.wipe()


def shared_key(bundle: Secret) -> Secret:
    """The key of vault.db, from a bundle (or a format-1 key)."""
    return Secret(bundle.reveal()[:SHARED_LEN])


def clinical_key(bundle: Secret) -> Secret | None:
    """The key of clinical.db; None for a format-1 key."""
    raw = bundle.reveal()
    return Secret(raw[SHARED_LEN:]) if len(raw) == BUNDLE_LEN else None


def seal_local(
    *, dek: Secret, kek: Secret, kdf: KdfParams, vault_id: str, binding: str
) -> LocalSlot:
    nonce, ct = _seal(kek, dek, _local_ad(vault_id, binding, kdf))
    return LocalSlot(kdf=kdf, nonce=nonce, ciphertext=ct)


def open_local(doc: KeysDocument, kek: Secret) -> Secret:
    slot = doc.local
    dek = _open(
        kek, slot.nonce, slot.ciphertext, _local_ad(doc.vault_id, doc.device_binding, slot.kdf)
    )
    if dek is None:
        raise WrongPassphrase
    return dek


def seal_recovery(*, dek: Secret, kek: Secret, salt: bytes, vault_id: str) -> RecoverySlot:
    nonce, ct = _seal(kek, dek, _recovery_ad(vault_id, salt))
    return RecoverySlot(salt=salt, nonce=nonce, ciphertext=ct)


def open_recovery(doc: KeysDocument, kek: Secret) -> Secret:
    return open_recovery_slot(doc.recovery, doc.vault_id, kek)


def open_recovery_slot(slot: RecoverySlot, vault_id: str, kek: Secret) -> Secret:
    """Open a recovery slot outside its key file (backup headers carry a copy of it)."""
    dek = _open(kek, slot.nonce, slot.ciphertext, _recovery_ad(vault_id, slot.salt))
    if dek is None:
        raise WrongRecoveryKey
    return dek


# --- encoding --------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any, *, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise KeysFileCorrupt("field is not text")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise KeysFileCorrupt("field is not base64") from exc
    if _b64(raw) != value or (length is not None and len(raw) != length):
        raise KeysFileCorrupt("field has the wrong size")
    return raw


def _mac_key(doc: KeysDocument, root: Secret) -> Secret:
    """HKDF of the shared key (R itself in format 1): whoever may open vault.db can
    check the file."""
    bundle = data_keys(doc, root)
    shared = shared_key(bundle)
    bundle.wipe()
    try:
        return hkdf(shared.reveal(), info=INFO_KEYS_MAC)
    finally:
        shared.wipe()


def verify_mac_shared(raw: bytes, keys: Secret) -> None:
    """Check the whole-file MAC with the shared key (the first 32 bytes of `keys`), as
    a user's login does (it never holds R); raises KeysFileCorrupt."""
    signed, _, _, mac_line = _split(raw)
    shared = shared_key(keys)
    key = hkdf(shared.reveal(), info=INFO_KEYS_MAC)
    shared.wipe()
    try:
        expected = f"mac {hmac.new(key.reveal(), signed, hashlib.sha256).hexdigest()}"
    finally:
        key.wipe()
    if not hmac.compare_digest(mac_line.encode(), expected.encode()):
        raise KeysFileCorrupt("authentication failed")


def _body(doc: KeysDocument) -> dict[str, Any]:
    kdf = doc.local.kdf
    body: dict[str, Any] = {
        "format": doc.format,
        "vault_id": doc.vault_id,
        "created_at": doc.created_at,
        "app_version": doc.app_version,
        "device_binding": doc.device_binding,
        "keyring_backend": doc.keyring_backend,
        "device_entry": doc.device_entry,
        "slots": {
            "local": {
                "kdf": {
                    "alg": "argon2id",
                    "m_kib": kdf.m_kib,
                    "t": kdf.t,
                    "p": kdf.p,
                    "salt": _b64(kdf.salt),
                },
                "nonce": _b64(doc.local.nonce),
                "ct": _b64(doc.local.ciphertext),
            },
            "recovery": {
                "salt": _b64(doc.recovery.salt),
                "nonce": _b64(doc.recovery.nonce),
                "ct": _b64(doc.recovery.ciphertext),
            },
        },
    }
    if doc.data_keys is not None:
        body["data_keys"] = {
            "nonce": _b64(doc.data_keys.nonce),
            "ct": _b64(doc.data_keys.ciphertext),
        }
    if doc.format >= USERS_FORMAT:
        body["owner_name"] = doc.owner_name
        body["users"] = [user_slots.entry_body(u, _kdf_body(u.kdf)) for u in doc.users]
    return body


def _kdf_body(kdf: KdfParams) -> dict[str, Any]:
    return {"alg": "argon2id", "m_kib": kdf.m_kib, "t": kdf.t, "p": kdf.p, "salt": _b64(kdf.salt)}


def _decode_kdf(kdf_obj: Any) -> KdfParams:
    if _field(kdf_obj, "alg", str) != "argon2id":
        raise KeysFileCorrupt("unknown key derivation")
    return KdfParams(
        m_kib=_field(kdf_obj, "m_kib", int),
        t=_field(kdf_obj, "t", int),
        p=_field(kdf_obj, "p", int),
        salt=_unb64(kdf_obj.get("salt"), length=SALT_LEN),
    )


def _decode_users(body: dict[str, Any], version: int) -> tuple[str, tuple[UserEntry, ...]]:
    if version < USERS_FORMAT:
        if "users" in body or "owner_name" in body:
            raise KeysFileCorrupt("format does not match")
        return DEFAULT_OWNER_NAME, ()
    owner = _field(body, "owner_name", str)
    users = tuple(
        user_slots.decode_entry(u, _decode_kdf(_field(u, "kdf", dict)))
        for u in _field(body, "users", list)
    )
    keys = [name_key(owner), *(name_key(u.name) for u in users)]
    if len(set(keys)) != len(keys) or "" in keys:
        raise KeysFileCorrupt("two logins have the same name")
    return owner, users


def encode(doc: KeysDocument, dek: Secret) -> bytes:
    """Serialize `doc`, with its checksum and a MAC keyed from the shared key (`dek` is
    the root key R the slots wrap)."""
    body = json.dumps(_body(doc), separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    signed = f"{MAGIC_PREFIX}{doc.format}\n{body}\n".encode("ascii")
    digest = hashlib.sha256(signed).hexdigest()
    mac = hmac.new(_mac_key(doc, dek).reveal(), signed, hashlib.sha256).hexdigest()
    return signed + f"sha256 {digest}\nmac {mac}\n".encode("ascii")


def _split(raw: bytes) -> tuple[bytes, bytes, str, str]:
    if len(raw) > MAX_FILE_BYTES:
        raise KeysFileCorrupt("file too large")
    lines = raw.split(b"\n")
    if len(lines) != 5 or lines[4] != b"":
        raise KeysFileCorrupt("unexpected layout")
    magics = [f"{MAGIC_PREFIX}{v}".encode("ascii") for v in READABLE_FORMATS]
    if lines[0] not in magics:
        version = lines[0].removeprefix(MAGIC_PREFIX.encode("ascii"))
        if version != lines[0] and version.isdigit() and int(version) > NEWEST_FORMAT:
            raise KeysFileTooNew
        raise KeysFileCorrupt("not a key file")
    signed = lines[0] + b"\n" + lines[1] + b"\n"
    try:
        sha_line, mac_line = lines[2].decode("ascii"), lines[3].decode("ascii")
    except UnicodeDecodeError as exc:
        raise KeysFileCorrupt("unexpected characters") from exc
    return signed, lines[1], sha_line, mac_line


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise KeysFileCorrupt("duplicate field")
        out[key] = value
    return out


def _field(obj: Any, name: str, kind: type) -> Any:
    if not isinstance(obj, dict) or name not in obj or type(obj[name]) is not kind:
        raise KeysFileCorrupt(f"field {name!r} missing or wrong type")
    return obj[name]


def decode(raw: bytes) -> KeysDocument:
    """Parse and checksum-verify a key file (the MAC is checked by `verify_mac`)."""
    signed, body_line, sha_line, _ = _split(raw)
    expected = f"sha256 {hashlib.sha256(signed).hexdigest()}"
    if not hmac.compare_digest(sha_line.encode(), expected.encode()):
        raise KeysFileCorrupt("checksum mismatch")
    try:
        body = json.loads(body_line.decode("ascii"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as exc:
        raise KeysFileCorrupt("body unreadable") from exc
    version = _field(body, "format", int)
    if version > NEWEST_FORMAT:
        raise KeysFileTooNew
    if version not in READABLE_FORMATS or signed.split(b"\n")[0] != (
        f"{MAGIC_PREFIX}{version}".encode("ascii")
    ):
        raise KeysFileCorrupt("format does not match")
    slots = _field(body, "slots", dict)
    local, rec = _field(slots, "local", dict), _field(slots, "recovery", dict)
    kdf = _decode_kdf(_field(local, "kdf", dict))
    binding = _field(body, "device_binding", str)
    if binding not in (BINDING_KEYRING, BINDING_NONE):
        raise KeysFileCorrupt("unknown device binding")
    data: DataKeysSlot | None = None
    if version >= 2:
        wrapped = _field(body, "data_keys", dict)
        data = DataKeysSlot(
            nonce=_unb64(wrapped.get("nonce"), length=NONCE_LEN),
            ciphertext=_unb64(wrapped.get("ct"), length=BUNDLE_LEN + 16),
        )
    elif "data_keys" in body:
        raise KeysFileCorrupt("format does not match")
    owner_name, users = _decode_users(body, version)
    doc = KeysDocument(
        owner_name=owner_name,
        users=users,
        data_keys=data,
        vault_id=_field(body, "vault_id", str),
        created_at=_field(body, "created_at", str),
        app_version=_field(body, "app_version", str),
        device_binding=binding,
        keyring_backend=_field(body, "keyring_backend", str),
        device_entry=_field(body, "device_entry", str),
        local=LocalSlot(
            kdf=kdf,
            nonce=_unb64(local.get("nonce"), length=NONCE_LEN),
            ciphertext=_unb64(local.get("ct"), length=DEK_LEN + 16),
        ),
        recovery=RecoverySlot(
            salt=_unb64(rec.get("salt"), length=SALT_LEN),
            nonce=_unb64(rec.get("nonce"), length=NONCE_LEN),
            ciphertext=_unb64(rec.get("ct"), length=DEK_LEN + 16),
        ),
    )
    if doc.format != version:
        raise KeysFileCorrupt("format does not match")
    return doc


def verify_mac(raw: bytes, dek: Secret) -> None:
    """Check the whole-file MAC with the unwrapped root key; raises KeysFileCorrupt."""
    signed, _, _, mac_line = _split(raw)
    key = _mac_key(decode(raw), dek)
    expected = f"mac {hmac.new(key.reveal(), signed, hashlib.sha256).hexdigest()}"
    if not hmac.compare_digest(mac_line.encode(), expected.encode()):
        raise KeysFileCorrupt("authentication failed")
