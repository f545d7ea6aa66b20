"""TOTP: RFC 6238 vectors, an independent generator (oathtool), window and replay."""

from __future__ import annotations

import shutil
import subprocess

import pyotp
import pytest

from therapynotes.errors import TotpClockOff, TotpRejected, TotpReplayed
from therapynotes.security import totp
from therapynotes.security.totp import STEP_SECONDS, TotpCheck

RFC_SEED = "12345678901234567890"
# RFC 6238 appendix B, SHA-1 column (8 digits).
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("when", "expected"), RFC_VECTORS)
def test_rfc6238_appendix_b_sha1(when: int, expected: str) -> None:
    import base64

    secret = base64.b32encode(RFC_SEED.encode()).decode()
    assert pyotp.TOTP(secret, digits=8).at(when) == expected


def _oathtool(secret: str, when: int) -> str:
    exe = shutil.which("oathtool")
    if exe is None:
        pytest.fail("oathtool is required (Debian package oathtool); make test installs it in CI")
    out = subprocess.run(
        [exe, "--totp", "-b", f"--now=@{when}", secret], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


@pytest.mark.parametrize("when", [1_800_000_000, 1_800_000_029, 1_800_000_030, 2_000_000_000])
def test_codes_from_oathtool_are_accepted(when: int) -> None:
    secret = totp.new_secret()
    code = _oathtool(secret, when)
    check = TotpCheck(secret, lambda: float(when))
    assert check.verify(code, last_step=-1) == when // STEP_SECONDS


def test_new_secret_has_160_bits() -> None:
    secret = totp.new_secret()
    import base64

    assert len(base64.b32decode(secret)) * 8 >= 160


def test_provisioning_uri_names_issuer_and_secret() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert uri.startswith("otpauth://totp/")
    assert "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri
    assert "issuer=TherapyNotes" in uri


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_one_step_either_side_is_accepted(offset: int) -> None:
    secret = totp.new_secret()
    now = 1_800_000_015.0
    code = pyotp.TOTP(secret).at(now + offset * STEP_SECONDS)
    assert TotpCheck(secret, lambda: now).verify(code, last_step=-1) == int(now) // 30 + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_two_or_more_steps_away_is_rejected(offset: int) -> None:
    secret = totp.new_secret()
    now = 1_800_000_015.0
    code = pyotp.TOTP(secret).at(now + offset * STEP_SECONDS)
    with pytest.raises(TotpRejected):
        TotpCheck(secret, lambda: now).verify(code, last_step=-1)


def test_same_code_twice_is_rejected_as_replay() -> None:
    secret = totp.new_secret()
    now = 1_800_000_015.0
    check = TotpCheck(secret, lambda: now)
    code = pyotp.TOTP(secret).at(now)
    step = check.verify(code, last_step=-1)
    with pytest.raises(TotpReplayed):
        check.verify(code, last_step=step)


def test_older_code_after_a_newer_one_is_rejected() -> None:
    secret = totp.new_secret()
    now = 1_800_000_015.0
    check = TotpCheck(secret, lambda: now)
    newer = check.verify(pyotp.TOTP(secret).at(now + 30), last_step=-1)
    with pytest.raises(TotpReplayed):
        check.verify(pyotp.TOTP(secret).at(now), last_step=newer)


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_are_rejected(bad: str) -> None:
    with pytest.raises(TotpRejected):
        TotpCheck(totp.new_secret(), lambda: 1_800_000_000.0).verify(bad, last_step=-1)


def test_spaces_inside_a_code_are_ignored() -> None:
    secret = totp.new_secret()
    code = pyotp.TOTP(secret).at(1_800_000_000)
    spaced = f"{code[:3]} {code[3:]}"
    assert TotpCheck(secret, lambda: 1_800_000_000.0).verify(spaced, last_step=-1) > 0


# --- issue 12 ---------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("table", [FULL_WIDTH, ARABIC_INDIC])
def test_a_code_typed_in_other_digits_is_read_as_those_digits(table: dict[int, str]) -> None:
    secret = totp.new_secret()
    when = 1_800_000_000
    code = totp.code_at_step(secret, when // STEP_SECONDS)
    check = TotpCheck(secret, lambda: float(when))
    assert check.verify(code.translate(table), last_step=-1) == when // STEP_SECONDS


@pytest.mark.parametrize("typed", ["１２３", "١٢٣٤٥٦٧", "12345²", "ⅰⅱⅲⅳⅴⅵ", "12 34 5x"])
def test_other_non_ascii_input_is_a_plain_wrong_code(typed: str) -> None:
    check = TotpCheck(totp.new_secret(), lambda: 1_800_000_000.0)
    with pytest.raises(TotpRejected) as info:
        check.verify(typed, last_step=-1)
    assert type(info.value) is TotpRejected


def test_a_stored_step_from_a_clock_that_ran_ahead_is_bounded_to_the_present() -> None:
    secret = totp.new_secret()
    now = 1_800_000_000
    now_step = now // STEP_SECONDS
    future = now_step + 2880  # a day ahead
    assert totp.bounded_step(future, float(now)) == now_step + 1
    assert totp.bounded_step(now_step - 5, float(now)) == now_step - 5
    bounded = totp.bounded_step(future, float(now))  # what the unlock stores back
    later = TotpCheck(secret, lambda: float(now + 2 * STEP_SECONDS))
    code = totp.code_at_step(secret, now_step + 2)
    assert later.verify(code, last_step=bounded) == now_step + 2


@pytest.mark.parametrize("minutes", [-600, -90, -5, 4, 30, 60, 13 * 60 + 30])
def test_a_code_from_a_clock_far_off_says_the_clock_looks_wrong(minutes: int) -> None:
    secret = totp.new_secret()
    now = 1_800_000_000
    code = totp.code_at_step(secret, (now + minutes * 60) // STEP_SECONDS)
    check = TotpCheck(secret, lambda: float(now))
    with pytest.raises(TotpClockOff) as info:
        check.verify(code, last_step=-1)
    assert isinstance(info.value, TotpRejected)  # counted like any wrong code
    assert "your computer's clock or your phone's clock looks wrong" in info.value.message
