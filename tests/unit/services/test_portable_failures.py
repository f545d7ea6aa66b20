"""A failed `export --json` leaves nothing behind: no staging folder, no attachment, no
partial JSON, and a folder it created is gone again; no link is ever followed; the
message is clear and the attempt is audited. Real failures: a link or a folder at a
name the export uses, and a full disk (a small tmpfs; an injected ENOSPC where mounting
is not allowed)."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.disk import tmpfs
from tests.support.records import add_client
from therapynotes.portable import format as fmt
from therapynotes.portable_errors import ExportFailed, ExportTargetInvalid
from therapynotes.services.portable import PortableService
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.store import audit

CANARY = "Stagecanary"
BIG = 96 * 1024  # per attachment: two fit a 256 KiB disk, four do not


@pytest.fixture
def portable(records: RecordsService, unlocked: VaultSession, clock: FakeClock) -> PortableService:
    client = add_client(records, f"{CANARY} Client")
    for i in range(4):
        data = CANARY.encode() + os.urandom(BIG) + bytes([i])
        records.add_attachment(client, filename=f"{i}.bin", media_type="text/plain", data=data)
    return PortableService(unlocked, clock=clock)


def _everything(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _last_export(conn) -> dict[str, object]:  # noqa: ANN001
    rows = [e for e in audit.entries(conn) if e.kind == "export"]
    return rows[-1].detail


def _assert_refused_cleanly(message: str) -> None:
    assert "Nothing was written" in message or "nothing of it was left behind" in message
    assert "\n" not in message and CANARY not in message


def test_a_link_at_the_json_name_leaves_nothing(portable: PortableService, tmp_path: Path) -> None:
    target = tmp_path / "export"
    target.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (target / fmt.JSON_NAME).symlink_to(victim)
    with pytest.raises(ExportTargetInvalid) as caught:
        portable.export_json(target, force=True)
    _assert_refused_cleanly(caught.value.message)
    assert _everything(target) == [fmt.JSON_NAME]  # the link only: no attachment, no staging
    assert (target / fmt.JSON_NAME).is_symlink() and victim.read_text() == "keep me"
    assert _last_export(portable.conn)["failed"] == "TargetNotAFile"


def test_a_folder_at_the_json_name_leaves_nothing(
    portable: PortableService, tmp_path: Path
) -> None:
    target = tmp_path / "export"
    (target / fmt.JSON_NAME).mkdir(parents=True)
    with pytest.raises(ExportTargetInvalid) as caught:
        portable.export_json(target, force=True)
    _assert_refused_cleanly(caught.value.message)
    assert _everything(target) == [fmt.JSON_NAME]


def test_a_link_at_the_attachments_name_is_never_followed(
    portable: PortableService, tmp_path: Path
) -> None:
    target = tmp_path / "export"
    target.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (target / fmt.ATTACHMENTS_DIR).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ExportTargetInvalid):
        portable.export_json(target, force=True)
    assert _everything(target) == [fmt.ATTACHMENTS_DIR] and _everything(elsewhere) == []


def test_a_link_inside_an_earlier_exports_attachments_is_never_followed(
    portable: PortableService, tmp_path: Path
) -> None:
    target = tmp_path / "export"
    portable.export_json(target)
    before = _everything(target)
    planted = next((target / fmt.ATTACHMENTS_DIR).iterdir())
    victim = tmp_path / "victim.bin"
    victim.write_bytes(b"keep me")
    planted.unlink()
    planted.symlink_to(victim)
    (target / fmt.JSON_NAME).unlink()
    with pytest.raises(ExportTargetInvalid):
        portable.export_json(target, force=True)
    assert victim.read_bytes() == b"keep me" and planted.is_symlink()
    assert _everything(target) == [p for p in before if p != fmt.JSON_NAME]
    # once the link is gone, exporting over the earlier export works
    planted.unlink()
    portable.export_json(target, force=True)
    assert _everything(target) == before


def _full_disk_checks(portable: PortableService, disk: Path) -> None:
    for target in (disk / "new-folder", disk):  # one it creates, one that exists
        with pytest.raises(ExportFailed) as caught:
            portable.export_json(target)
        _assert_refused_cleanly(caught.value.message)
        assert "disk is full" in caught.value.message
        assert _everything(disk) == []  # no staging, no attachment, no JSON, no folder
    assert _last_export(portable.conn)["failed"] == "DiskFull"


def test_a_full_disk_leaves_nothing(portable: PortableService, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", "256k") as disk:
        if disk is None:
            pytest.skip("cannot mount a tmpfs here; the injected test covers it")
        _full_disk_checks(portable, disk)


@pytest.fixture
def injected_full_disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """os.write in atomic.py fails with ENOSPC once 200 KiB have been written."""
    real_write = os.write
    written = [0]

    def write(fd: int, data: bytes | memoryview) -> int:
        written[0] += len(data)
        if written[0] > 200 * 1024:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr("therapynotes.atomic.os.write", write)
    yield


def test_a_full_disk_leaves_nothing_injected(
    portable: PortableService, tmp_path: Path, injected_full_disk: None
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    _full_disk_checks(portable, disk)


def test_a_successful_export_leaves_no_staging_and_is_private(
    portable: PortableService, tmp_path: Path
) -> None:
    target = tmp_path / "export"
    counts = portable.export_json(target)
    assert counts["attachments"] == 4
    names = _everything(target)
    assert not [n for n in names if n.startswith(".") or n.endswith(".partial")]
    assert len(names) == 1 + 1 + 4
    for path in target.rglob("*"):
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), path
    assert "failed" not in _last_export(portable.conn)
