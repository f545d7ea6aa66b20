"""The incremental page check (issue 18): SQLCipher's page HMAC recomputed here agrees
with SQLCipher, only changed segments are checked between full checks, a byte flipped
on the disk in a changed page or in an unchanged one still fails the backup, and the
full check runs on its schedule."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.backup.conftest import Vault, fill
from therapynotes.backup import page_tags, snapshot
from therapynotes.backup.errors import BackupCorrupt
from therapynotes.security.secret import Secret
from therapynotes.services.backups import list_backups
from therapynotes.store.connection import clinical_path


def _quiet(_phase: str, _done: int, _total: int) -> None:
    return None


def _no() -> bool:
    return False


def _keys(vault: Vault) -> Secret:
    return vault.session.data_keys()


def _snap(vault: Vault, dest: Path) -> list[Path]:
    snapshot.take(vault.session.paths.db, dest, _keys(vault), progress=_quiet, cancel=_no)
    return [dest, clinical_path(dest)]


class FullChecks:
    """snapshot.page_check, counting its calls (the real check: it raises)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, path: Path, keys: Secret) -> None:
        self.calls += 1
        snapshot.page_check(path, keys)


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x04
    path.write_bytes(bytes(data))


def _check(
    files: list[Path], vault: Vault, previous: page_tags.Tags | None, full: FullChecks, now: int
) -> page_tags.CheckReport:
    return page_tags.check(files, _keys(vault), previous, now=now, full_check=full)


def test_page_hmac_agrees_with_sqlcipher(vault: Vault, tmp_path: Path) -> None:
    fill(vault.session, 300_000)
    files = _snap(vault, tmp_path / "s.db")
    raw = _keys(vault).reveal()
    for path, key in zip(files, (raw[:32], raw[32:]), strict=True):
        data = path.read_bytes()
        mac_key = page_tags.hmac_key(key, data[:16])
        pages = len(data) // page_tags.PAGE
        assert pages > 3
        assert all(
            page_tags.page_hmac_ok(mac_key, data[i * 4096 : (i + 1) * 4096], i + 1)
            for i in range(pages)
        )
        # The same page under another number, or with one bit changed, fails.
        assert not page_tags.page_hmac_ok(mac_key, data[4096:8192], 3)
        assert page_tags.bad_pages(path, key, list(range(-(-len(data) // 65536)))) == []
    _flip(files[1], 2 * 4096 + 100)  # a byte in clinical.db's page 3
    assert page_tags.bad_pages(files[1], raw[32:], [0]) == [3]
    with pytest.raises(BackupCorrupt):  # SQLCipher says the same
        snapshot.page_check(files[0], _keys(vault))


def _two_snapshots(vault: Vault, tmp_path: Path) -> tuple[page_tags.Tags, list[Path]]:
    """A verified first snapshot's tags, and a second snapshot after a small change
    (small enough that one more changed segment does not call for the full check)."""
    fill(vault.session, 3_000_000, seed=1)
    full = FullChecks()
    first = _check(_snap(vault, tmp_path / "a.db"), vault, None, full, now=1000)
    assert first.full and full.calls == 1 and first.reason.startswith("no earlier")
    conn = vault.session.conn
    conn.execute("UPDATE t_notes SET n = 'edited' WHERE id = 3")
    files = _snap(vault, tmp_path / "b.db")
    clean = _check(files, vault, first.tags, FullChecks(), now=1060)
    segments = sum(len(page_tags.segment_digests(path)) for path in files)
    assert not clean.full and clean.segments_changed + 1 < page_tags.FULL_ABOVE_CHANGED * segments
    return first.tags, files


def test_only_changed_segments_are_checked(vault: Vault, tmp_path: Path) -> None:
    tags, files = _two_snapshots(vault, tmp_path)
    full = FullChecks()
    report = _check(files, vault, tags, full, now=1060)
    total_pages = sum(p.stat().st_size // 4096 for p in files)
    assert not report.full and full.calls == 0 and report.reason == "incremental"
    assert 0 < report.segments_changed and 0 < report.pages_checked < total_pages // 4
    assert report.tags.full_at == 1000 and report.tags.since_full == 1


def _unchanged_segment(tags: page_tags.Tags, files: list[Path]) -> tuple[Path, int]:
    for old, path in zip(tags.files, files, strict=True):
        new = page_tags.segment_digests(path)
        for i in range(1, min(len(new), len(old.digests))):
            if new[i] == old.digests[i] and path.stat().st_size >= (i + 1) * 65536:
                return path, i
    raise AssertionError("no unchanged segment")


def test_a_byte_flipped_in_an_unchanged_page_is_caught(vault: Vault, tmp_path: Path) -> None:
    tags, files = _two_snapshots(vault, tmp_path)
    path, seg = _unchanged_segment(tags, files)
    _flip(path, seg * 65536 + 5 * 4096 + 1234)
    full = FullChecks()
    with pytest.raises(BackupCorrupt):
        _check(files, vault, tags, full, now=1060)
    assert full.calls == 1  # sent there by the incremental check: the schedule did not ask


def test_a_byte_flipped_in_a_changed_page_is_caught(vault: Vault, tmp_path: Path) -> None:
    tags, files = _two_snapshots(vault, tmp_path)
    changed = [
        (path, i)
        for old, path in zip(tags.files, files, strict=True)
        for i, digest in enumerate(page_tags.segment_digests(path))
        if i >= len(old.digests) or old.digests[i] != digest
    ]
    path, seg = changed[0]
    _flip(path, seg * 65536 + 4096 - 70)  # inside the page's HMAC
    full = FullChecks()
    with pytest.raises(BackupCorrupt):
        _check(files, vault, tags, full, now=1060)
    assert full.calls == 1


def test_the_full_check_runs_on_its_schedule(vault: Vault, tmp_path: Path) -> None:
    tags, files = _two_snapshots(vault, tmp_path)
    day = page_tags.FULL_EVERY_SECONDS
    assert _check(files, vault, tags, FullChecks(), now=1000 + day).reason == (
        "a day since the last full check"
    )
    nth = page_tags.Tags(tags.files, tags.full_at, page_tags.FULL_EVERY_RUNS - 1)
    assert _check(files, vault, nth, FullChecks(), now=1060).full
    report = page_tags.check(
        files, _keys(vault), tags, now=1060, force_full=True, full_check=FullChecks()
    )
    assert report.full and report.tags.full_at == 1060 and report.tags.since_full == 0
    other = page_tags.Tags(
        tuple(page_tags.FileTags(bytes(16), f.digests) for f in tags.files), 1000, 0
    )
    assert _check(files, vault, other, FullChecks(), now=1060).reason == "another database or key"
    fill(vault.session, 3_000_000, seed=9)  # the file more than doubles
    big = _snap(vault, tmp_path / "c.db")
    assert _check(big, vault, tags, FullChecks(), now=1060).reason.startswith("more than")


def test_tag_file_is_sealed_to_the_vault(vault: Vault, tmp_path: Path) -> None:
    tags, _ = _two_snapshots(vault, tmp_path)
    root, key, vid = tmp_path / "root", vault.session.dek, vault.session.vault_id
    root.mkdir()
    page_tags.save(root, key, vid, tags)
    stored = (root / page_tags.TAGS_NAME).read_bytes()
    assert page_tags.load(root, key, vid) == tags
    assert (root / page_tags.TAGS_NAME).stat().st_mode & 0o077 == 0
    assert page_tags.encode(tags)[:20] not in stored  # sealed
    assert page_tags.load(root, Secret(bytes(32)), vid) is None  # another key
    assert page_tags.load(root, key, "another-vault") is None
    damaged = bytearray(stored)
    damaged[-1] ^= 1
    (root / page_tags.TAGS_NAME).write_bytes(bytes(damaged))
    assert page_tags.load(root, key, vid) is None  # then the full check runs


def test_backups_check_incrementally_and_a_flipped_vault_page_fails(
    vault: Vault, drive: Path
) -> None:
    fill(vault.session, 1_500_000, seed=2)
    first = vault.service.run(drive)
    assert first.page_check is not None and first.page_check.full
    vault.clock.advance(60)
    vault.session.conn.execute("UPDATE t_notes SET n = 'x' WHERE id = 5")
    second = vault.service.run(drive)
    assert second.page_check is not None and not second.page_check.full
    assert 0 < second.page_check.pages_checked
    tags_before = (vault.root / page_tags.TAGS_NAME).read_bytes()
    # A byte flipped on the disk in the middle of a page of blobs nothing changed since.
    vault.session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    db = vault.session.paths.db
    offset = (db.stat().st_size // 4096 // 2) * 4096 + 2000
    _flip(db, offset)
    vault.clock.advance(60)
    before = [item.path for item in list_backups(drive)]
    with pytest.raises(BackupCorrupt):
        vault.service.run(drive)
    assert [item.path for item in list_backups(drive)] == before  # nothing new
    assert (vault.root / page_tags.TAGS_NAME).read_bytes() == tags_before
    _flip(db, offset)  # put it back for the fixture's lock
