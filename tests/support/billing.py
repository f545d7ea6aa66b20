"""Helpers for the billing tests: sessions on given dates, a billing service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from therapynotes.domain.enums import Attendance, Modality
from therapynotes.domain.ids import ClientId, SessionId
from therapynotes.services.records import RecordsService


def session_on(
    records: RecordsService,
    client_id: ClientId,
    day: str,
    *,
    code: str = "90834",
    attendance: Attendance = Attendance.ATTENDED,
    modality: Modality = Modality.IN_PERSON,
) -> SessionId:
    start = datetime.fromisoformat(f"{day}T15:00:00").replace(tzinfo=UTC)
    session_id = records.log_session(
        [client_id],
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
        service_code=code,
        modality=modality,
        service_date=day,
        attendance=attendance,
    )
    return session_id
