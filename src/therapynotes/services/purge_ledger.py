"""Backups that keep pace with a purge (issue 16).

A backup written before a purge still holds the destroyed record. So each purge adds
its time (UTC, nothing else: no client, no count) to `purges.txt` in the vault folder,
and a backup of this vault created before the newest purge "contains purged" records.
`backup list` marks those without an unlock; `forget_plan` picks which of them may be
deleted now: all of them once a backup written after the purge has been verified (every
backup file is read back and verified before it gets its name), otherwise all but the
newest, so the practice is never left without a verified backup.

Must not import PySide6.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from therapynotes.atomic import atomic_write_bytes
from therapynotes.backup.retention import Candidate, RetentionPolicy, select_keep
from therapynotes.errors import StorageError
from therapynotes.services.backups import Listing

LEDGER_NAME = "purges.txt"


def ledger_path(root: Path) -> Path:
    return root / LEDGER_NAME


def record_purge(root: Path, when: datetime) -> None:
    """Append the purge's time (atomically; 0600)."""
    path = ledger_path(root)
    try:
        old = path.read_bytes() if path.exists() else b""
    except OSError as exc:
        raise StorageError(type(exc).__name__) from exc
    stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    atomic_write_bytes(path, old + stamp.encode() + b"\n")


def last_purge(root: Path) -> datetime | None:
    try:
        lines = ledger_path(root).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return None
    times = []
    for line in lines:
        try:
            times.append(datetime.strptime(line, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC))
        except ValueError:
            continue
    return max(times, default=None)


def holds_purged(item: Listing, last: datetime | None, vault_id: str) -> bool:
    return (
        last is not None
        and item.header_ok
        and item.vault_id == vault_id
        and item.created_at.astimezone(UTC) < last
    )


def forget_plan(listings: list[Listing], last: datetime | None, vault_id: str) -> list[Listing]:
    """The backups holding purged records that may be deleted now (see the docstring)."""
    holding = [b for b in listings if holds_purged(b, last, vault_id)]
    if not holding or last is None:
        return []
    newer = [
        b
        for b in listings
        if b.header_ok and b.vault_id == vault_id and b.created_at.astimezone(UTC) >= last
    ]
    if newer:
        return holding
    newest = max(holding, key=lambda b: (b.created_at, b.seq))
    return [b for b in holding if b is not newest]


def gone_by(
    listings: list[Listing],
    last: datetime | None,
    vault_id: str,
    *,
    today: date,
    policy: RetentionPolicy | None = None,
    horizon_days: int = 800,
) -> date | None:
    """The day normal backup rotation will have deleted the last backup holding a
    destroyed record, if a backup is made every day from `today` on (None when none is
    held, or not within the horizon)."""
    policy = policy or RetentionPolicy()
    ours = [b for b in listings if b.header_ok and b.vault_id == vault_id]
    alive = {b.path for b in ours if holds_purged(b, last, vault_id)}
    if not alive:
        return None
    candidates = [Candidate(b.path, b.created_at, b.seq) for b in ours]
    for offset in range(horizon_days):
        day = today + timedelta(days=offset)
        when = datetime.combine(day, time(12), UTC)
        candidates.append(Candidate(Path(f"future-{offset}"), when, 0))
        kept = select_keep(candidates, policy)
        candidates = [c for c in candidates if c.path in kept]
        alive &= kept
        if not alive:
            return day
    return None


def forget(listings: list[Listing], last: datetime | None, vault_id: str) -> list[Path]:
    """Delete what `forget_plan` allows; returns the files deleted."""
    gone = []
    for item in forget_plan(listings, last, vault_id):
        try:
            item.path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StorageError(type(exc).__name__) from exc
        gone.append(item.path)
    return gone
