from __future__ import annotations

from pathlib import Path

from tests.conftest import STRONG
from tests.unit.backup.conftest import Vault
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
