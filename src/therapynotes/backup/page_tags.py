"""The incremental page check (issue 18): SQLCipher's HMAC of only the pages that changed
since the last verified backup, and the full `cipher_integrity_check` on a schedule.

Every backup used to run `cipher_integrity_check` over the whole snapshot (an
HMAC-SHA512 of every page: 3-4 times a plain copy of the vault on its own). Now:

- The snapshot's files are cut into 64 KiB segments (16 pages) and each segment gets an
  XXH3-64 digest (about 22 GiB/s here, against 6.8 for CRC-32), taken while the writer
  encrypts those bytes. The digests of the last verified backup's snapshot are kept
  in the vault folder (`backup-pages`, sealed with AES-256-GCM under a key derived
  from the vault's root key, bound to the vault id).
- A segment whose digest differs from the kept one (or that is new) has each of its
  pages' SQLCipher HMAC-SHA512 checked here, in Python, exactly as SQLCipher 4 does it
  with its default settings (`page_hmac_ok`). A segment whose digest is the kept one
  holds, byte for byte (up to an XXH3-64 collision: damage is missed with odds of about
  1 in 2^64 per segment), pages that passed a full or an incremental check before.
- The full `cipher_integrity_check` runs instead when there is no usable tag file (first
  backup, another key, a rotated or restored vault: anything that does not open or does
  not match), when the last full check is a day old or more, on every
  FULL_EVERY_RUNS-th backup, when more than a quarter of the segments changed, and
  whenever the incremental check finds a bad page (SQLCipher then has the last word).

So a byte flipped on the disk in a page that changed since the last backup fails that
page's HMAC, and one flipped in a page that did not change fails its segment's digest,
which sends the segment's pages to the HMAC check: either way the backup fails before
its file is renamed into place. What the incremental check does not promise: catching a
deliberate edit crafted to keep a segment's digest (XXH3 is not a MAC, and its digests
are sealed but its function is public); the full check (first backup of each day,
`backup verify`, every restore) catches those.

Must not import PySide6, services or store.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import struct
import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xxhash
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from therapynotes.atomic import temp_name_for
from therapynotes.paths import PRIVATE_FILE_MODE
from therapynotes.security import kdf
from therapynotes.security.secret import Secret

TAGS_NAME = "backup-pages"
SEGMENT = 64 * 1024
READ_BLOCK = 1024 * 1024
PAGE = 4096  # SQLCipher 4's default page size, which the vault uses
SALT_LEN = 16  # page 1 starts with the file's KDF salt
HMAC_LEN = 64  # HMAC-SHA512 at the end of every page, after the 16-byte IV
HMAC_SALT_MASK = 0x3A  # SQLCipher: hmac salt = kdf salt XOR 0x3a
FAST_KDF_ITER = 2  # SQLCipher: PBKDF2-HMAC-SHA512 iterations for the HMAC key
FULL_EVERY_SECONDS = 86_400
FULL_EVERY_RUNS = 10
FULL_ABOVE_CHANGED = 0.25

MAGIC = b"TNPAGES2"  # 1: CRC-32 digests (never released)
INFO = b"therapynotes/backup-page-tags/v1"
NONCE_LEN = 12
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_HEAD = struct.Struct(">QIB")  # last full check (unix s), backups since, files
_FILE = struct.Struct(">16sII")  # salt, page size, segments (then u64 digests)


@dataclass(frozen=True)
class FileTags:
    salt: bytes  # the file's first 16 bytes (its SQLCipher salt): another key, another file
    digests: array[int]


@dataclass(frozen=True)
class Tags:
    """The segment digests of the last verified snapshot, and when the full check last ran."""

    files: tuple[FileTags, ...]
    full_at: int
    since_full: int


@dataclass(frozen=True)
class CheckReport:
    full: bool  # cipher_integrity_check ran (why: `reason`)
    reason: str
    segments_changed: int
    pages_checked: int  # pages whose HMAC was checked (all of them in a full check)
    tags: Tags  # what to keep once the backup holding this snapshot is in place


def _digest(segment: memoryview) -> int:
    return int(xxhash.xxh3_64_intdigest(segment))


def segment_digests(path: Path) -> array[int]:
    """The XXH3-64 digest of each 64 KiB of the file (the last one may be shorter)."""
    out: array[int] = array("Q")
    block = bytearray(READ_BLOCK)
    view = memoryview(block)
    with open(path, "rb", buffering=0) as fh:
        while got := fh.readinto(block):
            out.extend(_digest(view[i : min(i + SEGMENT, got)]) for i in range(0, got, SEGMENT))
    return out


def hmac_key(key: bytes, salt: bytes) -> bytes:
    """SQLCipher 4's page HMAC key for a raw 32-byte key and the file's salt."""
    masked = bytes(b ^ HMAC_SALT_MASK for b in salt)
    return hashlib.pbkdf2_hmac("sha512", key, masked, FAST_KDF_ITER, len(key))


def page_hmac_ok(mac_key: bytes, page: bytes | memoryview, pgno: int) -> bool:
    """Whether a SQLCipher 4 page (default settings: 4,096 bytes, reserve = 16-byte IV +
    64-byte HMAC-SHA512) carries the HMAC of its ciphertext, IV and page number (4 bytes,
    little-endian). Page 1's first 16 bytes are the salt, outside the HMAC."""
    if len(page) != PAGE:
        return False
    start = SALT_LEN if pgno == 1 else 0
    mac = hmac.new(mac_key, page[start : PAGE - HMAC_LEN], hashlib.sha512)
    mac.update(struct.pack("<I", pgno))
    return hmac.compare_digest(mac.digest(), page[PAGE - HMAC_LEN :])


def bad_pages(path: Path, key: bytes, segments: list[int]) -> list[int]:
    """Page numbers (1-based) in the given segments whose HMAC does not hold."""
    bad: list[int] = []
    per = SEGMENT // PAGE
    with open(path, "rb", buffering=0) as fh:
        salt = fh.read(SALT_LEN)
        mac_key = hmac_key(key, salt)
        for seg in segments:
            fh.seek(seg * SEGMENT)
            data = fh.read(SEGMENT)
            view = memoryview(data)
            for i in range(0, len(data), PAGE):
                pgno = seg * per + i // PAGE + 1
                if not page_hmac_ok(mac_key, view[i : i + PAGE], pgno):
                    bad.append(pgno)
    return bad


def _salt(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(SALT_LEN)


def _why_full(
    previous: Tags | None, files: list[Path], salts: list[bytes], now: int, force: bool
) -> str:
    """Why this run takes the full check ("" when the incremental one may run)."""
    if previous is None:
        return "asked for" if force else "no earlier verified backup's page tags"
    other = len(previous.files) != len(files) or any(
        old.salt != salt for old, salt in zip(previous.files, salts, strict=True)
    )
    reasons = (
        (force, "asked for"),
        (other, "another database or key"),
        (any(path.stat().st_size % PAGE for path in files), "unexpected page layout"),
        (
            not 0 <= now - previous.full_at < FULL_EVERY_SECONDS,
            "a day since the last full check",
        ),
        (previous.since_full + 1 >= FULL_EVERY_RUNS, f"every {FULL_EVERY_RUNS}th backup"),
    )
    return next((why for hit, why in reasons if hit), "")


def plan(files: list[Path], previous: Tags | None, *, now: int, force_full: bool) -> str:
    """Why this run takes the full check, known before any page is read ("" when the
    incremental one may run; it may still turn to the full one, see `check`)."""
    return _why_full(previous, files, [_salt(path) for path in files], now, force_full)


class SegmentDigests:
    """Segment digests gathered while the writer encrypts the snapshot (its 1 MiB reads
    of each file start at offset 0, so every block but a file's last is whole segments):
    the incremental check then reads only the segments that changed."""

    def __init__(self, files: int) -> None:
        self.digests: list[array[int]] = [array("Q") for _ in range(files)]

    def add(self, index: int, block: memoryview) -> None:
        n = len(block)
        self.digests[index].extend(
            _digest(block[i : min(i + SEGMENT, n)]) for i in range(0, n, SEGMENT)
        )


def full_report(files: list[Path], reason: str, digests: list[array[int]], now: int) -> CheckReport:
    """The report of a full check that passed, with the tags to keep."""
    fresh = tuple(FileTags(_salt(p), c) for p, c in zip(files, digests, strict=True))
    pages = sum(path.stat().st_size // PAGE for path in files)
    return CheckReport(True, reason, 0, pages, Tags(fresh, now, 0))


def check(
    files: list[Path],
    keys: Secret,
    previous: Tags | None,
    *,
    now: int,
    force_full: bool = False,
    full_check: Callable[[Path, Secret], None],
    digests: list[array[int]] | None = None,
) -> CheckReport:
    """Check the snapshot `files` (vault.db's copy, then clinical.db's) opened by `keys`
    (32 bytes per file), incrementally against `previous` where the schedule allows.
    `full_check(files[0], keys)` is the full check (snapshot.page_check); `digests` the
    files' segment digests when already computed (else they are read here). Raises
    BackupCorrupt when a page fails."""
    raw = keys.reveal()
    per_file = [raw[i * 32 : (i + 1) * 32] for i in range(len(files))]
    digests = digests if digests is not None else [segment_digests(path) for path in files]
    salts = [_salt(path) for path in files]
    fresh = tuple(FileTags(salt, digest) for salt, digest in zip(salts, digests, strict=True))
    total = sum(len(c) for c in digests)
    reason = _why_full(previous, files, salts, now, force_full)
    changed: list[list[int]] = []
    if not reason and previous is not None:
        changed = [
            [i for i, digest in enumerate(new) if i >= len(old.digests) or old.digests[i] != digest]
            for new, old in zip(digests, previous.files, strict=True)
        ]
        if sum(map(len, changed)) > FULL_ABOVE_CHANGED * total:
            reason = "more than a quarter of the file changed"
    n_changed = sum(map(len, changed))
    if not reason and previous is not None:
        pages = sum(
            -(-min(SEGMENT, path.stat().st_size - seg * SEGMENT) // PAGE)
            for path, segs in zip(files, changed, strict=True)
            for seg in segs
        )
        if not any(
            bad_pages(path, key, segs)
            for path, key, segs in zip(files, per_file, changed, strict=True)
            if segs
        ):
            tags = Tags(fresh, previous.full_at, previous.since_full + 1)
            return CheckReport(False, "incremental", n_changed, pages, tags)
        reason = "a changed page failed its check"
    full_check(files[0], keys)  # raises BackupCorrupt on any bad page
    report = full_report(files, reason, digests, now)
    return CheckReport(True, reason, n_changed, report.pages_checked, report.tags)


# --- the tag file -------------------------------------------------------------------


def _key(root_key: Secret) -> bytes:
    derived = kdf.hkdf(root_key.reveal(), info=INFO)
    try:
        return derived.reveal()
    finally:
        derived.wipe()


def _ad(vault_id: str) -> bytes:
    return b"therapynotes/backup-pages/v1;vault=" + vault_id.encode()


def encode(tags: Tags) -> bytes:
    parts = [_HEAD.pack(tags.full_at, tags.since_full, len(tags.files))]
    for f in tags.files:
        digests = array("Q", f.digests)
        if sys.byteorder != "big":
            digests.byteswap()
        parts += [_FILE.pack(f.salt, PAGE, len(digests)), digests.tobytes()]
    return b"".join(parts)


def decode(raw: bytes) -> Tags:
    full_at, since, n = _HEAD.unpack_from(raw)
    pos, files = _HEAD.size, []
    for _ in range(n):
        salt, page, count = _FILE.unpack_from(raw, pos)
        pos += _FILE.size
        if page != PAGE or pos + 8 * count > len(raw):
            raise ValueError("page tags out of range")
        digests = array("Q", raw[pos : pos + 8 * count])
        if sys.byteorder != "big":
            digests.byteswap()
        files.append(FileTags(salt, digests))
        pos += 8 * count
    if pos != len(raw):
        raise ValueError("page tags out of range")
    return Tags(tuple(files), full_at, since)


def load(vault_root: Path, root_key: Secret, vault_id: str) -> Tags | None:
    """The kept tags, or None when there are none or they do not open (then the full
    check runs: nothing here can make a check weaker than that)."""
    try:
        data = (vault_root / TAGS_NAME).read_bytes()
        if data[: len(MAGIC)] != MAGIC:
            return None
        nonce = data[len(MAGIC) : len(MAGIC) + NONCE_LEN]
        plain = AESGCM(_key(root_key)).decrypt(nonce, data[len(MAGIC) + NONCE_LEN :], _ad(vault_id))
        return decode(plain)
    except (OSError, InvalidTag, ValueError, struct.error):
        return None


def save(vault_root: Path, root_key: Secret, vault_id: str, tags: Tags) -> None:
    """Keep the tags of a snapshot whose backup is in place: a private (0600) temp file
    renamed over the old one. Not fsynced: after a power cut the file may be missing or
    unreadable, and then the next backup runs the full check, which is all that failing
    to keep them ever means."""
    nonce = os.urandom(NONCE_LEN)
    sealed = AESGCM(_key(root_key)).encrypt(nonce, encode(tags), _ad(vault_id))
    target = vault_root / TAGS_NAME
    tmp = temp_name_for(target)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, PRIVATE_FILE_MODE)
        with open(fd, "wb") as out:
            out.write(MAGIC + nonce + sealed)
        os.replace(tmp, target)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def forget(vault_root: Path) -> None:
    with contextlib.suppress(OSError):
        (vault_root / TAGS_NAME).unlink()


__all__ = ["CheckReport", "Tags", "check", "load", "save"]
