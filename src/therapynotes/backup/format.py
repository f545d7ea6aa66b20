"""The one owner of the `.tnbackup` byte format (docs/backup-format.md).

    header  = prefix ‖ body ‖ SHA-256(prefix ‖ body) ‖ HMAC-SHA256(HK, prefix ‖ body)
    payload = AEAD chunks (age STREAM nonces): AES-256-GCM, 1 MiB of plaintext each, in
              format 4; ChaCha20-Poly1305, 64 KiB each, in formats 1-3 (still read)

Parsing is strict and bounded: every length prefix is capped, the header is at most
HEADER_MAX bytes, and the KDF parameters pass `KdfParams.check()` (hard caps) inside the
parser, so a memory-bomb header is refused before any Argon2id runs. The SHA-256 catches
accidental damage before any key derivation (a clear "damaged" instead of "wrong
passphrase"); the HMAC, keyed from the file key, catches deliberate edits.

Must not import PySide6, services or store.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from therapynotes.backup.errors import BackupCorrupt, BackupTooNew, BackupWrongKey, NotABackup
from therapynotes.errors import KeysFileCorrupt, WrongRecoveryKey
from therapynotes.security import kdf, keyslots
from therapynotes.security.kdf import KdfParams
from therapynotes.security.keyslots import RecoverySlot
from therapynotes.security.secret import Secret

MAGIC = b"TNBACKUP"
# 2: the manifest no longer carries the snapshot's SHA-256 (the chunk tags and the
# final-chunk flag authenticate it end to end); the header is laid out as in 1.
# 3 (issue 17): as 2, and the payload holds vault.db and clinical.db (manifest
# `data_keys`, `clinical.length`). Every released version stays readable.
# 4 (issue 18): as 3, with the payload chunks sealed by AES-256-GCM (AES-NI: 2.5-3 times
# ChaCha20-Poly1305's speed on the build machine) and 1 MiB long (docs/backup-format.md,
# "Why AES-256-GCM and 1 MiB chunks"); the header (its key slots) is as in 1.
FORMAT_VERSION = 4
READABLE_VERSIONS = frozenset({1, 2, 3, 4})
HEADER_MAX = 1024
KEY_LEN = 32
NONCE_LEN = 12
TAG_LEN = 16
WRAPPED_LEN = KEY_LEN + TAG_LEN
PAYLOAD_NONCE_LEN = 16
DIGEST_LEN = 32
CHUNK_V1 = 64 * 1024  # formats 1-3
CHUNK = 1024 * 1024  # format 4, the one written
CHUNK_CT = CHUNK + TAG_LEN
COUNTER_MAX = 2**88 - 1
VAULT_ID_MAX = 64
APP_VERSION_MAX = 32

INFO_HEADER = b"therapynotes/backup-header/v1"
INFO_PAYLOAD = b"therapynotes/backup-payload/v1"
INFO_RECOVERY_WRAP = b"therapynotes/backup-recovery/v1"

_PREFIX = struct.Struct(">8sHH")  # magic, format version, body length
_FIXED = struct.Struct(">QQI")  # created-at (unix s), sequence, schema version
_KDF = struct.Struct(">III")  # Argon2id m (KiB), t, p


@dataclass(frozen=True)
class Header:
    """A parsed header. Fields are not trusted until `verify_mac` passed."""

    version: int  # the format version of the file (READABLE_VERSIONS)
    vault_id: str
    created_at: int
    seq: int
    app_version: str
    schema_version: int
    kdf: KdfParams
    pass_nonce: bytes
    pass_ct: bytes
    vault_recovery: RecoverySlot  # the vault.keys recovery slot: DEK under KEK_rk
    rec_nonce: bytes
    rec_ct: bytes  # FK under HKDF(DEK), opened after the recovery key unwraps the DEK
    payload_nonce: bytes
    signed: bytes  # prefix ‖ body, the bytes both digests cover
    mac: bytes

    @property
    def size(self) -> int:
        return len(self.signed) + 2 * DIGEST_LEN

    def _slot_ad(self, slot: str) -> bytes:
        return slot_ad(slot, self.vault_id, self.kdf, self.payload_nonce)

    def open_with_passphrase(self, passphrase: str) -> Secret:
        """FK from the passphrase slot (Argon2id with the header's capped parameters)."""
        master = kdf.argon2id(passphrase, self.kdf)
        kek = kdf.kek_backup(master)
        master.wipe()
        try:
            return _unwrap(kek, self.pass_nonce, self.pass_ct, self._slot_ad("passphrase"))
        finally:
            kek.wipe()

    def open_with_recovery_key(self, recovery_key: Secret) -> Secret:
        """FK via the recovery key: RK → KEK_rk → DEK → recovery wrap key → FK."""
        kek_rk = kdf.kek_recovery(recovery_key, self.vault_recovery.salt)
        try:
            dek = keyslots.open_recovery_slot(self.vault_recovery, self.vault_id, kek_rk)
        except WrongRecoveryKey as exc:  # re-raised as the backup's own, clearer error
            raise BackupWrongKey from exc
        finally:
            kek_rk.wipe()
        try:
            return self.open_with_dek(dek)
        finally:
            dek.wipe()

    def open_with_dek(self, dek: Secret) -> Secret:
        """FK via the vault's data key: how an unlocked vault opens its own backups
        without asking for the passphrase again (the recovery path ends here too)."""
        wrap = recovery_wrap_key(dek, self.payload_nonce)
        try:
            return _unwrap(wrap, self.rec_nonce, self.rec_ct, self._slot_ad("recovery"))
        finally:
            wrap.wipe()

    def verify_mac(self, file_key: Secret) -> None:
        expected = hmac.new(header_key(file_key).reveal(), self.signed, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, self.mac):
            raise BackupCorrupt("header authentication failed")


def slot_ad(slot: str, vault_id: str, params: KdfParams, payload_nonce: bytes) -> bytes:
    return b"therapynotes/backup/v1;slot=%s;%s;vault=%s;file=%s" % (
        slot.encode(),
        params.associated_data(),
        vault_id.encode(),
        payload_nonce.hex().encode(),
    )


def header_key(file_key: Secret) -> Secret:
    return kdf.hkdf(file_key.reveal(), info=INFO_HEADER)


def payload_key(file_key: Secret, payload_nonce: bytes) -> Secret:
    return kdf.hkdf(file_key.reveal(), info=INFO_PAYLOAD, salt=payload_nonce)


def recovery_wrap_key(dek: Secret, payload_nonce: bytes) -> Secret:
    return kdf.hkdf(dek.reveal(), info=INFO_RECOVERY_WRAP, salt=payload_nonce)


def _unwrap(kek: Secret, nonce: bytes, ct: bytes, ad: bytes) -> Secret:
    try:
        return Secret(ChaCha20Poly1305(kek.reveal()).decrypt(nonce, ct, ad))
    except InvalidTag as exc:
        raise BackupWrongKey from exc


def _wrap(kek: Secret, key: Secret, ad: bytes) -> tuple[bytes, bytes]:
    nonce = os.urandom(NONCE_LEN)
    return nonce, ChaCha20Poly1305(kek.reveal()).encrypt(nonce, key.reveal(), ad)


# --- header encoding -------------------------------------------------------------


@dataclass(frozen=True)
class NewHeader:
    """What the writer knows when it starts a file."""

    vault_id: str
    created_at: int
    seq: int
    app_version: str
    schema_version: int
    kdf: KdfParams
    vault_recovery: RecoverySlot


def _short_text(value: str, cap: int) -> bytes:
    raw = value.encode("ascii")
    if not 0 < len(raw) <= cap:
        raise ValueError("header text field out of range")
    return bytes([len(raw)]) + raw


def encode_header(
    new: NewHeader, *, file_key: Secret, kek_backup: Secret, dek: Secret
) -> tuple[bytes, bytes]:
    """(header bytes, payload nonce) for a new file whose key is `file_key`."""
    new.kdf.check()
    payload_nonce = os.urandom(PAYLOAD_NONCE_LEN)
    pass_ad = slot_ad("passphrase", new.vault_id, new.kdf, payload_nonce)
    pass_nonce, pass_ct = _wrap(kek_backup, file_key, pass_ad)
    wrap = recovery_wrap_key(dek, payload_nonce)
    rec_ad = slot_ad("recovery", new.vault_id, new.kdf, payload_nonce)
    rec_nonce, rec_ct = _wrap(wrap, file_key, rec_ad)
    wrap.wipe()
    slot = new.vault_recovery
    body = b"".join(
        (
            _short_text(new.vault_id, VAULT_ID_MAX),
            _FIXED.pack(new.created_at, new.seq, new.schema_version),
            _short_text(new.app_version, APP_VERSION_MAX),
            _KDF.pack(new.kdf.m_kib, new.kdf.t, new.kdf.p),
            new.kdf.salt,
            pass_nonce,
            pass_ct,
            slot.salt,
            slot.nonce,
            slot.ciphertext,
            rec_nonce,
            rec_ct,
            payload_nonce,
        )
    )
    signed = _PREFIX.pack(MAGIC, FORMAT_VERSION, len(body)) + body
    digest = hashlib.sha256(signed).digest()
    mac = hmac.new(header_key(file_key).reveal(), signed, hashlib.sha256).digest()
    return signed + digest + mac, payload_nonce


# --- header parsing (hostile input) -------------------------------------------------


class _Cursor:
    """Reads fixed-size fields from a bytes body; any overrun is a damaged header."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise BackupCorrupt("header too short")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def text(self, cap: int) -> str:
        n = self.take(1)[0]
        if not 0 < n <= cap:
            raise BackupCorrupt("header field length out of range")
        raw = self.take(n)
        if not all(0x21 <= b <= 0x7E for b in raw):
            raise BackupCorrupt("header text field unreadable")
        return raw.decode("ascii")


def _read_exact(fh: BinaryIO, n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise BackupCorrupt("file ends inside the header")
    return data


def read_header(fh: BinaryIO) -> Header:
    """Parse and checksum a header from `fh` (left positioned at the payload)."""
    prefix = fh.read(_PREFIX.size)
    if len(prefix) < len(MAGIC) or prefix[: len(MAGIC)] != MAGIC:
        raise NotABackup
    if len(prefix) != _PREFIX.size:
        raise BackupCorrupt("file ends inside the header")
    _, version, body_len = _PREFIX.unpack(prefix)
    if version not in READABLE_VERSIONS:
        raise BackupTooNew if version > FORMAT_VERSION else BackupCorrupt("unknown format")
    if body_len > HEADER_MAX - _PREFIX.size - 2 * DIGEST_LEN:
        raise BackupCorrupt("header too large")
    body = _read_exact(fh, body_len)
    digest = _read_exact(fh, DIGEST_LEN)
    mac = _read_exact(fh, DIGEST_LEN)
    signed = prefix + body
    if not hmac.compare_digest(hashlib.sha256(signed).digest(), digest):
        raise BackupCorrupt("header checksum mismatch")
    return _parse_body(version, body, signed, mac)


def parse_header(raw: bytes) -> Header:
    """`read_header` over bytes (the fuzzing entry point); trailing bytes are the payload."""
    return read_header(io.BytesIO(raw))


def _parse_body(version: int, body: bytes, signed: bytes, mac: bytes) -> Header:
    cur = _Cursor(body)
    vault_id = cur.text(VAULT_ID_MAX)
    created_at, seq, schema_version = _FIXED.unpack(cur.take(_FIXED.size))
    app_version = cur.text(APP_VERSION_MAX)
    m_kib, t, p = _KDF.unpack(cur.take(_KDF.size))
    params = KdfParams(m_kib, t, p, cur.take(kdf.SALT_LEN))
    try:
        params.check()  # caps first: nothing may allocate for a hostile parameter set
    except KeysFileCorrupt as exc:
        raise BackupCorrupt("key-derivation settings refused") from exc
    pass_nonce, pass_ct = cur.take(NONCE_LEN), cur.take(WRAPPED_LEN)
    slot = RecoverySlot(
        salt=cur.take(kdf.SALT_LEN), nonce=cur.take(NONCE_LEN), ciphertext=cur.take(WRAPPED_LEN)
    )
    rec_nonce, rec_ct = cur.take(NONCE_LEN), cur.take(WRAPPED_LEN)
    payload_nonce = cur.take(PAYLOAD_NONCE_LEN)
    if cur.pos != len(body):
        raise BackupCorrupt("unexpected bytes in the header")
    return Header(
        version=version,
        vault_id=vault_id,
        created_at=created_at,
        seq=seq,
        app_version=app_version,
        schema_version=schema_version,
        kdf=params,
        pass_nonce=pass_nonce,
        pass_ct=pass_ct,
        vault_recovery=slot,
        rec_nonce=rec_nonce,
        rec_ct=rec_ct,
        payload_nonce=payload_nonce,
        signed=signed,
        mac=mac,
    )


# --- payload stream (age STREAM) -------------------------------------------------------


def chunk_nonce(counter: int, last: bool) -> bytes:
    if counter > COUNTER_MAX:
        raise BackupCorrupt("too many chunks")
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def stream_cipher(version: int) -> tuple[type[AESGCM] | type[ChaCha20Poly1305], int]:
    """(AEAD, plaintext bytes per chunk) of a format version's payload stream."""
    return (AESGCM, CHUNK) if version >= 4 else (ChaCha20Poly1305, CHUNK_V1)


class StreamWriter:
    """Encrypts a byte stream into chunks; `finish()` writes the final (flagged) chunk.

    Input is gathered in one fixed chunk-sized buffer and, in format 4, sealed with
    `encrypt_into` a second fixed buffer: no 1 MiB allocation per chunk, which cost
    more than AES-GCM itself. So `fh.write` must be done with the bytes when it returns,
    as file writes are. A full chunk is sealed only when more input arrives: only
    `finish` knows which chunk is the last."""

    def __init__(self, fh: BinaryIO, key: Secret, *, version: int | None = None) -> None:
        self._fh = fh
        version = FORMAT_VERSION if version is None else version
        cipher, self._chunk = stream_cipher(version)
        self._aead = cipher(key.reveal())
        self._into = version >= 4
        self._out = bytearray(self._chunk + TAG_LEN)
        self._buf = bytearray(self._chunk)
        self._fill = 0
        self._counter = 0
        self.plain_bytes = 0

    def write(self, data: bytes | memoryview) -> None:
        self.plain_bytes += len(data)
        view, pos, size = memoryview(data).cast("B"), 0, self._chunk
        buf = memoryview(self._buf)
        while pos < len(view):
            if self._fill == size:  # more follows, so the buffered chunk is not the last
                self._emit(buf, last=False)
                self._fill = 0
            n = min(size - self._fill, len(view) - pos)
            buf[self._fill : self._fill + n] = view[pos : pos + n]
            self._fill += n
            pos += n

    def _emit(self, chunk: bytes | memoryview, *, last: bool) -> None:
        nonce = chunk_nonce(self._counter, last)
        if self._into:
            out = memoryview(self._out)[: len(chunk) + TAG_LEN]
            self._aead.encrypt_into(nonce, chunk, None, out)
            self._fh.write(out)
        else:
            self._fh.write(self._aead.encrypt(nonce, chunk, None))
        self._counter += 1

    def finish(self) -> None:
        self._emit(memoryview(self._buf)[: self._fill], last=True)
        self._fill = 0


def iter_plaintext(
    fh: BinaryIO, key: Secret, *, version: int | None = None, reuse: bool = False
) -> Iterator[bytes | memoryview]:
    """Decrypt chunks from `fh` to its end. Raises BackupCorrupt on a bad tag, on a file
    that ends before a valid final chunk, and on any bytes after the final chunk.

    With `reuse` (format 4), each chunk is read and decrypted into fixed buffers and
    yielded as a view of them that the next step overwrites: the caller must be done
    with it (or copy it) before asking for the next one."""
    version = FORMAT_VERSION if version is None else version
    cipher, size = stream_cipher(version)
    aead = cipher(key.reveal())
    if reuse and version >= 4:
        yield from _iter_into(fh, aead, size)  # type: ignore[arg-type]
        return
    chunk_ct = size + TAG_LEN
    counter = 0
    current = fh.read(chunk_ct)
    while True:
        following = fh.read(chunk_ct) if len(current) == chunk_ct else b""
        last = not following
        _check_length(len(current), counter)
        try:
            plain = aead.decrypt(chunk_nonce(counter, last), current, None)
        except InvalidTag as exc:
            raise BackupCorrupt(f"chunk {counter} failed authentication") from exc
        if last and not plain and counter > 0:
            raise BackupCorrupt("empty final chunk")
        yield plain
        if last:
            return
        counter += 1
        current = following


def _check_length(length: int, counter: int) -> None:
    if length <= TAG_LEN and not (counter == 0 and length == TAG_LEN):
        raise BackupCorrupt("file ends before the final chunk")


def _read_full(fh: BinaryIO, buf: bytearray) -> int:
    view, got = memoryview(buf), 0
    while got < len(buf):
        n = fh.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            break
        got += n
    return got


def _iter_into(fh: BinaryIO, aead: AESGCM, size: int) -> Iterator[memoryview]:
    """iter_plaintext's loop without an allocation per chunk (two ciphertext buffers:
    the one being decrypted and the one read ahead to know whether it is the last)."""
    current, following = bytearray(size + TAG_LEN), bytearray(size + TAG_LEN)
    plain = memoryview(bytearray(size))
    counter, n_current = 0, _read_full(fh, current)
    while True:
        n_following = _read_full(fh, following) if n_current == len(current) else 0
        last = n_following == 0
        _check_length(n_current, counter)
        out = plain[: n_current - TAG_LEN]
        try:
            aead.decrypt_into(
                chunk_nonce(counter, last), memoryview(current)[:n_current], None, out
            )
        except InvalidTag as exc:
            raise BackupCorrupt(f"chunk {counter} failed authentication") from exc
        if last and not len(out) and counter > 0:
            raise BackupCorrupt("empty final chunk")
        yield out
        if last:
            return
        counter += 1
        current, following, n_current = following, current, n_following
