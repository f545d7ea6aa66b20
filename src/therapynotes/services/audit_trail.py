"""The audit trail for people: rows filtered by date range, kind and client, each kind
in the therapist's words, the chain check with progress, and a CSV of a date range for
an auditor.

The audit log holds ids, kinds and counts, never record text (store/audit.py), so the
CSV holds only those: the sequence number, time, who, what, which record (by id) and the
row's own facts. Writing it is itself audited. Must not import PySide6.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from therapynotes.atomic import write_private_file
from therapynotes.domain.ids import ClientId
from therapynotes.errors import InputError
from therapynotes.services.documents import PrintDocument, esc
from therapynotes.services.policy import UseCase, require
from therapynotes.services.records import RecordsService
from therapynotes.store import audit
from therapynotes.store.audit import AuditEntry, AuditKind, ChainReport

KIND_WORDS: dict[str, str] = {
    AuditKind.VAULT_CREATED: "Records created",
    AuditKind.UNLOCK_OK: "Unlocked",
    AuditKind.UNLOCK_FAILED: "Unlock refused",
    AuditKind.LOCK: "Locked",
    AuditKind.PASSPHRASE_CHANGED: "Passphrase changed",
    AuditKind.RECOVERY_USED: "Recovery key used",
    AuditKind.RECOVERY_KEY_REPLACED: "Recovery key replaced",
    AuditKind.TOTP_RESET: "Authenticator reset",
    AuditKind.DATA_KEY_ROTATED: "Encryption key changed",
    AuditKind.KDF_STRENGTHENED: "Passphrase protection strengthened",
    AuditKind.CLINICAL_KEY_ADDED: "Clinical records given their own key",
    AuditKind.ACCESS_REFUSED: "Refused to this login's role",  # issue 17 phase B
    AuditKind.NOTE_COSIGNED: "Note co-signed",
    AuditKind.REVIEW_COMMENTED: "Review comment added",
    AuditKind.SIGNATURE_LINE_SET: "Signing line set",
    AuditKind.USER_ADDED: "Login added",
    AuditKind.USER_REMOVED: "Login removed",
    AuditKind.USER_ROLE_CHANGED: "Login's role changed",
    AuditKind.OWNER_RENAMED: "Owner's login name changed",
    AuditKind.USERS_REPAIRED: "Logins repaired in the key file",
    AuditKind.SETTINGS_CHANGED: "Setting changed",
    AuditKind.CHART_VIEWED: "Chart opened",
    AuditKind.RECORD_CREATED: "Record added",
    AuditKind.RECORD_EDITED: "Record changed",
    AuditKind.NOTE_SIGNED: "Note signed",
    AuditKind.NOTE_ADDENDED: "Addendum added",
    AuditKind.NOTE_VOIDED: "Note voided",
    AuditKind.EXPORTED: "Records exported",
    AuditKind.PRINTED: "Printed or saved as PDF",
    AuditKind.IMPORTED: "Records imported",
    AuditKind.BACKUP_CREATED: "Backup made",
    AuditKind.BACKUP_VERIFIED: "Backup checked",
    AuditKind.BACKUP_FAILED: "Backup failed",
    AuditKind.RESTORED: "Restored from a backup",
    AuditKind.LEGAL_HOLD: "Legal hold",
    AuditKind.PURGED: "Record destroyed",
}

CSV_HEADER = ("seq", "time_utc", "actor", "kind", "event", "subject", "detail")


class DateRangeInvalid(InputError):
    """The first day of the range is after the last. Choose the days again."""


def kind_words(kind: str) -> str:
    return KIND_WORDS.get(kind, kind)


def detail_words(entry: AuditEntry) -> str:
    """The row's own facts, one "name: value" a line (ids and counts, no record text)."""
    lines = [f"{k.replace('_', ' ')}: {v}" for k, v in sorted(entry.detail.items())]
    return "\n".join(lines) if lines else "No further details."


@dataclass(frozen=True)
class TrailFilter:
    since: date | None = None
    until: date | None = None
    kind: str | None = None
    client_id: ClientId | None = None
    user: str | None = None  # a login's name (issue 17): the rows that login wrote

    def check(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise DateRangeInvalid


def find(records: RecordsService, wanted: TrailFilter) -> list[AuditEntry]:
    """The rows that match, oldest first."""
    require(records.session, UseCase.AUDIT)
    wanted.check()
    if wanted.client_id is not None:
        rows = records.client_history(wanted.client_id)
        if wanted.user is not None:
            rows = [e for e in rows if e.actor == wanted.user]
    else:
        rows = audit.entries(records.conn, actor=wanted.user)
    since = wanted.since.isoformat() if wanted.since else ""
    until = wanted.until.isoformat() if wanted.until else "9999-12-31"
    return [
        e
        for e in rows
        if since <= e.at[:10] <= until and (wanted.kind is None or e.kind == wanted.kind)
    ]


def verify(records: RecordsService, progress: Callable[[int, int], None] | None) -> ChainReport:
    require(records.session, UseCase.AUDIT)
    return audit.verify(records.conn, progress=progress)


def verify_words(report: ChainReport) -> str:
    if report.ok:
        return (
            f"The audit trail is intact: all {report.rows} entries follow one from another, "
            "so none was changed or removed since it was written."
        )
    return (
        f"The audit trail is broken at entry {report.first_bad_seq}: {report.problem}. "
        "Something changed the vault outside this app. Keep this computer's records and "
        "your backups as they are, and ask for help."
    )


def csv_text(rows: list[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in rows:
        detail = json.dumps(e.detail, sort_keys=True) if e.detail else ""
        writer.writerow((e.seq, e.at, e.actor, e.kind, kind_words(e.kind), e.subject, detail))
    return out.getvalue()


def export_csv(records: RecordsService, wanted: TrailFilter, target: Path) -> int:
    """Write the rows of the range to `target` (0600, atomically); returns how many."""
    rows = find(records, wanted)
    write_private_file(target, csv_text(rows).encode("utf-8"))  # a WriteRefused says why
    record_export(records, wanted, len(rows), "csv")
    return len(rows)


def record_export(records: RecordsService, wanted: TrailFilter, rows: int, kind: str) -> None:
    """The export of the trail is itself in the trail (format, row count, the days)."""
    require(records.session, UseCase.AUDIT)
    with records.write() as conn:
        records.audit(
            conn,
            AuditKind.EXPORTED,
            "audit",
            format=kind,
            rows=rows,
            since=wanted.since.isoformat() if wanted.since else "",
            until=wanted.until.isoformat() if wanted.until else "",
        )


def trail_document(
    rows: list[AuditEntry], wanted: TrailFilter, practice: str = ""
) -> PrintDocument:
    """The same rows as the CSV, as a document for a PDF (ui/pdf_render.py)."""
    days = (
        f"{wanted.since.isoformat() if wanted.since else 'the beginning'} to "
        f"{wanted.until.isoformat() if wanted.until else 'today'}"
    )
    cells = "".join(
        "<tr>"
        + "".join(
            f"<td>{esc(v)}</td>"
            for v in (
                e.seq,
                e.at[:19].replace("T", " "),
                kind_words(e.kind),
                e.subject,
                json.dumps(e.detail, sort_keys=True) if e.detail else "",
            )
        )
        + "</tr>"
        for e in rows
    )
    head = "".join(
        f"<th align='left'>{h}</th>" for h in ("#", "Time (UTC)", "Event", "Record", "Details")
    )
    html = (
        f"<h2>Audit trail{' of ' + esc(practice) if practice else ''}</h2>"
        f"<p>{len(rows)} entries, {esc(days)}. Records are named by number only; the "
        "trail never holds what a record says.</p>"
        f"<table cellspacing='0' cellpadding='3' border='1'><tr>{head}</tr>{cells}</table>"
    )
    return PrintDocument(title="Audit trail", html=html, footer="Audit trail")
