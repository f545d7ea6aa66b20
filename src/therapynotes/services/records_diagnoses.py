"""Use cases of a client's diagnoses: find an ICD-10-CM code, add a diagnosis, mark it
resolved, make it the primary one. Part of RecordsService (services/records.py); each
write is one transaction with its audit row (subject `client:N`, the diagnosis id and the
changed field names only).

Must not import PySide6.
"""

from __future__ import annotations

from datetime import date

from therapynotes.domain import icd10
from therapynotes.domain.ids import ClientId, DiagnosisId
from therapynotes.domain.models import Diagnosis
from therapynotes.records_errors import (
    DateInFuture,
    DiagnosisNotFound,
    DiagnosisResolved,
    InvalidRecord,
    ResolvedBeforeOnset,
    ResolvedNotPrimary,
    UnknownDiagnosisCode,
)
from therapynotes.services.policy import UseCase, guarded
from therapynotes.services.records_base import RecordsBase
from therapynotes.store import diagnoses
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection


def _calendar_day(text: str) -> date:
    """A 'YYYY-MM-DD' day as the schema stores it; anything else is refused."""
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidRecord from None
    if day.isoformat() != text:
        raise InvalidRecord
    return day


class DiagnosisCases(RecordsBase):
    @staticmethod
    def find_diagnosis(query: str, *, limit: int = 20) -> list[icd10.IcdCode]:
        """ICD-10-CM codes by code or by (DSM-5-TR) name."""
        return icd10.find(query, limit=limit)

    @guarded(UseCase.DIAGNOSES)
    def diagnoses(self, client_id: ClientId) -> list[Diagnosis]:
        """The client's diagnoses (the chart shows them through `open_chart`)."""
        return diagnoses.for_client(self.conn, client_id)

    @guarded(UseCase.EDIT_DIAGNOSES)
    def add_diagnosis(
        self,
        client_id: ClientId,
        code: str,
        *,
        primary: bool = False,
        onset_date: str | None = None,
    ) -> DiagnosisId:
        found = icd10.lookup(code)
        if found is None:
            raise UnknownDiagnosisCode
        with self.write() as conn:
            self.require_client(conn, client_id)
            dx_id = diagnoses.insert(
                conn,
                client_id=client_id,
                code=found.code,
                description=found.description,
                primary=primary,
                onset_date=onset_date,
                now=self.now(),
            )
            self.audit(
                conn, AuditKind.RECORD_CREATED, f"client:{client_id}", record="diagnosis", id=dx_id
            )
        return dx_id

    @guarded(UseCase.EDIT_DIAGNOSES)
    def resolve_diagnosis(self, diagnosis_id: DiagnosisId, resolved_date: str) -> None:
        """Mark a diagnosis resolved on `resolved_date` (a 'YYYY-MM-DD' day, not before its
        onset, not after today). It stays in the chart, shown as resolved; once resolved
        it is not changed again (a diagnosis that comes back is added anew)."""
        day = _calendar_day(resolved_date)
        if day > date.fromtimestamp(self.clock()):  # noqa: DTZ012 - the local calendar day
            raise DateInFuture
        with self.write() as conn:
            found = diagnoses.get(conn, diagnosis_id)
            if found is None:
                raise DiagnosisNotFound
            if found.resolved_date is not None:
                raise DiagnosisResolved
            if found.onset_date is not None and day.isoformat() < found.onset_date:
                raise ResolvedBeforeOnset
            diagnoses.resolve(conn, diagnosis_id, day.isoformat())
            self._audit_diagnosis(conn, found, "resolved_date")

    @guarded(UseCase.EDIT_DIAGNOSES)
    def make_primary_diagnosis(self, diagnosis_id: DiagnosisId) -> None:
        """The client's primary diagnosis becomes this one; the one before loses the flag.
        A resolved diagnosis cannot be primary."""
        with self.write() as conn:
            found = diagnoses.get(conn, diagnosis_id)
            if found is None:
                raise DiagnosisNotFound
            if found.resolved_date is not None:
                raise ResolvedNotPrimary
            if found.primary:
                return  # already primary: nothing to change, nothing to log
            diagnoses.make_primary(conn, diagnosis_id)
            self._audit_diagnosis(conn, found, "primary")

    def _audit_diagnosis(self, conn: Connection, found: Diagnosis, field: str) -> None:
        self.audit(
            conn,
            AuditKind.RECORD_EDITED,
            f"client:{found.client_id}",
            record="diagnosis",
            id=found.id,
            fields=[field],
        )
