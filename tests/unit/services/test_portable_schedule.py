"""The schedule travels in the export (format 3) exactly; an export from before the
schedule (format 2) still imports, each of its sessions becoming an appointment."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import FakeClock
from tests.support.records import add_client, log_session_now, unlock_new_vault
from therapynotes.domain.schedule import AppointmentStatus, Repeat
from therapynotes.portable import format as fmt
from therapynotes.portable_errors import ImportRefused
from therapynotes.services.portable import PortableService
from therapynotes.services.records import RecordsService
from therapynotes.services.schedule import Booking, ScheduleService
from therapynotes.services.session import VaultSession

ZONE = ZoneInfo("America/Chicago")


@pytest.fixture
def exported(
    unlocked: VaultSession, records: RecordsService, clock: FakeClock, tmp_path: Path
) -> Path:
    a, b = add_client(records, "Sched One"), add_client(records, "Sched Two")
    log_session_now(records, clock, a, b)
    schedule = ScheduleService(unlocked, clock=clock, zone=ZONE)
    ids = schedule.book(
        Booking((a,), datetime(2027, 3, 1, 9), 50, memo="memo", repeat=Repeat.WEEKLY, count=4)
    )
    schedule.set_status(ids[0], AppointmentStatus.ATTENDED)
    schedule.set_status(ids[2], AppointmentStatus.CANCELLED, series=True)
    target = tmp_path / "export"
    PortableService(unlocked, clock=clock).export_json(target)
    return target


@pytest.fixture
def empty(tmp_path: Path, clock: FakeClock) -> Any:
    session = unlock_new_vault(tmp_path / "empty", clock)
    yield session
    session.lock("test finished")


def test_the_schedule_round_trips_exactly(
    exported: Path, empty: VaultSession, clock: FakeClock, tmp_path: Path
) -> None:
    document = json.loads((exported / fmt.JSON_NAME).read_text("utf-8"))
    assert document["format_version"] == fmt.FORMAT_VERSION
    assert len(document["appointments"]) == 5 and len(document["appointment_series"]) == 1
    assert {r["status"] for r in document["appointments"]} == {
        "attended",
        "scheduled",
        "cancelled",
    }
    PortableService(empty, clock=clock).import_json(exported)
    again = tmp_path / "again"
    PortableService(empty, clock=clock).export_json(again)
    first = (exported / fmt.JSON_NAME).read_bytes()
    assert (again / fmt.JSON_NAME).read_bytes() == first


def test_an_export_from_before_the_schedule_imports_sessions_as_appointments(
    exported: Path, empty: VaultSession, clock: FakeClock
) -> None:
    path = exported / fmt.JSON_NAME
    document = json.loads(path.read_text("utf-8"))
    document["format_version"] = 2
    for key in fmt.added_after(2):
        del document[key]
    path.write_text(json.dumps(document), "utf-8")
    PortableService(empty, clock=clock).import_json(exported)
    schedule = ScheduleService(empty, clock=clock, zone=ZONE)
    found = schedule.between(datetime(2020, 1, 1).date(), datetime(2030, 1, 1).date())
    assert len(found) == len(document["sessions"]) == 2
    assert all(a.session_id is not None for a in found)
    assert {a.status for a in found} == {AppointmentStatus.ATTENDED}
    assert sorted(len(a.client_ids) for a in found) == [1, 2]


def test_a_version_2_document_with_appointments_is_refused(exported: Path) -> None:
    path = exported / fmt.JSON_NAME
    document = json.loads(path.read_text("utf-8"))
    document["format_version"] = 2
    with pytest.raises(ImportRefused, match="file: unknown key"):
        fmt.decode(json.dumps(document).encode())


def test_an_appointment_with_no_client_is_refused(exported: Path) -> None:
    """Found by the import fuzz at full size: such a file imported, then the vault held
    something else than the file (the app never books an appointment for nobody)."""
    document = json.loads((exported / fmt.JSON_NAME).read_text("utf-8"))
    assert document["appointments"]
    document["appointment_clients"] = []
    with pytest.raises(ImportRefused, match=r"appointments\[0\]: has no client"):
        fmt.decode(json.dumps(document).encode())
