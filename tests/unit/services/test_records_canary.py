"""Plaintext canary: record content written through every record feature never reaches
the vault folder's files in the clear (UTF-8 or UTF-16), nor the temp folder."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from tests.conftest import FakeClock
from tests.support.records import log_session_now, unlock_new_vault
from therapynotes.domain.models import ClientFields, PlanContent, Problem
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession

CANARY = "QuokkaCanary7731"


def _hits(folder: Path) -> list[str]:
    needles = [CANARY.encode("utf-8"), CANARY.encode("utf-16-le"), CANARY.encode("utf-16-be")]
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [str(path) for needle in needles if needle in data]
    return found


def _use_every_feature(session: VaultSession, clock: FakeClock) -> None:
    records = RecordsService(session, clock=clock)
    client = records.create_client(
        ClientFields(legal_name=f"{CANARY} Legal", alerts=CANARY, guardian=CANARY)
    )
    records.add_diagnosis(client, "F41.1")
    visit = log_session_now(records, clock, client)
    note = records.start_note(client, "soap", session_id=visit)
    for i in range(3):
        clock.advance(400)
        records.save_draft(note, {"subjective": f"{CANARY} draft {i} " * 20})
    records.sign_note(note)
    records.add_addendum(note, f"{CANARY} addendum")
    private = records.start_note(client, "psychotherapy", sections={"process": CANARY})
    records.sign_note(private)
    records.save_plan(client, PlanContent((Problem(CANARY),)), effective_date="2027-01-01")
    records.add_attachment(
        client, filename=f"{CANARY}.pdf", media_type="application/pdf", data=CANARY.encode() * 50
    )
    assert records.search(CANARY, include_psychotherapy=True)
    other = records.start_note(client, "freeform", sections={"text": CANARY})
    records.sign_note(other)
    records.void_note(other, f"{CANARY} wrong chart")


def _temp_files() -> set[Path]:
    """Files directly in the temp folder (SQLite would put spill files there)."""
    with contextlib.suppress(OSError):
        return {p for p in Path(tempfile.gettempdir()).iterdir() if p.is_file()}
    return set()


def test_no_plaintext_in_vault_or_temp_files(vault_dir: Path, clock: FakeClock) -> None:
    before = _temp_files()
    session = unlock_new_vault(vault_dir, clock)
    try:
        _use_every_feature(session, clock)
        assert _hits(vault_dir) == []  # while open: the WAL holds the recent pages
    finally:
        session.lock("test finished")
    assert _hits(vault_dir) == []
    assert [p for p in _temp_files() - before if CANARY.encode() in p.read_bytes()] == []
