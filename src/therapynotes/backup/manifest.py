"""The payload plaintext: u32 manifest length ‖ manifest JSON ‖ SQLCipher snapshot.

The manifest carries what restoring needs and what verification checks: the DEK that
opens the snapshot, the snapshot's length (and, in format 1 files only, its SHA-256:
format 2 relies on the chunk tags, which already authenticate every byte), the schema
version and row counts per table, and (since issue 12) the audit log's head in the
snapshot, so a later `audit verify --backup` can prove the live log still extends it. Files without
`audit_head` stay readable: the field is then None. It only ever exists inside the
encrypted payload.

Two data keys (issue 17): the snapshot bytes are vault.db's copy followed by
clinical.db's (`clinical.length` bytes, 0 or absent in older files), the manifest's
`dek` is the root key R the key slots wrap, and `data_keys` (absent in older files,
whose one key opened the one file) the shared ‖ clinical keys that open the two copies.

Must not import PySide6, services or store.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

from therapynotes.backup.errors import BackupCorrupt

KEY_LEN = 32
DATA_KEYS_LEN = 64
MANIFEST_MAX = 1024 * 1024


@dataclass(frozen=True)
class Manifest:
    format: int
    vault_id: str
    created_at: int
    schema_version: int
    dek: bytes
    snapshot_length: int
    # Format 1 only; None in format 2 files (docs/backup-format.md, "Payload plaintext").
    snapshot_sha256: str | None
    counts: dict[str, int]
    # (seq, hash) of the snapshot's last audit row; (0, 64 zeros) for an empty log;
    # None in files written before the field existed.
    audit_head: tuple[int, str] | None = None
    # Issue 17: how many of the snapshot's bytes are clinical.db's (at the end), and
    # the two data keys. 0 and None in files written before.
    clinical_length: int = 0
    data_keys: bytes | None = None

    @property
    def open_keys(self) -> bytes:
        """What opens the snapshot: both data keys, or the one key of an older file."""
        return self.data_keys if self.data_keys is not None else self.dek

    @property
    def main_length(self) -> int:
        return self.snapshot_length - self.clinical_length

    def encode(self) -> bytes:
        snap: dict[str, Any] = {"length": self.snapshot_length}
        if self.snapshot_sha256 is not None:
            snap["sha256"] = self.snapshot_sha256
        doc = {
            "format": self.format,
            "vault_id": self.vault_id,
            "created_at": self.created_at,
            "schema_version": self.schema_version,
            "dek": self.dek.hex(),
            "snapshot": snap,
            "counts": self.counts,
        }
        if self.audit_head is not None:
            doc["audit_head"] = {"seq": self.audit_head[0], "hash": self.audit_head[1]}
        if self.data_keys is not None:
            doc["data_keys"] = self.data_keys.hex()
            doc["clinical"] = {"length": self.clinical_length}
        raw = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("ascii")
        return struct.pack(">I", len(raw)) + raw


def _typed(obj: Any, name: str, kind: type) -> Any:
    if not isinstance(obj, dict) or name not in obj or type(obj[name]) is not kind:
        raise BackupCorrupt("manifest field missing")
    return obj[name]


def _audit_head(doc: Any) -> tuple[int, str] | None:
    if not isinstance(doc, dict) or "audit_head" not in doc:
        return None
    head = _typed(doc, "audit_head", dict)
    seq, digest = _typed(head, "seq", int), _typed(head, "hash", str)
    if seq < 0 or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise BackupCorrupt("manifest audit head out of range")
    return seq, digest


def decode_manifest(raw: bytes) -> Manifest:
    try:
        doc = json.loads(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BackupCorrupt("manifest unreadable") from exc
    snap = _typed(doc, "snapshot", dict)
    counts = _typed(doc, "counts", dict)
    if not all(type(k) is str and type(v) is int and v >= 0 for k, v in counts.items()):
        raise BackupCorrupt("manifest counts unreadable")
    dek_hex = _typed(doc, "dek", str)
    sha = _typed(snap, "sha256", str) if "sha256" in snap else None
    length = _typed(snap, "length", int)
    try:
        dek = bytes.fromhex(dek_hex)
    except ValueError as exc:
        raise BackupCorrupt("manifest key unreadable") from exc
    if len(dek) != KEY_LEN or (sha is not None and len(sha) != 64) or length < 0:
        raise BackupCorrupt("manifest fields out of range")
    data_keys: bytes | None = None
    clinical_length = 0
    if isinstance(doc, dict) and "data_keys" in doc:
        try:
            data_keys = bytes.fromhex(_typed(doc, "data_keys", str))
        except ValueError as exc:
            raise BackupCorrupt("manifest key unreadable") from exc
        clinical_length = _typed(_typed(doc, "clinical", dict), "length", int)
        if len(data_keys) != DATA_KEYS_LEN or not 0 <= clinical_length <= length:
            raise BackupCorrupt("manifest fields out of range")
    return Manifest(
        data_keys=data_keys,
        clinical_length=clinical_length,
        audit_head=_audit_head(doc),
        format=_typed(doc, "format", int),
        vault_id=_typed(doc, "vault_id", str),
        created_at=_typed(doc, "created_at", int),
        schema_version=_typed(doc, "schema_version", int),
        dek=dek,
        snapshot_length=length,
        snapshot_sha256=sha,
        counts=dict(counts),
    )


class PayloadParser:
    """Splits decrypted chunks into the manifest and the snapshot bytes, bounded."""

    def __init__(self) -> None:
        self._pending = bytearray()
        self.manifest: Manifest | None = None
        self.snapshot_seen = 0

    def feed(self, plain: bytes | memoryview) -> bytes | memoryview:
        """Return the snapshot bytes contained in `plain` (after the manifest): `plain`
        itself once the manifest is read, so a view stays a view (no copy)."""
        if self.manifest is not None:
            self.snapshot_seen += len(plain)
            if self.snapshot_seen > self.manifest.snapshot_length:
                raise BackupCorrupt("payload longer than its manifest says")
            return plain
        self._pending += plain
        if len(self._pending) < 4:
            return b""
        (length,) = struct.unpack(">I", self._pending[:4])
        if length > MANIFEST_MAX:
            raise BackupCorrupt("manifest too large")
        if len(self._pending) < 4 + length:
            return b""
        self.manifest = decode_manifest(bytes(self._pending[4 : 4 + length]))
        rest = bytes(self._pending[4 + length :])
        self._pending.clear()
        return self.feed(rest) if rest else b""

    def finish(self) -> Manifest:
        if self.manifest is None:
            raise BackupCorrupt("payload ends before its manifest")
        if self.snapshot_seen != self.manifest.snapshot_length:
            raise BackupCorrupt("payload shorter than its manifest says")
        return self.manifest
