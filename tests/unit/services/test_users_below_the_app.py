"""Issue 17 phase B, below the app: an assistant's keys are derived by hand from
vault.keys, their passphrase and this computer's device secret (no app code on the key
path), and open vault.db, where no clinical canary is found on any page; clinical.db
refuses them. A supervisor's keys never include the root key R."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.public import PrivateKey, SealedBox

from tests.conftest import FakeClock
from tests.support.pages import count_hits
from tests.support.users import ASSISTANT_PW, SUPERVISOR_PW, add
from tests.support.vaults import STRONG, code_for, make_vault
from tests.unit.services.test_clinical_key import CLINICAL, SHARED, _every_value, _fill, _raw
from therapynotes.security import device_key


def _hkdf(ikm: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def _kdf_ad(kdf: dict[str, object]) -> bytes:
    salt = base64.b64decode(str(kdf["salt"]))
    return b"argon2id;m=%d;t=%d;p=%d;salt=%s" % (
        kdf["m_kib"],
        kdf["t"],
        kdf["p"],
        salt.hex().encode(),
    )


def keys_by_hand(root: Path, name: str, passphrase: str) -> tuple[str, bytes]:
    """(role, the keys in the grant) for `name`, from the files and secrets alone."""
    body = json.loads((root / "vault.keys").read_bytes().split(b"\n")[1])
    vault_id, binding = body["vault_id"], body["device_binding"]
    device = device_key.load(body["device_entry"]).reveal() if binding == "keyring" else b""
    entry = next(u for u in body["users"] if u["name"] == name)
    kdf, role = entry["kdf"], entry["role"]
    hex_name = name.encode().hex().encode()
    outer_ad = b"therapynotes/slot;type=user;format=3;name=%s;role=%s;%s;vault=%s;binding=%s" % (
        hex_name, role.encode(), _kdf_ad(kdf), vault_id.encode(), binding.encode(),
    )  # fmt: skip
    inner_ad = b"therapynotes/slot;type=user-key;format=3;name=%s;%s;vault=%s" % (
        hex_name, _kdf_ad(kdf), vault_id.encode(),
    )  # fmt: skip
    device_kek = _hkdf(device, b"therapynotes/user-device/v1", vault_id.encode())
    inner = ChaCha20Poly1305(device_kek).decrypt(
        base64.b64decode(entry["nonce"]), base64.b64decode(entry["ct"]), outer_ad
    )
    master = hash_secret_raw(
        secret=passphrase.encode(), salt=base64.b64decode(kdf["salt"]), time_cost=kdf["t"],
        memory_cost=kdf["m_kib"], parallelism=kdf["p"], hash_len=32, type=Type.ID,
    )  # fmt: skip
    private = ChaCha20Poly1305(_hkdf(master, b"therapynotes/user-key/v1")).decrypt(
        inner[:12], inner[12:], inner_ad
    )
    payload = SealedBox(PrivateKey(private)).decrypt(base64.b64decode(entry["grant"]))
    grant = json.loads(payload.split(b"\n", 1)[1])
    assert grant["name"] == name and grant["role"] == role and grant["vault_id"] == vault_id
    return role, base64.b64decode(grant["keys"])


def test_an_assistants_keys_open_no_clinical_content(vault_dir: Path, clock: FakeClock) -> None:
    svc, created = make_vault(vault_dir, clock)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    _fill(owner, clock)
    add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    owner_keys = owner.data_keys().reveal()
    owner.lock("test")

    role, keys = keys_by_hand(vault_dir, "Sam", ASSISTANT_PW)
    assert role == "assistant" and len(keys) == 32 and keys == owner_keys[:32]
    conn = _raw(svc.paths.db, keys)
    try:
        text = _every_value(conn)
    finally:
        conn.close()
    assert SHARED in text and CLINICAL not in text and CLINICAL.lower() not in text.lower()
    needles = [CLINICAL.encode(), CLINICAL.lower().encode(), CLINICAL.encode("utf-16-le")]
    assert count_hits(svc.paths.db, keys, needles) == dict.fromkeys(needles, 0)
    assert count_hits(svc.paths.db, keys, [SHARED.encode()])[SHARED.encode()] > 0
    # clinical.db refuses the assistant's key ...
    wrong = _raw(svc.paths.clinical, keys)
    with pytest.raises(sqlcipher.DatabaseError):
        wrong.execute("SELECT count(*) FROM sqlite_master").fetchall()
    wrong.close()
    # ... and holds the canary under the clinical key (so this test can fail).
    assert count_hits(svc.paths.clinical, owner_keys[32:], [CLINICAL.encode()])[CLINICAL.encode()]
    # vault.keys itself holds no canary and no key in the clear.
    raw_keys = svc.paths.keys.read_bytes()
    assert CLINICAL.encode() not in raw_keys and keys not in raw_keys


def test_a_supervisors_keys_never_include_the_root_key(vault_dir: Path, clock: FakeClock) -> None:
    svc, created = make_vault(vault_dir, clock)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    root_key = owner.dek.reveal()
    bundle = owner.data_keys().reveal()
    add(svc, owner, created, clock, "Dr Lee", "supervisor", SUPERVISOR_PW)
    owner.lock("test")
    role, keys = keys_by_hand(vault_dir, "Dr Lee", SUPERVISOR_PW)
    assert role == "supervisor" and keys == bundle and root_key not in keys
    # Without R the passphrase and recovery slots stay shut: the data keys are not R.
    assert root_key != keys[:32] and root_key != keys[32:]
