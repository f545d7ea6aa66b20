"""Which old backups to delete, restic `forget` style: keep-last/-daily/-weekly/-monthly.

Runs only after a new backup has been written and verified. It never deletes the newest
verified backup, nor any file newer than it, nor a file we did not write: a candidate
must have our exact name pattern AND a header (checksum-valid) naming this vault.

Must not import PySide6 or services.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from therapynotes.atomic import fsync_dir
from therapynotes.backup import reader, writer
from therapynotes.backup.errors import BackupError


@dataclass(frozen=True)
class RetentionPolicy:
    keep_last: int = 3
    keep_daily: int = 7
    keep_weekly: int = 4
    keep_monthly: int = 12


@dataclass(frozen=True)
class Candidate:
    path: Path
    when: datetime
    seq: int


def _bucket_keys() -> dict[str, Callable[[datetime], object]]:
    return {
        "daily": lambda d: d.date(),
        "weekly": lambda d: d.isocalendar()[:2],
        "monthly": lambda d: (d.year, d.month),
    }


def select_keep(candidates: Iterable[Candidate], policy: RetentionPolicy) -> set[Path]:
    """The paths a restic-style policy keeps (newest first in every bucket)."""
    ordered = sorted(candidates, key=lambda c: (c.when, c.seq), reverse=True)
    keep = {c.path for c in ordered[: max(policy.keep_last, 0)]}
    limits = {
        "daily": policy.keep_daily,
        "weekly": policy.keep_weekly,
        "monthly": policy.keep_monthly,
    }
    for name, key in _bucket_keys().items():
        seen: set[object] = set()
        for cand in ordered:
            if len(seen) >= limits[name]:
                break
            bucket = key(cand.when)
            if bucket not in seen:
                seen.add(bucket)
                keep.add(cand.path)
    return keep


def ours(folder: Path, vault_id: str) -> list[Candidate]:
    """Files in `folder` this app wrote for this vault (name pattern AND header)."""
    found = []
    for path in sorted(folder.iterdir()):
        parsed = writer.parse_name(path.name)
        if parsed is None or not path.is_file() or path.is_symlink():
            continue
        try:
            header = reader.read_header(path)
        except BackupError:
            continue  # unreadable or foreign: never ours to delete
        if header.vault_id == vault_id:
            found.append(Candidate(path, parsed[0], parsed[1]))
    return found


def plan(folder: Path, vault_id: str, newest_verified: Path, policy: RetentionPolicy) -> list[Path]:
    """Files to delete; empty unless `newest_verified` is among our files here."""
    candidates = ours(folder, vault_id)
    newest = next((c for c in candidates if c.path == newest_verified), None)
    if newest is None:
        return []
    keep = select_keep(candidates, policy) | {newest.path}
    return [
        c.path
        for c in candidates
        if c.path not in keep and (c.when, c.seq) < (newest.when, newest.seq)
    ]


def apply(paths: list[Path]) -> list[Path]:
    """Delete `paths`; returns those actually deleted (a failing drive just keeps more)."""
    deleted = []
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)
            deleted.append(path)
    if deleted:
        with contextlib.suppress(OSError):
            fsync_dir(deleted[0].parent)
    return deleted
