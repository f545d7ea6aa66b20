"""A reader written from docs/backup-format.md alone (no therapynotes imports for the
format): proves the document is complete, for both the passphrase and the recovery key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import unicodedata
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tests.conftest import STRONG
from tests.unit.backup.conftest import Vault, fill


def hkdf(ikm: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def parse(data: bytes) -> tuple[dict[str, object], int]:
    magic, version, body_len = struct.unpack(">8sHH", data[:12])
    assert magic == b"TNBACKUP" and version in (1, 2, 3, 4) and body_len <= 948
    body, pos = data[12 : 12 + body_len], 0
    signed = data[: 12 + body_len]
    assert hashlib.sha256(signed).digest() == data[12 + body_len : 12 + body_len + 32]

    def take(n: int) -> bytes:
        nonlocal pos
        pos += n
        return body[pos - n : pos]

    h: dict[str, object] = {"signed": signed, "mac": data[12 + body_len + 32 : 12 + body_len + 64]}
    h["version"] = version
    h["vault_id"] = take(take(1)[0]).decode()
    h["created_at"], h["seq"], h["schema"] = struct.unpack(">QQI", take(20))
    h["app"] = take(take(1)[0]).decode()
    h["m"], h["t"], h["p"] = struct.unpack(">III", take(12))
    for name, n in (("salt", 16), ("pn", 12), ("pc", 48), ("rs", 16), ("rn", 12), ("rc", 48),
                    ("wn", 12), ("wc", 48), ("N", 16)):  # fmt: skip
        h[name] = take(n)
    assert pos == len(body)
    return h, 12 + body_len + 64


def ad(h: dict[str, object], slot: str) -> bytes:
    return (
        f"therapynotes/backup/v1;slot={slot};argon2id;m={h['m']};t={h['t']};p={h['p']};"
        f"salt={h['salt'].hex()};vault={h['vault_id']};file={h['N'].hex()}"  # type: ignore[attr-defined]
    ).encode()


def fk_from_passphrase(h: dict[str, object], passphrase: str) -> bytes:
    m = hash_secret_raw(
        unicodedata.normalize("NFKC", passphrase).encode(), h["salt"],  # type: ignore[arg-type]
        time_cost=h["t"], memory_cost=h["m"], parallelism=h["p"],  # type: ignore[arg-type]
        hash_len=32, type=Type.ID,
    )  # fmt: skip
    kek = hkdf(m, b"therapynotes/backup/v1")
    return ChaCha20Poly1305(kek).decrypt(h["pn"], h["pc"], ad(h, "passphrase"))  # type: ignore[arg-type]


def fk_from_recovery(h: dict[str, object], text: str) -> bytes:
    cleaned = text.upper().replace("-", "").replace(" ", "")
    raw = base64.b32decode(cleaned.translate(str.maketrans({"0": "O", "1": "I", "8": "B"})))
    rk, check = raw[:32], raw[32:]
    assert hashlib.sha256(b"therapynotes/recovery-check/v1" + rk).digest()[:3] == check
    kek = hkdf(rk, b"therapynotes/recovery/v1", salt=h["rs"])  # type: ignore[arg-type]
    slot_ad = f"therapynotes/slot;type=recovery;format=1;salt={h['rs'].hex()};vault={h['vault_id']}"  # type: ignore[attr-defined]
    dek = ChaCha20Poly1305(kek).decrypt(h["rn"], h["rc"], slot_ad.encode())  # type: ignore[arg-type]
    w = hkdf(dek, b"therapynotes/backup-recovery/v1", salt=h["N"])  # type: ignore[arg-type]
    return ChaCha20Poly1305(w).decrypt(h["wn"], h["wc"], ad(h, "recovery"))  # type: ignore[arg-type]


def read(path: Path, fk: bytes, h: dict[str, object], start: int, out: Path) -> dict[str, object]:
    data = path.read_bytes()
    hk = hkdf(fk, b"therapynotes/backup-header/v1")
    assert hmac.compare_digest(hmac.new(hk, h["signed"], "sha256").digest(), h["mac"])  # type: ignore[arg-type]
    pk_raw = hkdf(fk, b"therapynotes/backup-payload/v1", salt=h["N"])  # type: ignore[arg-type]
    # Format 4: AES-256-GCM, 1 MiB plaintext chunks; 1-3: ChaCha20-Poly1305, 64 KiB.
    four = h["version"] >= 4
    pk = AESGCM(pk_raw) if four else ChaCha20Poly1305(pk_raw)
    chunk_len = (1048576 if four else 65536) + 16
    plain, i, pos = bytearray(), 0, start
    while True:
        chunk = data[pos : pos + chunk_len]
        last = pos + len(chunk) == len(data)
        plain += pk.decrypt(i.to_bytes(11, "big") + (b"\x01" if last else b"\x00"), chunk, None)
        pos, i = pos + len(chunk), i + 1
        if last:
            break
    (mlen,) = struct.unpack(">I", plain[:4])
    manifest = json.loads(plain[4 : 4 + mlen])
    snap = bytes(plain[4 + mlen :])
    assert len(snap) == manifest["snapshot"]["length"] and manifest["format"] == h["version"]
    if h["version"] == 1:  # formats 2 and 3 have no hash: the chunk tags are the proof
        assert hashlib.sha256(snap).hexdigest() == manifest["snapshot"]["sha256"]
    else:
        assert "sha256" not in manifest["snapshot"]
    # Format 3 (issue 17): vault.db's copy, then clinical.db's; each with its own key.
    # Older files hold one database under `dek`.
    two = "data_keys" in manifest
    assert two == (h["version"] >= 3)
    keys = manifest["data_keys"] if two else manifest["dek"]
    clinical_len = manifest["clinical"]["length"] if two else 0
    out.write_bytes(snap[: len(snap) - clinical_len])
    clinical = out.with_name(out.name + ".clinical")
    clinical.write_bytes(snap[len(snap) - clinical_len :])
    conn = sqlcipher.connect(str(out))
    conn.execute(f"PRAGMA key = \"x'{keys[:64]}'\"")
    if two:
        conn.execute(f"ATTACH DATABASE ? AS clinical KEY \"x'{keys[64:]}'\"", (str(clinical),))
        assert conn.execute("PRAGMA clinical.cipher_integrity_check").fetchall() == []
    assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []
    for table, count in manifest["counts"].items():
        schema, _, name = table.rpartition(".")
        query = f'SELECT count(*) FROM {schema or "main"}."{name}"'  # noqa: S608
        assert conn.execute(query).fetchone()[0] == count
    if two:
        assert conn.execute("SELECT count(*) FROM clinical.notes").fetchone()[0] >= 0
    conn.close()
    return manifest  # type: ignore[no-any-return]


def test_independent_reader(vault: Vault, drive: Path, tmp_path: Path) -> None:
    fill(vault.session, 2_500_000)  # several of format 4's 1 MiB chunks
    path = vault.service.run(drive).path
    h, start = parse(path.read_bytes())
    assert h["version"] >= 4 and (path.stat().st_size - start) > 3 * 1048576
    m1 = read(path, fk_from_passphrase(h, STRONG), h, start, tmp_path / "a.db")
    m2 = read(path, fk_from_recovery(h, vault.created.recovery_key), h, start, tmp_path / "b.db")
    assert m1 == m2 and m1["vault_id"] == vault.session.vault_id


def test_independent_reader_reads_the_format_1_fixture(tmp_path: Path) -> None:
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "backup"
    meta = json.loads((fixtures / "v1-schema2.json").read_text())
    path = fixtures / "v1-schema2.tnbackup"
    h, start = parse(path.read_bytes())
    assert h["version"] == 1
    manifest = read(path, fk_from_passphrase(h, meta["passphrase"]), h, start, tmp_path / "a.db")
    assert manifest["counts"] == meta["counts"]


@pytest.mark.parametrize(
    ("name", "version"), [("v2-schema11", 2), ("v3-schema13", 3), ("v4-schema13", 4)]
)
def test_independent_reader_reads_the_later_fixtures(
    tmp_path: Path, name: str, version: int
) -> None:
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "backup"
    meta = json.loads((fixtures / f"{name}.json").read_text())
    path = fixtures / f"{name}.tnbackup"
    h, start = parse(path.read_bytes())
    assert h["version"] == version
    manifest = read(path, fk_from_recovery(h, meta["recovery_key"]), h, start, tmp_path / "a.db")
    assert manifest["counts"] == meta["counts"]
