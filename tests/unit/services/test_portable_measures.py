"""Outcome measures in the portable export: they round-trip exactly, every row is
checked against its instrument on import (refused with the place named, the vault left
as it was), and exports written before measures (formats 1 and 2) still import."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FakeClock
from tests.support.records import add_client, unlock_new_vault
from therapynotes.portable import format as fmt
from therapynotes.portable_errors import ImportRefused
from therapynotes.services.measures import MeasuresService
from therapynotes.services.portable import PortableService
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession


@pytest.fixture
def exported(records: RecordsService, clock: FakeClock, tmp_path: Path) -> Path:
    client = add_client(records, "Mea Sure")
    measures = MeasuresService(records.session, clock=clock)
    measures.record(client, "PCL-5", [4] * 20, given_on="2026-10-01")
    flagged = measures.record(client, "PHQ-9", [1] * 9, given_on="2026-10-02")
    measures.address_risk(flagged.response.id, "Risk assessed; safety plan reviewed.")
    measures.record(client, "PHQ-9", [0] * 8 + [3], given_on="2026-10-09")  # still open
    target = tmp_path / "export"
    PortableService(records.session, clock=clock).export_json(target)
    return target


@pytest.fixture
def empty(tmp_path: Path, clock: FakeClock) -> Iterator[VaultSession]:
    session = unlock_new_vault(tmp_path / "empty", clock)
    yield session
    session.lock("test finished")


def _rewrite(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / fmt.JSON_NAME
    document = json.loads(path.read_text("utf-8"))
    change(document)
    path.write_text(json.dumps(document), "utf-8")


def test_measures_round_trip_exactly(
    exported: Path, empty: VaultSession, clock: FakeClock, tmp_path: Path
) -> None:
    document = json.loads((exported / fmt.JSON_NAME).read_text("utf-8"))
    rows = document["measure_responses"]
    assert [(r["instrument"], r["total"], r["risk"]) for r in rows] == [
        ("PCL-5", 80, False), ("PHQ-9", 9, True), ("PHQ-9", 3, True),
    ]  # fmt: skip
    assert rows[1]["answers"] == [1] * 9 and rows[1]["addressed_note"].startswith("Risk")
    assert rows[2]["addressed_at"] is None
    PortableService(empty, clock=clock).import_json(exported)
    again = tmp_path / "again"
    PortableService(empty, clock=clock).export_json(again)
    assert (again / fmt.JSON_NAME).read_bytes() == (exported / fmt.JSON_NAME).read_bytes()
    imported = MeasuresService(empty, clock=clock)
    [open_risk] = imported.open_risks()
    assert open_risk.response.total == 3 and open_risk.client_name == "Mea Sure"


def _total(d: dict[str, Any]) -> None:
    d["measure_responses"][0]["total"] = 79


def _scale(d: dict[str, Any]) -> None:
    d["measure_responses"][1]["answers"][0] = 4
    d["measure_responses"][1]["total"] += 3


def _count(d: dict[str, Any]) -> None:
    d["measure_responses"][1]["answers"].append(0)


def _instrument(d: dict[str, Any]) -> None:
    d["measure_responses"][0]["instrument"] = "BDI-II"


def _risk(d: dict[str, Any]) -> None:
    d["measure_responses"][2]["risk"] = False


def _note_alone(d: dict[str, Any]) -> None:
    d["measure_responses"][2]["addressed_note"] = "done"


def _not_numbers(d: dict[str, Any]) -> None:
    d["measure_responses"][0]["answers"] = "4,4,4"


def _v2_with_measures(d: dict[str, Any]) -> None:
    d["format_version"] = 2


BAD = {
    "total not the sum": (_total, "measure_responses[0].total"),
    "answer off the scale": (_scale, "measure_responses[1].answers"),
    "one answer too many": (_count, "measure_responses[1].answers"),
    "unknown instrument": (_instrument, "measure_responses[0].instrument"),
    "flag not following": (_risk, "measure_responses[2].risk"),
    "note without time": (_note_alone, "measure_responses[2].addressed_at"),
    "answers not an array": (_not_numbers, "measure_responses[0].answers"),
    "format 2 with measures": (_v2_with_measures, "file: unknown key"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_measure_is_refused_and_changes_nothing(
    case: str, exported: Path, empty: VaultSession
) -> None:
    damage, where = BAD[case]
    _rewrite(exported, damage)
    with pytest.raises(ImportRefused) as caught:
        PortableService(empty).import_json(exported)
    assert where in caught.value.message and "Risk assessed" not in caught.value.message
    assert empty.conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 0


def test_a_format_2_export_imports_with_no_measures(
    exported: Path, empty: VaultSession, clock: FakeClock
) -> None:
    def as_version_2(d: dict[str, Any]) -> None:
        d["format_version"] = 2
        for key in fmt.added_after(2):
            del d[key]

    _rewrite(exported, as_version_2)
    counts = PortableService(empty, clock=clock).import_json(exported)
    assert counts["clients"] == 1 and counts["measure_responses"] == 0
