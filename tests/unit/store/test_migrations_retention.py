"""Schema 4 (retention): the frozen schema-3 vault migrates on unlock; holds, settings
are in place (FTS5 secure-delete stays off); a failing upgrade leaves schema 3."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, FakeClock
from therapynotes.domain.models import ClientFields
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.services.vault import VaultService
from therapynotes.store import audit, migrations
from therapynotes.store.migrations import m0004_retention

FIXTURE = Path(__file__).parents[2] / "fixtures" / "vault-schema-3"


def _copy(tmp_path: Path, clock: FakeClock) -> tuple[VaultService, str]:
    target = tmp_path / "v3"
    shutil.copytree(FIXTURE, target)
    secret = (FIXTURE / "totp-secret.txt").read_text().strip()
    return VaultService(target, clock=clock), secret


def test_schema_3_fixture_migrates_to_4(tmp_path: Path, clock: FakeClock) -> None:
    svc, secret = _copy(tmp_path, clock)
    session = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    try:
        conn = session.conn
        assert migrations.current_version(conn) == migrations.latest_version() >= 4
        settings = dict(conn.execute("SELECT key, value FROM settings").fetchall())
        assert settings["retention_years"] == "7"
        assert settings["retention_age_of_majority"] == "18"
        assert settings["retention_minor_years"] == "3"
        for table in m0004_retention.FTS_TABLES:  # off: only a purge switches it on
            row = conn.execute(
                f"SELECT v FROM {table}_config WHERE k = 'secure-delete'"  # noqa: S608
            ).fetchone()
            assert row in (None, (0,))
        records = RecordsService(session, clock=clock)
        client = records.create_client(ClientFields(legal_name="Migrated"))
        retention = RetentionService(session, clock=clock)
        assert retention.set_hold(client, held=True)
        assert retention.status(client).on_hold
        assert audit.verify(conn).ok
    finally:
        session.lock("test finished")


def test_failing_upgrade_leaves_schema_3(tmp_path: Path, clock: FakeClock) -> None:
    svc, secret = _copy(tmp_path, clock)
    broken = (*m0004_retention.STATEMENTS, "CREATE TABLE legal_holds (x)")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(m0004_retention, "STATEMENTS", broken)
        with pytest.raises(Exception):  # noqa: B017, PT011 - the driver's error type
            svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    clock.advance(30)
    session = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    try:
        assert migrations.current_version(session.conn) == migrations.latest_version() >= 4
    finally:
        session.lock("test finished")
