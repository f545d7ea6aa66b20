"""Vaults made at every earlier schema version migrate to the current one on unlock,
with the clinical schema usable and the audit chain intact."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, FakeClock
from therapynotes.domain.models import ClientFields
from therapynotes.services.records import RecordsService
from therapynotes.services.vault import VaultService
from therapynotes.store import audit, migrations
from therapynotes.store.migrations import m0003_records

FIXTURES = Path(__file__).parents[2] / "fixtures"


def _open_copy(version: int, tmp_path: Path, clock: FakeClock) -> VaultService:
    source = FIXTURES / f"vault-schema-{version}"
    target = tmp_path / f"v{version}"
    shutil.copytree(source, target)
    return VaultService(target, clock=clock)


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_fixture_is_at_its_schema_version(version: int, tmp_path: Path) -> None:
    import sqlite3

    db = FIXTURES / f"vault-schema-{version}" / "vault.db"
    header = db.read_bytes()[:16]
    assert header != b"SQLite format 3\x00"  # encrypted, so plain sqlite cannot read it
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(db).execute("SELECT 1 FROM sqlite_master").fetchall()


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_unlock_migrates_to_current_schema(version: int, tmp_path: Path, clock: FakeClock) -> None:
    svc = _open_copy(version, tmp_path, clock)
    secret = (FIXTURES / f"vault-schema-{version}" / "totp-secret.txt").read_text().strip()
    session = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    try:
        conn = session.conn
        assert migrations.current_version(conn) == migrations.latest_version() >= 3
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master UNION SELECT name FROM clinical.sqlite_master"
            )
        }
        assert {"clients", "notes", "addenda", "notes_fts", "psychotherapy_fts"} <= tables
        settings = dict(conn.execute("SELECT key, value FROM settings").fetchall())
        assert settings["late_entry_hours"] == "24"
        records = RecordsService(session, clock=clock)
        client = records.create_client(ClientFields(legal_name="Migrated Client"))
        assert records.get_client(client).display_name == "Migrated Client"
        assert audit.verify(conn).ok
    finally:
        session.lock("test finished")


def test_migration_is_atomic_when_it_fails(tmp_path: Path, clock: FakeClock) -> None:
    """A failing schema-3 upgrade leaves the vault at schema 2, openable again."""
    svc = _open_copy(2, tmp_path, clock)
    secret = (FIXTURES / "vault-schema-2" / "totp-secret.txt").read_text().strip()
    broken = [*m0003_records.TABLES, "CREATE TABLE clients (x)"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(m0003_records, "TABLES", tuple(broken))
        with pytest.raises(Exception):  # noqa: B017, PT011 - the driver's error type
            svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    clock.advance(30)
    session = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    try:
        assert migrations.current_version(session.conn) == migrations.latest_version()
    finally:
        session.lock("test finished")
