"""Writing one `.tnbackup` file durably, then proving it restores.

Order: snapshot (keyed, in a private temp folder inside the vault folder) →
the page check on a second thread (page_tags.py: the HMAC of the pages changed since the
last verified backup, or the full cipher_integrity_check on its schedule), while row
counts and the schema version go into the manifest → encrypt (format 4: AES-256-GCM,
1 MiB chunks) into a hidden `.NAME.xxxx.partial` in the target folder, straight to the
drive past the page cache where it can (sink.py) → fsync file → read
it back from the drive (reader.decrypt_snapshot drops it from the page cache and reads
it with O_DIRECT where it can): every chunk authenticates, the
final flag is there, the manifest is the one written and the snapshot has its length →
wait for the page check → rename → fsync folder → keep the snapshot's segment tags
for the next run's incremental check. (docs/backup-format.md,
"Verification", says why checking the snapshot before encryption proves the same as
checking a decrypted copy after, and why formats 2-4 need no SHA-256 of the snapshot.)
A crash, a cancel or a failing drive at any point leaves either no new file or only a
hidden temp file that `list` never shows; earlier backups are never opened for writing.

Progress phases, in order: snapshot, check (counts), encrypt, fsync, verify, check
(waiting for the page check); bench/backup_bench.py times each.

Must not import PySide6 or services.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, cast

from therapynotes.atomic import TEMP_SUFFIX, fsync_dir, temp_name_for
from therapynotes.backup import format as fmt
from therapynotes.backup import page_tags, reader, sink, snapshot
from therapynotes.backup.errors import (
    BackupCancelled,
    BackupCorrupt,
    BackupDriveMissing,
    BackupError,
    from_os_error,
)
from therapynotes.backup.manifest import Manifest
from therapynotes.backup.snapshot import Cancel, Progress
from therapynotes.errors import StorageError
from therapynotes.paths import PRIVATE_FILE_MODE
from therapynotes.security.kdf import KdfParams
from therapynotes.security.keyslots import RecoverySlot
from therapynotes.security.secret import Secret

SUFFIX = ".tnbackup"
NAME_RE = re.compile(r"^therapynotes-(\d{8}T\d{6}Z)-(\d{6,})\.tnbackup$")
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
READ_BLOCK = 1024 * 1024
STALE_TEMP_SECONDS = 3600.0


def file_name(created_at: int, seq: int) -> str:
    stamp = datetime.fromtimestamp(created_at, UTC).strftime(STAMP_FORMAT)
    return f"therapynotes-{stamp}-{seq:06d}{SUFFIX}"


def parse_name(name: str) -> tuple[datetime, int] | None:
    """(UTC time, sequence) for a name we write; None for anything else."""
    match = NAME_RE.match(name)
    if not match:
        return None
    when = datetime.strptime(match.group(1), STAMP_FORMAT).replace(tzinfo=UTC)
    return when, int(match.group(2))


@dataclass(frozen=True)
class Source:
    """What writing a backup needs from an unlocked vault."""

    vault_db: Path
    dek: Secret
    kek_backup: Secret
    kdf: KdfParams
    vault_id: str
    vault_recovery: RecoverySlot
    vault_root: Path
    app_version: str
    # Issue 17: shared ‖ clinical keys (vault.db and clinical.db); None: `dek` opens the
    # one database file of a vault from before the split.
    data_keys: Secret | None = None

    @property
    def open_keys(self) -> Secret:
        return self.data_keys if self.data_keys is not None else self.dek


@dataclass(frozen=True)
class Written:
    path: Path
    size: int
    manifest: Manifest
    page_check: page_tags.CheckReport | None = None  # which page check ran, and why


def _snapshot_files(src: Source, db: Path) -> list[Path]:
    """The snapshot's files, in payload order: vault.db's copy, then clinical.db's."""
    return [db, snapshot.clinical_path(db)] if src.data_keys is not None else [db]


def _manifest(src: Source, db: Path, created_at: int) -> Manifest:
    """No hash of the snapshot (formats 2 and 3): the encryption's chunk tags bind every
    byte the read-back decrypts to the bytes encrypted, which are the bytes of the
    snapshot files that the page check reads (docs/backup-format.md, "Verification after
    writing")."""
    counts, schema, head = snapshot.contents(db, src.open_keys)
    files = _snapshot_files(src, db)
    return Manifest(
        data_keys=None if src.data_keys is None else src.data_keys.reveal(),
        clinical_length=files[1].stat().st_size if len(files) > 1 else 0,
        format=fmt.FORMAT_VERSION,
        vault_id=src.vault_id,
        created_at=created_at,
        schema_version=schema,
        dek=src.dek.reveal(),
        snapshot_length=sum(path.stat().st_size for path in files),
        snapshot_sha256=None,
        counts=counts,
        audit_head=head,
    )


def _encrypt_to(
    fd: int,
    header: bytes,
    key: Secret,
    manifest: Manifest,
    db: Path,
    *,
    digests: page_tags.SegmentDigests,
    progress: Progress,
    cancel: Cancel,
) -> None:
    files = [db, snapshot.clinical_path(db)] if manifest.data_keys is not None else [db]
    with open(fd, "wb", closefd=True) as out:
        drive = sink.open_sink(out, manifest.snapshot_length)
        try:
            drive.write(header)
            stream = fmt.StreamWriter(cast(BinaryIO, drive), key)
            stream.write(manifest.encode())
            block = bytearray(READ_BLOCK)
            for index, path in enumerate(files):
                with open(path, "rb", buffering=0) as snap:
                    while got := snap.readinto(block):
                        if cancel():
                            raise BackupCancelled
                        stream.write(memoryview(block)[:got])
                        digests.add(index, memoryview(block)[:got])
                        progress("encrypt", stream.plain_bytes, manifest.snapshot_length)
            stream.finish()
            progress("fsync", 0, 1)
            drive.close_durably()
        except BaseException:
            drive.abandon()
            raise


class _PageCheck:
    """One run's page check (page_tags.py). Where the schedule calls for the full check,
    `cipher_integrity_check` (C code, without the GIL) runs on the pool's thread beside
    counting, encrypting and reading back. Otherwise the incremental check runs on the
    pool's thread right after encrypting, beside the read-back, from the segment digests
    gathered while encrypting (no second read of the snapshot; its HMACs release the GIL,
    hashlib does for a 4 KiB page). Either way the pool's thread then deletes the
    snapshot, and the file is renamed into place only after the check passed."""

    def __init__(
        self,
        src: Source,
        files: list[Path],
        pool: ThreadPoolExecutor,
        *,
        now: int,
        force_full: bool,
    ) -> None:
        self.files, self.pool, self.now, self.keys = files, pool, now, src.open_keys
        self.previous = page_tags.load(src.vault_root, src.dek, src.vault_id)
        self.reason = page_tags.plan(files, self.previous, now=now, force_full=force_full)
        self.digests = page_tags.SegmentDigests(len(files))
        self._full = pool.submit(snapshot.page_check, files[0], self.keys) if self.reason else None
        self._done: Future[page_tags.CheckReport] | None = None

    def encrypted(self) -> None:
        """The snapshot is encrypted and its segment digests are in `digests`."""
        if self._full is None:
            self._done = self.pool.submit(
                page_tags.check,
                self.files,
                self.keys,
                self.previous,
                now=self.now,
                full_check=snapshot.page_check,
                digests=self.digests.digests,
            )
        else:
            self._done = self.pool.submit(self._after_full, self._full)
        self.pool.submit(_discard, self.files)

    def _after_full(self, full: Future[None]) -> page_tags.CheckReport:
        full.result()
        return page_tags.full_report(self.files, self.reason, self.digests.digests, self.now)

    def result(self) -> page_tags.CheckReport:
        if self._done is None:
            raise BackupCorrupt("the page check did not run")
        return self._done.result()


def _discard(files: list[Path]) -> None:
    """Delete the scratch snapshot (and any -wal/-shm beside it); the scratch folder
    itself goes when the run ends. Freeing hundreds of MiB takes a file system some
    time, which this way overlaps the read-back."""
    for path in files:
        for side in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                os.unlink(f"{path}{side}")


def _target_ready(target_dir: Path) -> None:
    if not target_dir.is_dir():
        raise BackupDriveMissing


def clean_leftovers(vault_root: Path, target_dir: Path, *, now: float) -> None:
    """Remove what a killed run left: scratch folders in the vault folder (we hold the
    vault's instance lock, so none is in use) and our hidden temp files on the drive
    that are old enough not to belong to a run still going on another computer."""
    for path in vault_root.glob(f"{reader.SCRATCH_PREFIX}*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in vault_root.glob(f".{page_tags.TAGS_NAME}.*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            path.unlink()
    with contextlib.suppress(OSError):
        for path in target_dir.glob(".therapynotes-*" + SUFFIX + ".*" + TEMP_SUFFIX):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > STALE_TEMP_SECONDS:
                    path.unlink()


def write(
    src: Source,
    target_dir: Path,
    *,
    seq: int,
    created_at: int,
    progress: Progress,
    cancel: Cancel,
    full_page_check: bool = False,
) -> Written:
    """Write and fully verify one backup; raises a BackupError and leaves nothing behind.

    The page check is incremental where page_tags' schedule allows (the full
    `cipher_integrity_check` otherwise, or with `full_page_check`)."""
    _target_ready(target_dir)
    clean_leftovers(src.vault_root, target_dir, now=time.time())
    # The pool's exit waits for the page check, so the scratch copy outlives it.
    with reader.scratch_dir(src.vault_root) as work, ThreadPoolExecutor(1) as pool:
        db = work / "snapshot.db"
        try:
            snapshot.take(src.vault_db, db, src.open_keys, progress=progress, cancel=cancel)
            progress("check", 0, 1)
            pages = _PageCheck(
                src, _snapshot_files(src, db), pool, now=created_at, force_full=full_page_check
            )
            manifest = _manifest(src, db, created_at)
        except OSError as exc:
            raise StorageError(type(exc).__name__) from exc
        new = fmt.NewHeader(
            vault_id=src.vault_id,
            created_at=created_at,
            seq=seq,
            app_version=src.app_version,
            schema_version=manifest.schema_version,
            kdf=src.kdf,
            vault_recovery=src.vault_recovery,
        )
        file_key = Secret(os.urandom(fmt.KEY_LEN))
        try:
            final = target_dir / file_name(created_at, seq)
            report = _place(
                src,
                new,
                file_key=file_key,
                manifest=manifest,
                db=db,
                final=final,
                pages=pages,
                progress=progress,
                cancel=cancel,
            )
        finally:
            file_key.wipe()
    # The backup is in place: its snapshot's segment tags become the next run's baseline.
    page_tags.save(src.vault_root, src.dek, src.vault_id, report.tags)
    return Written(final, final.stat().st_size, manifest, report)


def _place(
    src: Source,
    new: fmt.NewHeader,
    *,
    file_key: Secret,
    manifest: Manifest,
    db: Path,
    final: Path,
    pages: _PageCheck,
    progress: Progress,
    cancel: Cancel,
) -> page_tags.CheckReport:
    header, payload_nonce = fmt.encode_header(
        new, file_key=file_key, kek_backup=src.kek_backup, dek=src.dek
    )
    key = fmt.payload_key(file_key, payload_nonce)
    tmp = temp_name_for(final)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        _encrypt_to(
            fd, header, key, manifest, db, digests=pages.digests, progress=progress, cancel=cancel
        )
        pages.encrypted()  # the incremental check starts beside the read-back
        # Verified before the rename, so a file bearing a backup name has always passed
        # full verification; the bytes read are the same inode the rename publishes.
        _verify_written(tmp, file_key, manifest, progress, cancel)
        progress("check", 0, 1)
        report = pages.result()  # raises BackupCorrupt when a page failed
        if cancel():
            raise BackupCancelled
        if final.exists():
            raise FileExistsError(17, "backup name taken")
        os.rename(tmp, final)
        fsync_dir(final.parent)
        return report
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if not final.parent.is_dir() and not isinstance(exc, BackupCancelled):
            raise BackupDriveMissing("the folder disappeared while writing") from exc
        if isinstance(exc, OSError):
            raise from_os_error(exc) from exc
        raise
    finally:
        key.wipe()


def _verify_written(
    path: Path, file_key: Secret, written: Manifest, progress: Progress, cancel: Cancel
) -> None:
    opened = reader.open_with_file_key(path, file_key)
    try:
        if reader.decrypt_snapshot(opened, None, progress=progress, cancel=cancel) != written:
            raise BackupCorrupt("the manifest read back differs from the one written")
    finally:
        opened.close()


__all__ = ["BackupError", "Source", "Written", "file_name", "parse_name", "write"]
