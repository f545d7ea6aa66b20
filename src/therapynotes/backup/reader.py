"""Opening, previewing, decrypting and fully verifying `.tnbackup` files.

A file is trusted only after: header checksum, key-slot AEAD, header HMAC, every chunk's
tag and the final-chunk flag, the manifest's snapshot length (and, in format 1 files, its
SHA-256), and SQLCipher's own page checks on the decrypted snapshot (which stays
SQLCipher-encrypted on disk).

Must not import PySide6 or services.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from therapynotes.backup import direct_read, snapshot
from therapynotes.backup import format as fmt
from therapynotes.backup.errors import (
    BackupCancelled,
    BackupCorrupt,
    BackupError,
    BackupNotFound,
    from_os_error,
)
from therapynotes.backup.manifest import Manifest, PayloadParser
from therapynotes.backup.snapshot import Cancel, Progress
from therapynotes.paths import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE
from therapynotes.security.secret import Secret

READ_BLOCK = 1024 * 1024
SCRATCH_PREFIX = ".backup-work-"
# Read payloads with O_DIRECT where the system allows it (direct_read.py); the bench
# turns it off to price reading from the cache.
DIRECT_READS = True


def _no_progress(_phase: str, _done: int, _total: int) -> None:
    return None


def _never() -> bool:
    return False


@contextlib.contextmanager
def _open_file(path: Path) -> Iterator[BinaryIO]:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the context manager below
    except FileNotFoundError as exc:
        raise BackupNotFound from exc
    except IsADirectoryError as exc:
        raise BackupNotFound("that is a folder") from exc
    except OSError as exc:
        raise from_os_error(exc) from exc
    try:
        yield fh
    except OSError as exc:
        raise from_os_error(exc) from exc
    finally:
        fh.close()


def _drop_cached(fh: BinaryIO) -> None:
    """Ask the kernel to forget the file's cached pages, so what follows reads what the
    drive holds: the writer's read-back right after its fsync would otherwise only see
    the bytes this process just wrote, and a drive that loses writes or lies about its
    size would pass. Clean pages only (a written file is fsynced first); Linux only,
    elsewhere the read may be served from the cache."""
    if hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError):
            os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


@contextlib.contextmanager
def _open_from_drive(path: Path) -> Iterator[BinaryIO]:
    """The file, opened so that reads come from the drive: with O_DIRECT where possible
    (direct_read.py; Linux direct reads are served by the device, never by the page
    cache, so nothing needs dropping first: that cost a quarter of a plain copy), else
    dropped from the page cache and read the ordinary way."""
    with _open_file(path) as fh:
        try:
            direct = direct_read.open_direct(path) if DIRECT_READS else None
        except OSError as exc:
            raise from_os_error(exc) from exc
        if direct is None:
            _drop_cached(fh)
            yield fh
            return
        with direct:
            yield direct


def read_header(path: Path) -> fmt.Header:
    """The unauthenticated header (for listing and retention: never for trust decisions
    beyond "this looks like one of ours")."""
    with _open_file(path) as fh:
        return fmt.read_header(fh)


@dataclass
class OpenedBackup:
    path: Path
    header: fmt.Header
    file_key: Secret

    def close(self) -> None:
        self.file_key.wipe()


def open_backup(
    path: Path, *, passphrase: str | None = None, recovery_key: Secret | None = None
) -> OpenedBackup:
    """Unwrap the file key with a passphrase or recovery key and authenticate the header."""
    header = read_header(path)
    if recovery_key is not None:
        file_key = header.open_with_recovery_key(recovery_key)
    elif passphrase is not None:
        file_key = header.open_with_passphrase(passphrase)
    else:
        raise ValueError("a passphrase or a recovery key is needed")
    header.verify_mac(file_key)
    return OpenedBackup(path, header, file_key)


def open_with_dek(path: Path, dek: Secret) -> OpenedBackup:
    """Open one of this vault's own backups with the data key of the unlocked vault."""
    header = read_header(path)
    file_key = header.open_with_dek(dek)
    header.verify_mac(file_key)
    return OpenedBackup(path, header, file_key)


def open_with_file_key(path: Path, file_key: Secret) -> OpenedBackup:
    """Re-open a file we just wrote (no KDF: the writer still holds its file key)."""
    header = read_header(path)
    header.verify_mac(file_key)
    return OpenedBackup(path, header, Secret(file_key.reveal()))


def _plaintext(opened: OpenedBackup, fh: BinaryIO) -> Iterator[bytes | memoryview]:
    """The decrypted chunks, each a view that the next one overwrites (see
    fmt.iter_plaintext): PayloadParser copies what it keeps, sinks write at once."""
    fh.seek(opened.header.size)
    key = fmt.payload_key(opened.file_key, opened.header.payload_nonce)
    try:
        yield from fmt.iter_plaintext(fh, key, version=opened.header.version, reuse=True)
    finally:
        key.wipe()


def read_manifest(opened: OpenedBackup) -> Manifest:
    """The manifest alone, from the first chunk(s): for a preview before restoring.

    Chunk tags authenticate it; the whole file is still verified before any restore."""
    parser = PayloadParser()
    with _open_file(opened.path) as fh:
        for plain in _plaintext(opened, fh):
            parser.feed(plain)
            if parser.manifest is not None:
                return _checked_manifest(opened, parser.manifest)
    raise BackupCorrupt("payload ends before its manifest")


def _checked_manifest(opened: OpenedBackup, manifest: Manifest) -> Manifest:
    header = opened.header
    if manifest.vault_id != header.vault_id or manifest.created_at != header.created_at:
        raise BackupCorrupt("manifest does not match the header")
    if manifest.schema_version != header.schema_version:
        raise BackupCorrupt("manifest does not match the header")
    if manifest.format != header.version:
        raise BackupCorrupt("manifest does not match the header")
    if header.version == 1 and manifest.snapshot_sha256 is None:
        raise BackupCorrupt("manifest field missing")
    return manifest


def decrypt_snapshot(
    opened: OpenedBackup,
    dest: Path | None,
    *,
    progress: Progress = _no_progress,
    cancel: Cancel = _never,
    durable: bool = True,
) -> Manifest:
    """Decrypt the whole payload; the snapshot (still SQLCipher-encrypted) goes to `dest`,
    created 0600 (fsynced unless `durable` is False, for a copy that is only checked and
    deleted), or nowhere when `dest` is None (the writer's read-back,
    which needs only the proof). Checks every chunk, the final flag, the length and (in
    format 1 files) the SHA-256, reading from the drive rather than the page cache (see
    _open_from_drive). Formats 2 and 3 have no hash: the chunk tags, keyed per file and
    bound to their position and to the final flag, already prove every byte is the one
    written."""
    parser = PayloadParser()
    digest = hashlib.sha256() if opened.header.version == 1 else None
    total = max(os.path.getsize(opened.path), 1)
    with contextlib.ExitStack() as stack:
        sink = _SnapshotSink(stack, dest)
        fh = stack.enter_context(_open_from_drive(opened.path))
        for plain in _plaintext(opened, fh):
            if cancel():
                raise BackupCancelled
            data = parser.feed(plain)
            if data:
                if digest is not None:
                    digest.update(data)
                sink.write(data, parser.manifest)
            progress("verify", fh.tell(), total)
        sink.finish(parser.manifest, durable=durable)
    manifest = _checked_manifest(opened, parser.finish())
    if digest is not None and digest.hexdigest() != manifest.snapshot_sha256:
        raise BackupCorrupt("snapshot checksum mismatch")
    return manifest


class _SnapshotSink:
    """Where the decrypted snapshot goes: vault.db's copy to `dest`, the clinical.db
    copy after it (issue 17: `manifest.clinical_length` bytes) to its clinical path."""

    def __init__(self, stack: contextlib.ExitStack[bool | None], dest: Path | None) -> None:
        self.stack, self.dest = stack, dest
        self.outs: list[BinaryIO] = []
        self.written = 0

    def _out(self, dest: Path, index: int) -> BinaryIO:
        while len(self.outs) <= index:
            path = dest if not self.outs else snapshot.clinical_path(dest)
            self.outs.append(self.stack.enter_context(_create(path)))
        return self.outs[index]

    def write(self, data: bytes | memoryview, manifest: Manifest | None) -> None:
        if self.dest is not None:
            split = max(0, (manifest.main_length if manifest else 0) - self.written)
            if data[:split]:
                self._out(self.dest, 0).write(data[:split])
            if data[split:]:
                self._out(self.dest, 1).write(data[split:])
        self.written += len(data)

    def finish(self, manifest: Manifest | None, *, durable: bool) -> None:
        if self.dest is not None and manifest is not None:
            self._out(self.dest, 1 if manifest.data_keys is not None else 0)
        for out in self.outs:
            out.flush()
            if durable:
                os.fsync(out.fileno())


def _create(path: Path) -> BinaryIO:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    return os.fdopen(fd, "wb")


@contextlib.contextmanager
def scratch_dir(parent: Path) -> Iterator[Path]:
    """A private (0700) temp folder inside `parent` (the vault folder), always removed."""
    parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    path = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=parent))
    os.chmod(path, PRIVATE_DIR_MODE)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def verify(
    opened: OpenedBackup,
    scratch_parent: Path,
    *,
    progress: Progress = _no_progress,
    cancel: Cancel = _never,
    structure: bool = True,
) -> Manifest:
    """Full verification; the decrypted snapshot lives in a private temp folder inside
    `scratch_parent` only while it is checked (every chunk, the SHA-256,
    cipher_integrity_check, SQLite's integrity_check unless `structure` is False, and
    the row counts)."""
    with scratch_dir(scratch_parent) as work:
        db = work / "verify.db"
        manifest = decrypt_snapshot(opened, db, progress=progress, cancel=cancel, durable=False)
        dek = Secret(manifest.open_keys)
        try:
            snapshot.check(db, dek, manifest.counts, structure=structure)
        finally:
            dek.wipe()
    return manifest


def verify_file(
    path: Path,
    scratch_parent: Path,
    *,
    passphrase: str | None = None,
    recovery_key: Secret | None = None,
) -> tuple[fmt.Header, Manifest]:
    opened = open_backup(path, passphrase=passphrase, recovery_key=recovery_key)
    try:
        return opened.header, verify(opened, scratch_parent)
    finally:
        opened.close()


__all__ = ["BackupError", "OpenedBackup", "open_backup", "read_manifest", "verify"]
