"""vault.keys: every byte flipped is rejected; downgrades fail; the MAC covers all fields."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.support.vaults import STRONG, code_for, make_vault
from therapynotes.errors import KeysFileCorrupt, KeysFileTooNew, TherapyNotesError, WrongPassphrase
from therapynotes.security import keyslots


def _rechecksum(raw: bytes) -> bytes:
    """Recompute the unkeyed checksum, as an attacker editing the file would."""
    lines = raw.split(b"\n")
    signed = lines[0] + b"\n" + lines[1] + b"\n"
    lines[2] = b"sha256 " + hashlib.sha256(signed).hexdigest().encode()
    return b"\n".join(lines)


def test_decode_round_trip(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    doc = keyslots.decode(svc.paths.keys.read_bytes())
    assert doc.vault_id == created.vault_id
    assert doc.device_binding == keyslots.BINDING_KEYRING


def test_every_byte_flipped_is_rejected_and_nothing_is_written(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    original = svc.paths.keys.read_bytes()
    db_before = svc.paths.db.read_bytes()
    outcomes: dict[str, int] = {}
    for i in range(len(original)):
        tampered = bytearray(original)
        tampered[i] ^= 0x01 if i % 2 else 0x80
        svc.paths.keys.write_bytes(bytes(tampered))
        try:
            svc.unlock(STRONG, code_for(created, clock()))
        except TherapyNotesError as exc:
            outcomes[type(exc).__name__] = outcomes.get(type(exc).__name__, 0) + 1
        else:
            pytest.fail(f"flipping byte {i} was accepted")
        finally:
            svc.attempts.path.unlink(missing_ok=True)
    print(f"{len(original)} flipped bytes, outcomes: {outcomes}")
    assert sum(outcomes.values()) == len(original)
    assert set(outcomes) <= {"KeysFileCorrupt", "KeysFileTooNew"}
    assert svc.paths.db.read_bytes() == db_before


@pytest.mark.parametrize(
    ("pattern", "replacement"),
    [
        (rb'"keyring_backend":"[^"]*"', b'"keyring_backend":"evil"'),
        (rb'"created_at":"[^"]*"', b'"created_at":"2001-01-01T00:00:00Z"'),
        (rb'"app_version":"[^"]*"', b'"app_version":"9.9.9"'),
    ],
)
def test_field_edits_with_a_fixed_checksum_fail_the_mac(
    vault_dir: Path, clock, pattern: bytes, replacement: bytes
) -> None:
    svc, created = make_vault(vault_dir, clock)
    raw = svc.paths.keys.read_bytes()
    svc.paths.keys.write_bytes(_rechecksum(re.sub(pattern, replacement, raw)))
    with pytest.raises(KeysFileCorrupt, match="changed"):
        svc.unlock(STRONG, code_for(created, clock()))


def test_kdf_downgrade_with_a_fixed_checksum_fails_to_decrypt(vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    raw = svc.paths.keys.read_bytes()
    weaker = re.sub(rb'"m_kib":\d+', b'"m_kib":32', raw)
    assert weaker != raw
    svc.paths.keys.write_bytes(_rechecksum(weaker))
    with pytest.raises(WrongPassphrase):
        svc.unlock(STRONG, code_for(created, clock()))


def test_memory_bomb_slot_is_refused_before_the_kdf(vault_dir: Path, clock, monkeypatch) -> None:
    svc, created = make_vault(vault_dir, clock)
    raw = svc.paths.keys.read_bytes()
    svc.paths.keys.write_bytes(_rechecksum(re.sub(rb'"m_kib":\d+', b'"m_kib":1073741824', raw)))

    def no_kdf(*_a: object, **_k: object) -> bytes:
        raise AssertionError("Argon2id must not run for a memory-bomb slot")

    monkeypatch.setattr("therapynotes.security.kdf.hash_secret_raw", no_kdf)
    with pytest.raises(KeysFileCorrupt, match="safety limit"):
        svc.unlock(STRONG, code_for(created, clock()))


def test_newer_format_gets_its_own_message(vault_dir: Path, clock) -> None:
    svc, _ = make_vault(vault_dir, clock)
    newer = f"therapynotes-keys/{keyslots.NEWEST_FORMAT + 1}".encode()
    current = f"therapynotes-keys/{keyslots.FORMAT_VERSION}".encode()
    raw = svc.paths.keys.read_bytes().replace(current, newer, 1)
    with pytest.raises(KeysFileTooNew):
        keyslots.decode(raw)


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x00" * 100, b"therapynotes-keys/1\n{}\nsha256 00\nmac 00\n", b"x" * 70000],
)
def test_garbage_is_reported_as_damaged(raw: bytes) -> None:
    with pytest.raises(KeysFileCorrupt):
        keyslots.decode(raw)
