"""The export carries the clinician profile and each signature's signer (format 2); an
export from before (format 1, no profile, no signers) still imports, its signatures
keeping their old wording; a bad profile in a file is refused and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FakeClock
from tests.support.records import add_client, unlock_new_vault
from tests.unit.services.test_portable import snapshot
from therapynotes.domain.profile import ClinicianProfile
from therapynotes.portable import format as fmt
from therapynotes.portable_errors import ImportRefused
from therapynotes.services.portable import PortableService
from therapynotes.services.profile import ProfileService
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession

DANA = ClinicianProfile("Dana Reyes", "PsyD", "PSY 12345", "CA", "1234567893")
SIGNER = "Dana Reyes, PsyD, PSY 12345"


@pytest.fixture
def exported(
    unlocked: VaultSession, records: RecordsService, clock: FakeClock, tmp_path: Path
) -> Path:
    client = add_client(records, "Profile Client")
    before = records.start_note(client, "freeform", sections={"text": "before the profile"})
    records.sign_note(before)
    ProfileService(unlocked, clock=clock).set(DANA)
    records.add_addendum(before, "addendum after the profile")
    after = records.start_note(client, "freeform", sections={"text": "after the profile"})
    records.sign_note(after)
    records.void_note(after, "wrong chart")
    target = tmp_path / "export"
    PortableService(unlocked, clock=clock).export_json(target)
    return target


@pytest.fixture
def empty(tmp_path: Path, clock: FakeClock) -> Any:
    session = unlock_new_vault(tmp_path / "empty", clock)
    yield session
    session.lock("test finished")


def _document(folder: Path) -> dict[str, Any]:
    return json.loads((folder / fmt.JSON_NAME).read_text("utf-8"))


def _rewrite(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    document = _document(folder)
    change(document)
    (folder / fmt.JSON_NAME).write_text(json.dumps(document), "utf-8")


def test_profile_and_signers_travel_and_round_trip(
    exported: Path, empty: VaultSession, clock: FakeClock, tmp_path: Path
) -> None:
    document = _document(exported)
    assert document["format_version"] == fmt.FORMAT_VERSION
    assert document["profile"] == {
        "name": "Dana Reyes",
        "credentials": "PsyD",
        "license_number": "PSY 12345",
        "license_state": "CA",
        "npi": "1234567893",
    }
    notes = sorted(document["notes"], key=lambda n: n["id"])
    assert [(n["signed_by"], n["voided_by"]) for n in notes] == [(None, None), (SIGNER, SIGNER)]
    assert [a["signed_by"] for a in document["addenda"]] == [SIGNER]

    PortableService(empty, clock=clock).import_json(exported)
    assert ProfileService(empty, clock=clock).get() == DANA
    imported = RecordsService(empty, clock=clock)
    assert imported.get_note(notes[0]["id"]).signed_by is None
    assert imported.get_note(notes[1]["id"]).voided_by == SIGNER
    again = tmp_path / "again"
    PortableService(empty, clock=clock).export_json(again)
    assert (again / fmt.JSON_NAME).read_bytes() == (exported / fmt.JSON_NAME).read_bytes()


def test_the_schema_doc_fits_an_export_with_a_profile(exported: Path) -> None:
    from tests.support.minischema import check  # noqa: PLC0415

    schema = json.loads((Path(__file__).parents[3] / "docs" / "export.schema.json").read_text())
    document = _document(exported)
    assert check(schema, document, schema) is None
    document["profile"]["npi"] = "12345"
    assert check(schema, document, schema) is not None


def _as_version_1(document: dict[str, Any]) -> None:
    """What an export written before profiles looked like."""
    document["format_version"] = 1
    del document["profile"]
    for key in fmt.added_after(1):  # billing, writing aids, measures, schedule came later
        del document[key]
    for row in document["notes"]:
        del row["signed_by"], row["voided_by"]
    for row in document["addenda"]:
        del row["signed_by"]


def test_an_older_export_without_profile_or_signers_imports(
    exported: Path, empty: VaultSession, clock: FakeClock
) -> None:
    _rewrite(exported, _as_version_1)
    counts = PortableService(empty, clock=clock).import_json(exported)
    assert counts["notes"] == 2 and counts["addenda"] == 1
    assert ProfileService(empty, clock=clock).get() is None
    notes = RecordsService(empty, clock=clock).open_chart(1).notes  # type: ignore[arg-type]
    assert all(n.signed_by is None and n.voided_by is None for n in notes)
    assert all(a.signed_by is None for n in notes for a in n.addenda)


def _npi(d: dict[str, Any]) -> None:
    d["profile"]["npi"] = "1234567890"


def _state(d: dict[str, Any]) -> None:
    d["profile"]["license_state"] = "ZZ"


def _blank_name(d: dict[str, Any]) -> None:
    d["profile"]["name"] = " "


def _extra(d: dict[str, Any]) -> None:
    d["profile"]["fax"] = "1"


def _list(d: dict[str, Any]) -> None:
    d["profile"] = []


def _untidy(d: dict[str, Any]) -> None:
    d["profile"]["license_state"] = "ca"


def _v1_with_signer(d: dict[str, Any]) -> None:
    _as_version_1(d)
    d["addenda"][0]["signed_by"] = SIGNER


BAD = {
    "npi check digit": (_npi, "profile.npi: not a valid NPI"),
    "licence state": (_state, "profile.license_state"),
    "blank name": (_blank_name, "profile: name, credentials and licence number are needed"),
    "extra field": (_extra, "profile: unknown field"),
    "not an object": (_list, "profile: expected an object or null"),
    "not canonical": (_untidy, "profile: not in the form the app writes"),
    "version 1 with a signer": (_v1_with_signer, "addenda[0]: unknown field"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_profile_is_refused_and_changes_nothing(
    case: str, exported: Path, empty: VaultSession
) -> None:
    damage, expected = BAD[case]
    _rewrite(exported, damage)
    before = snapshot(empty.conn)
    with pytest.raises(ImportRefused) as caught:
        PortableService(empty).import_json(exported)
    assert expected in caught.value.message
    assert "Reyes" not in caught.value.message and "\n" not in caught.value.message
    assert snapshot(empty.conn) == before


def test_a_signer_on_a_draft_is_refused(exported: Path, empty: VaultSession) -> None:
    def damage(d: dict[str, Any]) -> None:
        note = next(n for n in d["notes"] if n["state"] == "voided")
        note.update(state="draft", signed_at=None, content_hash=None, voided_at=None)
        note.update(void_reason=None, voided_by=None)

    _rewrite(exported, damage)
    before = snapshot(empty.conn)
    with pytest.raises(ImportRefused, match="refused by the vault"):
        PortableService(empty).import_json(exported)
    assert snapshot(empty.conn) == before
