"""Frozen backup files of every released format open, verify and restore in this build
(testing.md 2); a restored older schema is migrated at the first unlock."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
import pytest

from tests.conftest import FakeClock
from therapynotes.services.backups import verify_backup
from therapynotes.services.restore import RestoreService
from therapynotes.services.vault import VaultService
from therapynotes.store import migrations

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "backup"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.tnbackup"))


@pytest.mark.parametrize("name", NAMES)
def test_frozen_backup_opens_and_restores(name: str, tmp_path: Path) -> None:
    meta = json.loads((FIXTURES / f"{name}.json").read_text())
    path = FIXTURES / f"{name}.tnbackup"
    report = verify_backup(path, tmp_path, passphrase=meta["passphrase"])
    assert report.manifest.counts == meta["counts"]
    verify_backup(path, tmp_path, recovery_text=meta["recovery_key"])

    clock = FakeClock(meta["created_at"] + 3600)
    target = tmp_path / "restored"
    RestoreService(target, clock=clock).restore(
        path, recovery_text=meta["recovery_key"], new_passphrase="brand new long passphrase ok"
    )
    session = VaultService(target, clock=clock).unlock(
        "brand new long passphrase ok", pyotp.TOTP(meta["totp_secret"]).at(clock())
    )
    try:
        assert migrations.current_version(session.conn) == migrations.latest_version()
        rows = session.conn.execute("SELECT count(*) FROM t_notes").fetchone()[0]
        assert rows == meta["counts"]["t_notes"]
        if "clinical.t_clinical" in meta["counts"]:  # format 3: clinical.db restored too
            rows = session.conn.execute("SELECT count(*) FROM clinical.t_clinical").fetchone()[0]
            assert rows == meta["counts"]["clinical.t_clinical"] > 0
        # An older backup is split at its first unlock (schema 13): clinical.db beside it.
        assert (target / "clinical.db").exists()
    finally:
        session.lock("test", record=False)


def test_there_is_a_fixture_for_the_current_format() -> None:
    from therapynotes.backup.format import FORMAT_VERSION

    assert any(n.startswith(f"v{FORMAT_VERSION}-") for n in NAMES)
