"""RetentionService: retention dates, the "due for destruction" list, legal holds and
the purge of a client's whole record.

A purge removes every row of the client (chart, notes, drafts and their revisions,
addenda, plan versions, diagnoses, attachments and their blobs, index entries, their
part in group sessions) in one transaction with its tombstone audit row, then rewrites
the file (VACUUM) and empties the WAL, with `secure_delete` on, so no page of the file
keeps the client's text. The audit log keeps only ids and counts, never PHI, so it stays.

Must not import PySide6.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from therapynotes.domain.ids import ClientId
from therapynotes.domain.retention import (
    RecordRetentionPolicy,
    RetentionStatus,
    add_years,
    retention_date,
)
from therapynotes.records_errors import ClientNotFound
from therapynotes.retention_errors import (
    HoldReasonInvalid,
    InvalidRetentionPolicy,
    LegalHoldActive,
    PurgeReasonMissing,
    RetentionDateNotReached,
)
from therapynotes.services.policy import UseCase, guarded
from therapynotes.services.records_base import RecordsBase
from therapynotes.store import billing as billing_store
from therapynotes.store import record_settings
from therapynotes.store import retention as store
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection, driver, has_clinical, transaction

MAX_REASON = 500  # characters of an early purge's reason

_SETTINGS = {
    "years": "retention_years",
    "age_of_majority": "retention_age_of_majority",
    "minor_years": "retention_minor_years",
}


@dataclass(frozen=True)
class PurgePreview:
    status: RetentionStatus
    counts: dict[str, int]


def _status(dates: store.ClientDates, policy: RecordRetentionPolicy, held: bool) -> RetentionStatus:
    last = date.fromisoformat(dates.last_service)
    born = date.fromisoformat(dates.date_of_birth) if dates.date_of_birth else None
    return RetentionStatus(
        client_id=dates.client_id,
        last_service=last,
        retention_date=retention_date(last_service=last, date_of_birth=born, policy=policy),
        on_hold=held,
    )


class RetentionService(RecordsBase):
    def today(self) -> date:
        return datetime.fromtimestamp(self.clock(), UTC).date()

    @guarded(UseCase.RETENTION)
    def policy(self) -> RecordRetentionPolicy:
        defaults = RecordRetentionPolicy()
        found = RecordRetentionPolicy(
            **{
                name: record_settings.get_int(self.conn, key, getattr(defaults, name))
                for name, key in _SETTINGS.items()
            }
        )
        return found if found.is_valid() else defaults

    @guarded(UseCase.RETENTION)
    def set_policy(self, policy: RecordRetentionPolicy) -> None:
        if not policy.is_valid():
            raise InvalidRetentionPolicy
        with self.write() as conn:
            for name, key in _SETTINGS.items():
                record_settings.set_value(conn, key, str(getattr(policy, name)))
            self.audit(conn, AuditKind.SETTINGS_CHANGED, "settings", key="retention")

    @guarded(UseCase.RETENTION)
    def statuses(self) -> list[RetentionStatus]:
        """Every client's retention status, by client id."""
        policy, held = self.policy(), store.holds(self.conn)
        found = [_status(d, policy, d.client_id in held) for d in store.client_dates(self.conn)]
        return _with_financial(self.conn, found)

    @guarded(UseCase.RETENTION)
    def status(self, client_id: ClientId) -> RetentionStatus:
        found = store.client_dates(self.conn, client_id)
        if not found:
            raise ClientNotFound
        status = _status(found[0], self.policy(), client_id in store.holds(self.conn))
        return _with_financial(self.conn, [status])[0]

    @guarded(UseCase.RETENTION)
    def due(self) -> list[RetentionStatus]:
        """Clients past their retention date and not on legal hold."""
        today = self.today()
        return [s for s in self.statuses() if s.is_due(today)]

    @guarded(UseCase.RETENTION)
    def set_hold(self, client_id: ClientId, *, held: bool, reason: str | None = None) -> bool:
        """Place (or release) a legal hold; False when nothing changed. A `reason` (a few
        words, never the client's name) goes into the hold's audit row."""
        try:
            why = _early_reason(reason)
        except PurgeReasonMissing:
            raise HoldReasonInvalid from None
        extra = {"reason": why} if why else {}
        with self.write() as conn:
            self.require_client(conn, client_id)
            if held:
                changed = store.place_hold(conn, client_id, now=self.now())
            else:
                changed = store.release_hold(conn, client_id)
            if changed:
                self.audit(conn, AuditKind.LEGAL_HOLD, f"client:{client_id}", held=held, **extra)
        return changed

    @guarded(UseCase.PURGE)
    def preview_purge(self, client_id: ClientId) -> PurgePreview:
        """What a purge would remove (counts only); changes nothing."""
        status = self.status(client_id)
        return PurgePreview(status, store.purge_counts(self.conn, client_id))

    @guarded(UseCase.PURGE)
    def purge(
        self, client_id: ClientId, *, before_retention_date: str | None = None
    ) -> dict[str, int]:
        """Destroy the client's whole record; returns the counts removed.

        Before the client's retention date this is refused (RetentionDateNotReached)
        unless `before_retention_date` gives the therapist's reason for the early purge,
        which goes into the purge's audit row with the retention date it overrode."""
        reason = _early_reason(before_retention_date)
        conn = self.conn
        conn.execute("PRAGMA secure_delete = ON")  # already on; a purge must not depend on it
        # Two transactions, each writing one file (store/retention.py purge_clinical):
        # the clinical record first, then the rest with the purge's audit row.
        with transaction(conn):
            self.require_client(conn, client_id)
            if client_id in store.holds(conn):
                raise LegalHoldActive
            kept_until = self.status(client_id).retention_date
            early: dict[str, str] = {}
            if self.today() < kept_until:
                if reason is None:
                    raise RetentionDateNotReached(f"retention date {kept_until.isoformat()}")
                early = {"before_retention_date": kept_until.isoformat(), "reason": reason}
            counts = store.purge_counts(conn, client_id)
            _purge_one_file(conn, client_id, store.purge_clinical, store.CLINICAL_FTS_TABLES)
        with transaction(conn):
            _purge_one_file(conn, client_id, store.purge_client, store.MAIN_FTS_TABLES)
            self.audit(conn, AuditKind.PURGED, f"client:{client_id}", **counts, **early)
        _rewrite_file(conn)
        _note_purge(self.session, self.clock())
        return counts


def _purge_one_file(
    conn: Connection,
    client_id: ClientId,
    purge: Callable[[Connection, ClientId], object],
    fts_tables: tuple[str, ...],
) -> None:
    """One file's half of a purge, inside the caller's transaction: the search indexes
    overwrite what they drop, and a legal hold (the schema's trigger) refuses it."""
    store.fts_secure_delete(conn, on=True, tables=fts_tables)
    try:
        purge(conn, client_id)
    except driver().IntegrityError as exc:
        if "legal hold" in str(exc):
            raise LegalHoldActive from None
        raise
    store.compact_indexes(conn, fts_tables)
    store.fts_secure_delete(conn, on=False, tables=fts_tables)


def _with_financial(conn: Connection, statuses: list[RetentionStatus]) -> list[RetentionStatus]:
    """Financial records have their own retention period (billing_retention_years,
    counted from the client's last ledger entry): a client is kept until both periods
    have run."""
    years = record_settings.get_int(
        conn, billing_store.RETENTION_YEARS, billing_store.DEFAULT_RETENTION_YEARS
    )
    last = billing_store.last_entry_dates(conn)
    kept = []
    for s in statuses:
        day = last.get(ClientId(s.client_id))
        until = add_years(date.fromisoformat(day), years) if day else None
        kept.append(
            dataclasses.replace(s, retention_date=until)
            if until and until > s.retention_date
            else s
        )
    return kept


def _early_reason(text: str | None) -> str | None:
    """The reason for an early purge, tidied; PurgeReasonMissing when given but empty."""
    if text is None:
        return None
    reason = " ".join(text.split())
    if not reason:
        raise PurgeReasonMissing
    if len(reason) > MAX_REASON:
        raise PurgeReasonMissing
    return reason


def _rewrite_file(conn: Connection) -> None:
    """Rebuild both files without free pages, then fold the WALs back and truncate them."""
    conn.execute("VACUUM main")
    if has_clinical(conn):
        conn.execute("VACUUM clinical")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def _note_purge(session: object, seconds: float) -> None:
    """Backups made before now hold the destroyed record (services/purge_ledger.py)."""
    from therapynotes.services.purge_ledger import record_purge  # noqa: PLC0415

    paths = getattr(session, "paths", None)
    if paths is not None:
        record_purge(paths.root, datetime.fromtimestamp(seconds, UTC))
