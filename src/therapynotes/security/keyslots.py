"""The vault.keys file: vault identity and AEAD key slots that wrap the data key (DEK).

Layout (UTF-8 text, four lines, documented in docs/formats.md):

    therapynotes-keys/1
    {compact JSON body}
    sha256 <hex of the first two lines, newlines included>
    mac <hex HMAC-SHA256(HKDF(DEK, "therapynotes/keys-mac/v1"), same bytes)>

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

from therapynotes.errors import KeysFileCorrupt, KeysFileTooNew, WrongPassphrase, WrongRecoveryKey
from therapynotes.security.kdf import SALT_LEN, KdfParams, hkdf
from therapynotes.security.secret import Secret

MAGIC = "therapynotes-keys/1"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 64 * 1024
NONCE_LEN = 12
DEK_LEN = 32
INFO_KEYS_MAC = b"therapynotes/keys-mac/v1"
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
class KeysDocument:
    vault_id: str
    created_at: str
    app_version: str
    device_binding: str  # BINDING_KEYRING or BINDING_NONE
    keyring_backend: str
    device_entry: str  # keyring user name holding D ("" when BINDING_NONE)
    local: LocalSlot
    recovery: RecoverySlot


def _local_ad(doc_vault_id: str, binding: str, kdf: KdfParams) -> bytes:
    return b"therapynotes/slot;type=local;format=%d;%s;vault=%s;binding=%s" % (
        FORMAT_VERSION,
        kdf.associated_data(),
        doc_vault_id.encode(),
        binding.encode(),
    )


def _recovery_ad(vault_id: str, salt: bytes) -> bytes:
    return b"therapynotes/slot;type=recovery;format=%d;salt=%s;vault=%s" % (
        FORMAT_VERSION,
        salt.hex().encode(),
        vault_id.encode(),
    )


# The AEAD loads when a slot is first sealed or opened: reading the file (`status`, the
# lock screen) does not need it (issue 18).


def _seal(kek: Secret, dek: Secret, ad: bytes) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # noqa: PLC0415

    nonce = os.urandom(NONCE_LEN)
    return nonce, ChaCha20Poly1305(kek.reveal()).encrypt(nonce, dek.reveal(), ad)


def _open(kek: Secret, nonce: bytes, ciphertext: bytes, ad: bytes) -> Secret | None:
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415 - see _seal
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # noqa: PLC0415

    try:
        dek = ChaCha20Poly1305(kek.reveal()).decrypt(nonce, ciphertext, ad)
    except InvalidTag:
        return None
    return Secret(dek) if len(dek) == DEK_LEN else None


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


def _mac_key(dek: Secret) -> Secret:
    return hkdf(dek.reveal(), info=INFO_KEYS_MAC)


def _body(doc: KeysDocument) -> dict[str, Any]:
    kdf = doc.local.kdf
    return {
        "format": FORMAT_VERSION,
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


def encode(doc: KeysDocument, dek: Secret) -> bytes:
    """Serialize `doc`, with its checksum and a MAC keyed from `dek`."""
    body = json.dumps(_body(doc), separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    signed = f"{MAGIC}\n{body}\n".encode("ascii")
    digest = hashlib.sha256(signed).hexdigest()
    mac = hmac.new(_mac_key(dek).reveal(), signed, hashlib.sha256).hexdigest()
    return signed + f"sha256 {digest}\nmac {mac}\n".encode("ascii")


def _split(raw: bytes) -> tuple[bytes, bytes, str, str]:
    if len(raw) > MAX_FILE_BYTES:
        raise KeysFileCorrupt("file too large")
    lines = raw.split(b"\n")
    if len(lines) != 5 or lines[4] != b"":
        raise KeysFileCorrupt("unexpected layout")
    if lines[0] != MAGIC.encode("ascii"):
        version = lines[0].removeprefix(b"therapynotes-keys/")
        if version != lines[0] and version.isdigit() and int(version) > FORMAT_VERSION:
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
    if _field(body, "format", int) != FORMAT_VERSION:
        raise KeysFileTooNew
    slots = _field(body, "slots", dict)
    local, rec = _field(slots, "local", dict), _field(slots, "recovery", dict)
    kdf_obj = _field(local, "kdf", dict)
    if _field(kdf_obj, "alg", str) != "argon2id":
        raise KeysFileCorrupt("unknown key derivation")
    kdf = KdfParams(
        m_kib=_field(kdf_obj, "m_kib", int),
        t=_field(kdf_obj, "t", int),
        p=_field(kdf_obj, "p", int),
        salt=_unb64(kdf_obj.get("salt"), length=SALT_LEN),
    )
    binding = _field(body, "device_binding", str)
    if binding not in (BINDING_KEYRING, BINDING_NONE):
        raise KeysFileCorrupt("unknown device binding")
    return KeysDocument(
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


def verify_mac(raw: bytes, dek: Secret) -> None:
    """Check the whole-file MAC with the unwrapped DEK; raises KeysFileCorrupt."""
    signed, _, _, mac_line = _split(raw)
    expected = f"mac {hmac.new(_mac_key(dek).reveal(), signed, hashlib.sha256).hexdigest()}"
    if not hmac.compare_digest(mac_line.encode(), expected.encode()):
        raise KeysFileCorrupt("authentication failed")
