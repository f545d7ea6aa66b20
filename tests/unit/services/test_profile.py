"""The clinician profile in the vault, and signatures that name their signer as they
were when signing: never retroactively, never rewritten by a later profile change."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FakeClock
from tests.support.records import add_client
from therapynotes.domain.profile import ClinicianProfile
from therapynotes.profile_errors import InvalidNpi
from therapynotes.records_errors import NoteSigned
from therapynotes.services.profile import ProfileService
from therapynotes.services.records import RecordsService
from therapynotes.store import audit
from therapynotes.store.connection import driver

DANA = ClinicianProfile("Dana Reyes", "PsyD", "PSY 12345", "CA", "1234567893")
DANA_LINE = "Dana Reyes, PsyD, PSY 12345"


def _signed(records: RecordsService, text: str = "Session went well.") -> int:
    note = records.start_note(add_client(records), "freeform", sections={"text": text})
    records.sign_note(note)
    return note


def test_set_get_and_audit_without_values(records: RecordsService, clock: FakeClock) -> None:
    profiles = ProfileService(records.session, clock=clock)
    assert profiles.get() is None
    assert profiles.set(DANA) == ["name", "credentials", "license_number", "license_state", "npi"]
    assert profiles.get() == DANA
    assert profiles.set(DANA) == []
    assert profiles.set(ClinicianProfile("Dana Reyes", "PhD", "PSY 12345", "CA")) == [
        "credentials",
        "npi",
    ]
    rows = [e for e in audit.entries(records.conn) if e.detail.get("area") == "profile"]
    assert [r.detail["fields"] for r in rows] == [
        ["name", "credentials", "license_number", "license_state", "npi"],
        ["credentials", "npi"],
    ]
    logged = json.dumps([r.detail for r in rows])
    assert "Reyes" not in logged and "12345" not in logged and "PhD" not in logged


def test_a_bad_npi_changes_nothing(records: RecordsService, clock: FakeClock) -> None:
    profiles = ProfileService(records.session, clock=clock)
    profiles.set(DANA)
    with pytest.raises(InvalidNpi):
        profiles.set(ClinicianProfile("Someone Else", "LCSW", "LCS 1", npi="1234567890"))
    assert profiles.get() == DANA


def test_signatures_name_the_signer_as_they_were(records: RecordsService, clock: FakeClock) -> None:
    profiles = ProfileService(records.session, clock=clock)
    before = _signed(records)
    records.add_addendum(before, "Addendum before any profile.")
    profiles.set(DANA)
    old = records.get_note(before)
    assert old.signed_by is None and old.addenda[0].signed_by is None  # nothing retroactive

    after = _signed(records)
    records.add_addendum(after, "Addendum with a profile.")
    records.add_addendum(before, "A later addendum to the old note.")
    note = records.get_note(after)
    assert note.signed_by == DANA_LINE and note.addenda[0].signed_by == DANA_LINE
    old = records.get_note(before)
    assert old.signed_by is None
    assert [a.signed_by for a in old.addenda] == [None, DANA_LINE]

    profiles.set(ClinicianProfile("Dana Reyes-Park", "PhD", "PSY 99999"))
    assert records.get_note(after).signed_by == DANA_LINE  # a change never rewrites
    assert records.get_note(after).addenda[0].signed_by == DANA_LINE
    records.void_note(after, "Wrong chart.")
    voided = records.get_note(after)
    assert voided.signed_by == DANA_LINE
    assert voided.voided_by == "Dana Reyes-Park, PhD, PSY 99999"


def test_the_schema_keeps_signers_as_signed(records: RecordsService, clock: FakeClock) -> None:
    ProfileService(records.session, clock=clock).set(DANA)
    note = _signed(records)
    records.add_addendum(note, "An addendum.")
    draft = records.start_note(add_client(records, "Bo"), "freeform", sections={"text": "x"})
    conn = records.conn
    for sql, args in (
        ("UPDATE notes SET signed_by = 'Someone Else' WHERE id = ?", (note,)),
        ("UPDATE notes SET signed_by = NULL WHERE id = ?", (note,)),
        ("UPDATE addenda SET signed_by = 'Someone Else' WHERE note_id = ?", (note,)),
        ("UPDATE notes SET signed_by = 'Someone' WHERE id = ?", (draft,)),
        ("UPDATE notes SET voided_by = 'Someone' WHERE id = ?", (draft,)),
        (
            "UPDATE notes SET state = 'voided', voided_at = signed_at, void_reason = 'x',"
            " signed_by = 'Someone Else' WHERE id = ?",
            (note,),
        ),
    ):
        with pytest.raises(driver().IntegrityError):
            conn.execute(sql, args)
    assert records.get_note(note).signed_by == DANA_LINE
    with pytest.raises(NoteSigned):
        with records.write() as c:
            c.execute("UPDATE notes SET signed_by = 'Someone Else' WHERE id = ?", (note,))
