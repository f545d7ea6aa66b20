"""The clinician-profile migration: the frozen schema-4 vault (a signed note with an
addendum, a voided note) migrates on unlock; what was signed before keeps its signature
exactly (no signer is added retroactively); a failing upgrade changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, FakeClock
from therapynotes.domain.enums import NoteState
from therapynotes.domain.ids import ClientId
from therapynotes.domain.profile import ClinicianProfile
from therapynotes.services.profile import ProfileService
from therapynotes.services.records import RecordsService
from therapynotes.services.vault import VaultService
from therapynotes.store import audit, migrations
from therapynotes.store.migrations import m0005_profile

FIXTURE = Path(__file__).parents[2] / "fixtures" / "vault-schema-4"


def _copy(tmp_path: Path, clock: FakeClock) -> tuple[VaultService, str]:
    target = tmp_path / "v4"
    shutil.copytree(FIXTURE, target)
    secret = (FIXTURE / "totp-secret.txt").read_text().strip()
    return VaultService(target, clock=clock), secret


def test_schema_4_vault_migrates_and_keeps_its_signatures(tmp_path: Path, clock: FakeClock) -> None:
    svc, secret = _copy(tmp_path, clock)
    session = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    try:
        conn = session.conn
        assert migrations.current_version(conn) == migrations.latest_version()
        records = RecordsService(session, clock=clock)
        chart = records.open_chart(ClientId(1))
        signed, voided = sorted(chart.notes, key=lambda n: n.id)
        assert signed.state is NoteState.SIGNED and voided.state is NoteState.VOIDED
        assert signed.signed_by is None and signed.addenda[0].signed_by is None
        assert voided.signed_by is None and voided.voided_by is None
        assert ProfileService(session, clock=clock).get() is None

        ProfileService(session, clock=clock).set(ClinicianProfile("Dana Reyes", "PsyD", "1"))
        records.add_addendum(signed.id, "After the upgrade.")
        again = records.get_note(signed.id)
        assert again.content_hash == signed.content_hash and again.signed_by is None
        assert [a.signed_by for a in again.addenda] == [None, "Dana Reyes, PsyD, 1"]
        assert audit.verify(conn).ok
    finally:
        session.lock("test finished")


def test_a_failing_upgrade_changes_nothing_and_runs_again(tmp_path: Path, clock: FakeClock) -> None:
    svc, secret = _copy(tmp_path, clock)
    broken = (*m0005_profile.STATEMENTS, "CREATE TABLE clinician_profile (x)")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(m0005_profile, "STATEMENTS", broken)
        with pytest.raises(Exception):  # noqa: B017, PT011 - the driver's error type
            svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    clock.advance(30)
    session = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    try:
        assert migrations.current_version(session.conn) == migrations.latest_version()
        notes = RecordsService(session, clock=clock).open_chart(ClientId(1)).notes
        assert len(notes) == 2 and all(n.signed_by is None for n in notes)
    finally:
        session.lock("test finished")
