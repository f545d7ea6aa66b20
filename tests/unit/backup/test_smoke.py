from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import STRONG
from tests.unit.backup.conftest import Vault, make_vault
from therapynotes.services.backups import list_backups, verify_backup


def test_backup_then_verify_with_passphrase_and_recovery_key(
    vault: Vault, drive: Path, tmp_path: Path
) -> None:
    result = vault.service.run(drive)
    assert result.path.exists()
    assert [p.name for p in drive.iterdir()] == [result.path.name]
    listed = list_backups(drive)
    assert len(listed) == 1 and listed[0].header_ok
    report = verify_backup(result.path, tmp_path, passphrase=STRONG)
    assert report.manifest.counts["t_notes"] == 5
    report = verify_backup(result.path, tmp_path, recovery_text=vault.created.recovery_key)
    assert report.manifest.counts == result.counts


def test_unlocked_vault_verifies_its_own_backups_without_passphrase(
    vault: Vault, drive: Path, tmp_path: Path
) -> None:
    from therapynotes.backup.errors import BackupCorrupt, BackupWrongKey
    from therapynotes.store import audit

    path = vault.service.run(drive).path
    report = vault.service.verify(path)
    assert report.header.seq == 1
    kinds = [e.kind for e in audit.entries(vault.session.conn)]
    assert kinds[-1] == "backup.verified"
    data = bytearray(path.read_bytes())
    data[-5] ^= 1
    bad = tmp_path / "bad.tnbackup"
    bad.write_bytes(bytes(data))
    with pytest.raises(BackupCorrupt):
        vault.service.verify(bad)
    assert [e.kind for e in audit.entries(vault.session.conn)][-1] == "backup.failed"
    other = make_vault(tmp_path / "other", vault.clock)
    other_path = other.service.run(tmp_path).path
    other.session.lock("t", record=False)
    with pytest.raises(BackupWrongKey):
        vault.service.verify(other_path)
