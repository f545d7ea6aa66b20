"""The audit log: append-only rows, each holding the SHA-256 of the previous row.

Rows name what happened (`kind`), to what (`subject`: an id such as "client:12", never a
name or text) and non-identifying details (counts, reasons chosen from a list, file
kinds). The chain's head (row count and last hash) is also kept in vault_meta, written
in the same transaction, so removing rows from the end is detected too.

Call `append` inside the transaction of the change it records, so the change and its
audit row commit together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from therapynotes.store.connection import Connection, driver

GENESIS = "0" * 64
PROGRESS_STEP = 500  # rows between progress reports of verify()
DEFAULT_ACTOR = "owner"
# The SQL function through which a connection names who acts (set_actor): registered on
# the connection itself, so every audit row written on it, by any store or service
# function, names that login without each caller passing it (issue 17).
_ACTOR_FUNCTION = "therapynotes_actor"


class AuditKind(StrEnum):
    VAULT_CREATED = "vault.created"
    UNLOCK_OK = "unlock.ok"
    UNLOCK_FAILED = "unlock.failed"
    LOCK = "lock"
    PASSPHRASE_CHANGED = "key.passphrase_changed"
    RECOVERY_USED = "key.recovery_used"
    RECOVERY_KEY_REPLACED = "key.recovery_key_replaced"
    TOTP_RESET = "key.totp_reset"
    DATA_KEY_ROTATED = "key.data_key_rotated"
    KDF_STRENGTHENED = "key.kdf_strengthened"  # issue 18: a re-wrap after a fast unlock
    CLINICAL_KEY_ADDED = "key.clinical_key_added"  # issue 17: a format-1 vault's split
    USER_ADDED = "user.added"  # issue 17 phase B: further logins
    USER_REMOVED = "user.removed"
    USER_ROLE_CHANGED = "user.role_changed"
    OWNER_RENAMED = "user.owner_renamed"
    USERS_REPAIRED = "user.entries_repaired"  # vault.keys rebuilt from the users table
    SETTINGS_CHANGED = "settings.changed"
    CHART_VIEWED = "chart.viewed"
    RECORD_CREATED = "record.created"
    RECORD_EDITED = "record.edited"
    NOTE_SIGNED = "note.signed"
    NOTE_ADDENDED = "note.addended"
    NOTE_VOIDED = "note.voided"
    EXPORTED = "export"
    PRINTED = "print"
    IMPORTED = "import"
    BACKUP_CREATED = "backup.created"
    BACKUP_VERIFIED = "backup.verified"
    BACKUP_FAILED = "backup.failed"
    RESTORED = "restore"
    LEGAL_HOLD = "retention.hold"
    PURGED = "retention.purged"
    DICTIONARY_CHANGED = "dictionary.changed"
    TEMPLATE_CHANGED = "template.changed"
    SNIPPET_CHANGED = "snippet.changed"
    # issue 17 phase B: roles and review
    ACCESS_REFUSED = "access.refused"  # detail: the use case (services/policy.py)
    NOTE_COSIGNED = "note.cosigned"
    REVIEW_COMMENTED = "note.review_comment"
    SIGNATURE_LINE_SET = "review.signature_line"


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    kind: str
    subject: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def _canonical_detail(detail: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(detail or {}), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def row_hash(
    *, seq: int, at: str, actor: str, kind: str, subject: str, detail: str, prev: str
) -> str:
    material = json.dumps([seq, at, actor, kind, subject, detail, prev], separators=(",", ":"))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _head(conn: Connection) -> tuple[int, str]:
    row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def append(
    conn: Connection,
    kind: AuditKind | str,
    *,
    subject: str = "",
    detail: Mapping[str, Any] | None = None,
    actor: str | None = None,
    at: str | None = None,
    now: Callable[[], str] = _utc_now,
) -> AuditEntry:
    """Append one row. Call inside the caller's transaction. The actor is the login set
    on the connection (`set_actor`) unless given."""
    if actor is None:
        actor = current_actor(conn)
    last_seq, prev = _head(conn)
    seq = last_seq + 1
    when = at or now()
    detail_text = _canonical_detail(detail)
    digest = row_hash(
        seq=seq,
        at=when,
        actor=actor,
        kind=str(kind),
        subject=subject,
        detail=detail_text,
        prev=prev,
    )
    conn.execute(
        "INSERT INTO audit_log(seq, at, actor, kind, subject, detail, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, when, actor, str(kind), subject, detail_text, prev, digest),
    )
    conn.execute(
        "INSERT INTO vault_meta(key, value) VALUES ('audit_head', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (f"{seq}:{digest}",),
    )
    return AuditEntry(seq, when, actor, str(kind), subject, dict(detail or {}), prev, digest)


def set_actor(conn: Connection, name: str) -> None:
    """From now on, audit rows written on `conn` name `name` (the unlocked login). Set once
    per connection, where the session gets it (services/session.py)."""
    conn.create_function(_ACTOR_FUNCTION, 0, lambda: name, deterministic=True)


def current_actor(conn: Connection) -> str:
    """The login set on `conn`, or the owner's default name when none was set (a vault
    being created, restored or migrated, before any other login exists)."""
    try:
        row = conn.execute(f"SELECT {_ACTOR_FUNCTION}()").fetchone()
    except driver().OperationalError:  # "no such function": nobody was set on it
        return DEFAULT_ACTOR
    return str(row[0]) if row and row[0] else DEFAULT_ACTOR


def entries(
    conn: Connection, *, since: str | None = None, actor: str | None = None
) -> list[AuditEntry]:
    """Rows in order; `since` an instant, `actor` a login name (the Audit trail's filter
    by user and `therapynotes audit --user`)."""
    sql = "SELECT seq, at, actor, kind, subject, detail, prev_hash, hash FROM audit_log"
    clauses: list[str] = []
    params: tuple[Any, ...] = ()
    if since:
        clauses.append("at >= ?")
        params += (since,)
    if actor is not None:
        clauses.append("actor = ?")
        params += (actor,)
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    rows = conn.execute(sql + " ORDER BY seq", params).fetchall()
    return [
        AuditEntry(int(r[0]), r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows
    ]


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    first_bad_seq: int | None
    problem: str


def verify(conn: Connection, *, progress: Callable[[int, int], None] | None = None) -> ChainReport:
    """Walk the chain; report the first row that does not follow from the one before.
    `progress(done, total)` is called every PROGRESS_STEP rows and at the end."""
    total = int(conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]) if progress else 0
    prev, expected_seq, count = GENESIS, 1, 0
    cursor = conn.execute(
        "SELECT seq, at, actor, kind, subject, detail, prev_hash, hash FROM audit_log ORDER BY seq"
    )
    for seq, at, actor, kind, subject, detail, prev_hash, digest in cursor:
        count += 1
        if seq != expected_seq:
            return ChainReport(False, count, int(seq), f"row {expected_seq} is missing")
        if prev_hash != prev:
            return ChainReport(False, count, int(seq), "does not link to the row before it")
        again = row_hash(
            seq=seq, at=at, actor=actor, kind=kind, subject=subject, detail=detail, prev=prev
        )
        if again != digest:
            return ChainReport(False, count, int(seq), "its contents were changed")
        prev, expected_seq = digest, expected_seq + 1
        if progress is not None and count % PROGRESS_STEP == 0:
            progress(count, total)
    if progress is not None:
        progress(count, max(total, count))
    head = conn.execute("SELECT value FROM vault_meta WHERE key = 'audit_head'").fetchone()
    want = f"{count}:{prev}" if count else None
    have = head[0] if head else None
    if have != want:
        return ChainReport(False, count, count + 1, "rows are missing from the end")
    return ChainReport(True, count, None, "")


def extends(conn: Connection, head: tuple[int, str]) -> str | None:
    """None when the live chain is intact and still holds `head` (seq, hash), as
    recorded by a backup; otherwise what is wrong. Whoever holds the data key can
    rewrite the whole chain consistently, but not the heads already in backups."""
    report = verify(conn)
    if not report.ok:
        return f"the live log is broken at row {report.first_bad_seq}: {report.problem}"
    seq, digest = head
    if seq == 0:
        return None
    row = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (seq,)).fetchone()
    if row is None:
        return f"the live log has {report.rows} rows, fewer than the {seq} the backup recorded"
    if str(row[0]) != digest:
        return f"row {seq} differs from the one the backup recorded: the log was rewritten"
    return None
