"""MeasuresService: give an outcome measure (PHQ-9, GAD-7, PCL-5), read a client's
history, list and address safety flags. Called by the CLI and the UI.

Each write is one transaction with its audit row: `record.created` (record "measure",
the row id, the instrument id and, when raised, `risk: true`) and, when a flag is
addressed, `record.edited` (fields ["addressed"]). Never the answers, the total or the
note's text. Must not import PySide6.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from therapynotes.domain import formatting
from therapynotes.domain import measures as defs
from therapynotes.domain.ids import ClientId
from therapynotes.records_errors import (
    DateInFuture,
    InvalidRecord,
    MeasureNotFound,
    RiskAlreadyAddressed,
    RiskNoteEmpty,
)
from therapynotes.services.policy import UseCase, guarded
from therapynotes.services.records_base import RecordsBase
from therapynotes.store import clients
from therapynotes.store import measures as store
from therapynotes.store.audit import AuditKind
from therapynotes.store.measures import MeasureResponse

MAX_NOTE = 2_000


@dataclass(frozen=True)
class Recorded:
    response: MeasureResponse
    score: defs.Score


@dataclass(frozen=True)
class OpenRisk:
    response: MeasureResponse
    client_name: str  # display name, for Home


def short_date(day: str, *, year: bool = True) -> str:
    """'2026-12-03' -> '3 Dec 2026' (or '3 Dec'), as every screen writes dates."""
    text = formatting.day(day)
    return text if year else text.rsplit(" ", 1)[0]


def summary_line(history: Sequence[MeasureResponse], response: MeasureResponse) -> str:
    """What 'Insert into note' writes: 'PHQ-9 14, moderate, 3 Dec 2026; was 19 on 5 Nov'
    (the earlier score is the one given before this, of the same instrument)."""
    definition = defs.instrument(response.instrument)
    place = defs.band_or_threshold(definition, response.total)
    text = f"{response.instrument} {response.total}, {place}, {short_date(response.given_on)}"
    earlier = [
        r
        for r in history
        if r.instrument == response.instrument
        and (r.given_on, r.id) < (response.given_on, response.id)
    ]
    if earlier:
        before = earlier[-1]
        same_year = before.given_on[:4] == response.given_on[:4]
        text += f"; was {before.total} on {short_date(before.given_on, year=not same_year)}"
        change = defs.reliable_change(definition, before.total, response.total)
        if change:
            text += f" (reliably {change})"
    if response.risk:
        text += "; item 9 answered above zero" if response.instrument == "PHQ-9" else "; risk"
    return text


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidRecord from None
    if day.isoformat() != text:
        raise InvalidRecord
    return day


class MeasuresService(RecordsBase):
    def today(self) -> date:
        return date.fromtimestamp(self.clock())  # noqa: DTZ012 - the local calendar day

    @guarded(UseCase.RECORD_MEASURES)
    def record(
        self,
        client_id: ClientId,
        instrument_id: str,
        answers: Sequence[object],
        *,
        given_on: str | None = None,
    ) -> Recorded:
        """Score and store one administration. Unknown instrument, wrong count or an
        answer off the scale: refused before anything is written."""
        definition = defs.instrument(instrument_id)
        scored = defs.score(definition, answers)
        day = _day(given_on) if given_on is not None else self.today()
        if day > self.today():
            raise DateInFuture
        checked = defs.check_answers(definition, answers)
        with self.write() as conn:
            self.require_client(conn, client_id)
            response_id = store.insert(
                conn,
                client_id=client_id,
                instrument=definition.id,
                given_on=day.isoformat(),
                answers=checked,
                total=scored.total,
                risk=bool(scored.risks),
                now=self.now(),
            )
            detail: dict[str, object] = {"record": "measure", "id": response_id}
            detail["instrument"] = definition.id
            if scored.risks:
                detail["risk"] = True
            self.audit(conn, AuditKind.RECORD_CREATED, f"client:{client_id}", **detail)
            found = store.get(conn, response_id)
        if found is None:  # pragma: no cover - just inserted in this transaction
            raise MeasureNotFound
        return Recorded(found, scored)

    @guarded(UseCase.MEASURES)
    def history(
        self, client_id: ClientId, instrument_id: str | None = None
    ) -> list[MeasureResponse]:
        """Oldest first. An unknown client or instrument is an error, not an empty list."""
        if instrument_id is not None:
            defs.instrument(instrument_id)
        conn = self.conn
        self.require_client(conn, client_id)
        return store.for_client(conn, client_id, instrument_id)

    @guarded(UseCase.MEASURES)
    def open_risks(self) -> list[OpenRisk]:
        """Every safety flag not yet addressed, with the client's display name (Home)."""
        conn = self.conn
        found = []
        for response in store.open_risks(conn):
            client = clients.get(conn, response.client_id)
            name = client.display_name if client is not None else f"client {response.client_id}"
            found.append(OpenRisk(response, name))
        return found

    @guarded(UseCase.RECORD_MEASURES)
    def address_risk(self, response_id: int, note: str) -> MeasureResponse:
        """Record how the flag was addressed (the therapist's short note); audited."""
        text = note.strip()
        if not text:
            raise RiskNoteEmpty
        if len(text) > MAX_NOTE:
            raise InvalidRecord(f"at most {MAX_NOTE} characters")
        with self.write() as conn:
            found = store.get(conn, response_id)
            if found is None:
                raise MeasureNotFound
            if not found.risk_open:
                raise RiskAlreadyAddressed
            store.mark_addressed(conn, response_id, note=text, now=self.now())
            self.audit(
                conn,
                AuditKind.RECORD_EDITED,
                f"client:{found.client_id}",
                record="measure",
                id=response_id,
                fields=["addressed"],
            )
            updated = store.get(conn, response_id)
        if updated is None:  # pragma: no cover - read in this transaction
            raise MeasureNotFound
        return updated
