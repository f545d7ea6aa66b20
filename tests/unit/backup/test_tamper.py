"""Adversarial files (testing.md 4-6): every header byte flipped, sampled bit flips in every
chunk, truncation, extension, reordered/duplicated/spliced chunks, wrong keys, downgraded
and memory-bomb KDF parameters. 100 % must be rejected, and nothing may be written."""

from __future__ import annotations

import hashlib
import random
import resource
import struct
import tracemalloc
from pathlib import Path

import pytest

from tests.conftest import STRONG, STRONG2
from tests.unit.backup.conftest import Vault, fill
from therapynotes.backup import format as fmt
from therapynotes.backup import reader
from therapynotes.backup.errors import (
    BackupCorrupt,
    BackupError,
    BackupTooNew,
    BackupWrongKey,
    NotABackup,
)
from therapynotes.errors import RecoveryKeyTypo
from therapynotes.security import recovery
from therapynotes.services.backups import verify_backup
from therapynotes.services.restore import RestoreService


@pytest.fixture
def backup(vault: Vault, drive: Path) -> tuple[Path, bytes]:
    fill(vault.session, 4 * fmt.CHUNK)  # a payload of several chunks
    path = vault.service.run(drive).path
    return path, path.read_bytes()


def _reject(tmp_path: Path, data: bytes, *, key: str = STRONG) -> type[BaseException]:
    """Verify `data`; return the error class. Fails the test if it was accepted or if
    anything was left in the scratch folder."""
    candidate = tmp_path / "candidate.tnbackup"
    candidate.write_bytes(data)
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    with pytest.raises(BackupError) as info:
        reader.verify_file(candidate, scratch, passphrase=key)
    assert list(scratch.iterdir()) == [], "verification left files behind"
    return info.type


def _layout(data: bytes) -> tuple[int, list[int]]:
    header = fmt.parse_header(data)
    starts = list(range(header.size, len(data), fmt.CHUNK_CT))
    return header.size, starts


def _with_checksum(data: bytes, header_size: int) -> bytes:
    """Re-seal the plain SHA-256 (as an attacker would) so a change reaches deeper checks."""
    signed_len = header_size - 2 * fmt.DIGEST_LEN
    signed = data[:signed_len]
    return signed + hashlib.sha256(signed).digest() + data[signed_len + fmt.DIGEST_LEN :]


def test_every_header_byte_flipped(backup: tuple[Path, bytes], tmp_path: Path) -> None:
    _, data = backup
    size, _ = _layout(data)
    outcomes: dict[str, int] = {}
    for i in range(size):
        bad = bytearray(data)
        bad[i] ^= 0x01 << (i % 8)
        kind = _reject(tmp_path, bytes(bad))
        assert kind in (BackupCorrupt, NotABackup, BackupTooNew)
        outcomes[kind.__name__] = outcomes.get(kind.__name__, 0) + 1
    assert sum(outcomes.values()) == size
    print(f"header bytes flipped: {size}, rejected: {outcomes}")


def test_flipped_header_restore_writes_nothing(backup: tuple[Path, bytes], tmp_path: Path) -> None:
    _, data = backup
    size, _ = _layout(data)
    target = tmp_path / "target"
    for i in range(0, size, 7):
        bad = bytearray(data)
        bad[i] ^= 0x80
        path = tmp_path / "bad.tnbackup"
        path.write_bytes(bytes(bad))
        with pytest.raises(BackupError):
            RestoreService(target).restore(path, passphrase=STRONG)
        assert not target.exists()
        assert not [p for p in tmp_path.iterdir() if "restore" in p.name]


def test_header_edits_with_resealed_checksum_fail_authentication(
    backup: tuple[Path, bytes], tmp_path: Path
) -> None:
    _, data = backup
    size, _ = _layout(data)
    signed_len = size - 2 * fmt.DIGEST_LEN
    for i in range(len(fmt.MAGIC) + 4, signed_len):
        bad = bytearray(data)
        bad[i] ^= 0x04
        kind = _reject(tmp_path, _with_checksum(bytes(bad), size))
        assert kind in (BackupCorrupt, BackupWrongKey)


def test_sampled_bit_flips_in_every_chunk(backup: tuple[Path, bytes], tmp_path: Path) -> None:
    _, data = backup
    _, starts = _layout(data)
    rng = random.Random(5)  # noqa: S311 - reproducible sampling, not crypto
    tried = 0
    for start in starts:
        end = min(start + fmt.CHUNK_CT, len(data))
        for offset in [start, end - 1, *(rng.randrange(start, end) for _ in range(6))]:
            bad = bytearray(data)
            bad[offset] ^= 1 << rng.randrange(8)
            assert _reject(tmp_path, bytes(bad)) is BackupCorrupt
            tried += 1
    print(f"chunks: {len(starts)}, payload flips rejected: {tried}/{tried}")


def test_truncation_and_extension(backup: tuple[Path, bytes], tmp_path: Path) -> None:
    _, data = backup
    size, starts = _layout(data)
    cuts = {0, 4, size - 1, size, len(data) - 1, len(data) - fmt.TAG_LEN}
    for start in starts[1:]:
        cuts |= {start - 1, start, start + 1, start - fmt.TAG_LEN, start + fmt.TAG_LEN}
    for cut in sorted(c for c in cuts if 0 <= c < len(data)):
        assert _reject(tmp_path, data[:cut]) in (BackupCorrupt, NotABackup)
    last = data[starts[-1] :]
    for extra in (b"\x00", b"x" * fmt.TAG_LEN, bytes(fmt.CHUNK_CT), last, data[starts[0] :]):
        assert _reject(tmp_path, data + extra) is BackupCorrupt


def test_reordered_duplicated_and_spliced_chunks(
    backup: tuple[Path, bytes], vault: Vault, drive: Path, tmp_path: Path
) -> None:
    path, data = backup
    size, starts = _layout(data)
    chunks = [data[s : s + fmt.CHUNK_CT] for s in starts]
    head = data[:size]
    assert len(chunks) >= 3
    variants = [
        [chunks[1], chunks[0], *chunks[2:]],
        [chunks[0], chunks[0], *chunks[1:]],
        [*chunks[:-1], chunks[-2], chunks[-1]],
        chunks[:-2] + [chunks[-1]],  # drop a middle chunk
        [*chunks[:-1], chunks[0]],  # a non-final chunk in the final position
    ]
    vault.clock.advance(60)
    other = vault.service.run(drive).path.read_bytes()  # same vault, same passphrase
    o_size, o_starts = _layout(other)
    o_chunks = [other[s : s + fmt.CHUNK_CT] for s in o_starts]
    variants.append([chunks[0], o_chunks[1], *chunks[2:]])
    variants.append([*chunks[:-1], o_chunks[-1]])
    for v in variants:
        assert _reject(tmp_path, head + b"".join(v)) is BackupCorrupt
    # The other file's header on this payload: the file key differs.
    assert _reject(tmp_path, other[:o_size] + b"".join(chunks)) is BackupCorrupt
    assert path.exists()


def test_wrong_keys(backup: tuple[Path, bytes], vault: Vault, tmp_path: Path) -> None:
    path, _ = backup
    with pytest.raises(BackupWrongKey):
        verify_backup(path, tmp_path, passphrase=STRONG2)
    other_rk = recovery.format_recovery_key(recovery.new_recovery_key())
    with pytest.raises(BackupWrongKey):
        verify_backup(path, tmp_path, recovery_text=other_rk)
    typo = vault.created.recovery_key
    typo = typo[:5] + ("A" if typo[5] != "A" else "B") + typo[6:]
    with pytest.raises(RecoveryKeyTypo):
        verify_backup(path, tmp_path, recovery_text=typo)
    with pytest.raises(BackupWrongKey):
        RestoreService(tmp_path / "t").restore(path, passphrase=STRONG2)
    assert not (tmp_path / "t").exists()


def _kdf_offset(data: bytes) -> int:
    vid_len = data[12]
    app_len = data[12 + 1 + vid_len + 20]
    return 12 + 1 + vid_len + 20 + 1 + app_len


@pytest.mark.parametrize(
    "params",
    [
        (2**32 - 1, 3, 4),
        (4 * 1024 * 1024 + 1, 1, 1),
        (64, 10_000, 1),
        (64, 1, 255),
        (0, 0, 0),
        # issue 12: beyond what calibration can produce (256 MiB, 32 passes, 4 lanes)
        (4 * 1024 * 1024, 64, 16),
        (256 * 1024 + 1, 3, 4),
        (64 * 1024, 33, 4),
        (64 * 1024, 3, 5),
    ],
)
def test_memory_bomb_rejected_before_any_kdf(
    backup: tuple[Path, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    params: tuple[int, int, int],
) -> None:
    m_kib, t, p = params
    _, data = backup
    size, _ = _layout(data)
    off = _kdf_offset(data)
    bad = data[:off] + struct.pack(">III", m_kib, t, p) + data[off + 12 :]
    bad = _with_checksum(bad, size)

    def no_kdf(**_kw: object) -> bytes:
        raise AssertionError("Argon2id ran for a refused header")

    monkeypatch.setattr("therapynotes.security.kdf.hash_secret_raw", no_kdf)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    kind = _reject(tmp_path, bad)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert kind is BackupCorrupt
    assert peak < 2 * 1024 * 1024 and rss_growth_kib < 32 * 1024
    print(f"m={m_kib} t={t} p={p}: refused; python peak {peak} B, RSS growth {rss_growth_kib} KiB")


def test_downgrade_below_floor_refused_before_kdf(
    backup: tuple[Path, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, data = backup
    monkeypatch.setattr("therapynotes.security.kdf.cheap_kdf_enabled", lambda: False)
    monkeypatch.setattr("therapynotes.security.kdf.hash_secret_raw", None)
    assert _reject(tmp_path, data) is BackupCorrupt  # cheap test params are below the floor


def test_downgrade_within_caps_fails_the_slot(backup: tuple[Path, bytes], tmp_path: Path) -> None:
    _, data = backup
    size, _ = _layout(data)
    off = _kdf_offset(data)
    m, t, p = struct.unpack(">III", data[off : off + 12])
    bad = data[:off] + struct.pack(">III", m, t, p + 1) + data[off + 12 :]
    assert _reject(tmp_path, _with_checksum(bad, size)) is BackupWrongKey


@pytest.mark.parametrize("older", sorted(fmt.READABLE_VERSIONS - {fmt.FORMAT_VERSION}))
def test_current_format_relabelled_as_an_older_format_fails_authentication(
    backup: tuple[Path, bytes], tmp_path: Path, older: int
) -> None:
    """Format 2 dropped the snapshot hash, format 3 added clinical.db and format 4
    changed the payload cipher and chunk size; claiming an older format (whose reader
    would look for a hash, for one database or for ChaCha20 chunks) must not get past
    the header MAC, which covers the version field."""
    _, data = backup
    assert struct.unpack(">H", data[8:10]) == (fmt.FORMAT_VERSION,)
    size, _ = _layout(data)
    bad = bytearray(data)
    bad[8:10] = struct.pack(">H", older)
    assert _reject(tmp_path, _with_checksum(bytes(bad), size)) is BackupCorrupt


def test_current_manifest_has_no_hash_and_tags_still_catch_every_chunk(
    backup: tuple[Path, bytes], vault: Vault, tmp_path: Path
) -> None:
    path, data = backup
    opened = reader.open_with_dek(path, vault.session.dek)
    try:
        manifest = reader.read_manifest(opened)
    finally:
        opened.close()
    assert manifest.format == fmt.FORMAT_VERSION and manifest.snapshot_sha256 is None
    assert manifest.data_keys is not None and 0 < manifest.clinical_length < (
        manifest.snapshot_length
    )
    assert b'"sha256"' not in manifest.encode()
    _, starts = _layout(data)
    for start in starts:  # one flipped byte in the middle of each chunk, hash or not
        bad = bytearray(data)
        bad[min(start + fmt.CHUNK // 2, len(data) - 1)] ^= 0x80
        assert _reject(tmp_path, bytes(bad)) is BackupCorrupt
