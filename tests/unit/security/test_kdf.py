"""Argon2id: RFC 9106 vector, parameter caps before allocation, calibration, test switch."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
from argon2.low_level import ARGON2_VERSION, Type, core, ffi

from tests.conftest import STRONG, FakeClock
from tests.support import cheap_kdf
from tests.support.vaults import make_vault
from therapynotes.errors import KeysFileCorrupt
from therapynotes.security import kdf
from therapynotes.security.kdf import KdfParams

REPO = Path(__file__).resolve().parents[3]
RFC9106_ARGON2ID_TAG = "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"


def test_rfc9106_section_5_3_argon2id_vector() -> None:
    """The Argon2 library we rely on reproduces the RFC 9106 Argon2id test vector
    (which uses the secret and associated-data inputs, hence the low-level call)."""
    password, salt, secret, ad = b"\x01" * 32, b"\x02" * 16, b"\x03" * 8, b"\x04" * 12
    out = ffi.new("uint8_t[]", 32)
    keep = [ffi.new("uint8_t[]", v) for v in (password, salt, secret, ad)]
    ctx = ffi.new(
        "argon2_context *",
        {
            "out": out,
            "outlen": 32,
            "pwd": keep[0],
            "pwdlen": 32,
            "salt": keep[1],
            "saltlen": 16,
            "secret": keep[2],
            "secretlen": 8,
            "ad": keep[3],
            "adlen": 12,
            "t_cost": 3,
            "m_cost": 32,
            "lanes": 4,
            "threads": 4,
            "version": ARGON2_VERSION,
            "allocate_cbk": ffi.NULL,
            "free_cbk": ffi.NULL,
            "flags": 0,
        },
    )
    assert core(ctx, Type.ID.value) == 0
    assert bytes(ffi.buffer(out, 32)).hex() == RFC9106_ARGON2ID_TAG


def test_argon2id_is_deterministic_and_salted() -> None:
    params = KdfParams(cheap_kdf.CHEAP_M_KIB, 1, 1, b"s" * 16)
    other = KdfParams(cheap_kdf.CHEAP_M_KIB, 1, 1, b"t" * 16)
    a = kdf.argon2id("pass phrase", params)
    assert a == kdf.argon2id("pass phrase", params)
    assert a != kdf.argon2id("pass phrase", other)
    assert a != kdf.argon2id("pass phrasf", params)


def test_passphrase_is_nfkc_normalized() -> None:
    params = KdfParams(cheap_kdf.CHEAP_M_KIB, 1, 1, b"s" * 16)
    composed, decomposed = "caf\u00e9 au lait", "cafe\u0301 au lait"
    assert kdf.argon2id(composed, params) == kdf.argon2id(decomposed, params)


@pytest.mark.parametrize(
    ("m_kib", "t", "p"),
    [
        (kdf.CAP_M_KIB + 1, 3, 4),
        (2**40, 3, 4),
        (65536, kdf.CAP_T + 1, 4),
        (65536, 3, kdf.CAP_P + 1),
    ],
)
def test_memory_and_cpu_bombs_are_refused_before_any_allocation(m_kib: int, t: int, p: int) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(KeysFileCorrupt):
        kdf.argon2id("x", KdfParams(m_kib, t, p, b"s" * 16))
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(f"peak RSS growth while refusing m={m_kib} KiB: {grown_kib} KiB")
    assert grown_kib < 16 * 1024


@pytest.mark.parametrize("bad", [(0, 3, 4), (65536, 0, 4), (65536, 3, 0), (4, 3, 4)])
def test_out_of_range_parameters_are_refused(bad: tuple[int, int, int]) -> None:
    with pytest.raises(KeysFileCorrupt):
        KdfParams(*bad, salt=b"s" * 16).check()


def test_below_floor_parameters_are_refused_without_the_test_switch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kdf, "_test_profile", None)
    with pytest.raises(KeysFileCorrupt):
        KdfParams(cheap_kdf.CHEAP_M_KIB, 1, 1, b"s" * 16).check()
    KdfParams(kdf.FLOOR_M_KIB, kdf.FLOOR_T, kdf.FLOOR_P, b"s" * 16).check()


def test_no_environment_variable_reaches_the_cheap_kdf_from_the_entry_point(
    vault_dir: Path, clock: FakeClock
) -> None:
    """Issue 12: THERAPYNOTES_TEST_CHEAP_KDF=1 with PYTEST_CURRENT_TEST set used to let
    an installed app accept (and make) key files below the floor. Now the real entry
    point refuses a below-floor vault whatever the environment says; only a test's child
    that switches the profile on itself (tests/support/cli_child.py) can open it."""
    svc, created = make_vault(vault_dir, clock, passphrase_only=True)
    env = {
        **os.environ,
        "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}",
        "THERAPYNOTES_TEST_CHEAP_KDF": "1",
        "PYTEST_CURRENT_TEST": "tests/x.py::test (call)",
    }
    code = pyotp.TOTP(created.totp_secret).now()
    argv = ["--vault", str(vault_dir), "--passphrase-stdin", "clients"]

    def child(*entry: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *entry, *argv], input=f"{STRONG}\n{code}\n", env=env,
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip

    refused = child("-m", "therapynotes")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "below the safety floor" in refused.stderr
    opened = child("-m", "tests.support.cli_child")
    assert opened.returncode == 0, opened.stderr


def test_the_app_never_sets_the_cheap_profile() -> None:
    src = REPO / "src" / "therapynotes"
    users = [
        path.relative_to(src).as_posix()
        for path in src.rglob("*.py")
        if "_test_profile" in path.read_text("utf-8")
    ]
    assert users == ["security/kdf.py"]
    text = (src / "security" / "kdf.py").read_text("utf-8")
    assert "_test_profile: tuple[int, int, int] | None = None\n" in text
    assert "_test_profile =" not in text and "global _test_profile" not in text
    assert kdf.cheap_kdf_enabled()  # tests/conftest.py installed it for this test


def test_calibration_meets_the_floor_and_uses_256_mib_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kdf, "_test_profile", None)
    params = kdf.calibrate(target_seconds=0.2)
    print(f"calibrated: m={params.m_kib} KiB t={params.t} p={params.p}")
    assert params.m_kib >= kdf.FLOOR_M_KIB and params.t >= kdf.FLOOR_T and params.p == kdf.FLOOR_P
    # This machine has plenty of memory: the default 256 MiB is kept.
    assert params.m_kib == kdf.DEFAULT_M_KIB
    assert len(params.salt) == kdf.SALT_LEN


def test_hkdf_subkeys_differ_by_purpose() -> None:
    master = kdf.argon2id("x", KdfParams(cheap_kdf.CHEAP_M_KIB, 1, 1, b"s" * 16))
    local = kdf.kek_local(master, b"\x00" * 32)
    assert local != kdf.kek_local(master, b"\x01" * 32)
    assert local != kdf.kek_backup(master)


@pytest.mark.parametrize(
    ("m_kib", "t", "p"),
    [(4 * 1024 * 1024, 64, 16), (256 * 1024 + 1, 3, 4), (65536, 33, 4), (65536, 3, 5)],
)
def test_caps_are_what_calibration_can_produce(m_kib: int, t: int, p: int) -> None:
    """Issue 12: 4 GiB / 64 passes / 16 lanes were accepted from a file; now nothing
    beyond 256 MiB, 32 passes, 4 lanes is derived."""
    assert (kdf.CAP_M_KIB, kdf.CAP_T, kdf.CAP_P) == (256 * 1024, 32, 4)
    with pytest.raises(KeysFileCorrupt):
        KdfParams(m_kib, t, p, b"s" * 16).check()
    KdfParams(kdf.CAP_M_KIB, kdf.CAP_T, kdf.CAP_P, b"s" * 16).check()


def test_calibration_on_a_very_fast_computer_stays_within_the_caps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kdf, "_test_profile", None)
    monkeypatch.setattr(kdf, "argon2id", lambda *_a: kdf.Secret(b"x" * 32))
    monkeypatch.setattr(kdf, "_available_memory_kib", lambda: 64 * 1024 * 1024)
    params = kdf.calibrate(target_seconds=1000.0)
    assert (params.m_kib, params.t, params.p) == (kdf.CAP_M_KIB, kdf.CAP_T, kdf.CAP_P)
    params.check()
