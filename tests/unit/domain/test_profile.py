"""The clinician profile's validation (NPI check digit with the 80840 prefix, licence
state) and the words of a signature line."""

from __future__ import annotations

import pytest

from therapynotes.domain.profile import (
    ClinicianProfile,
    is_valid_npi,
    luhn_check_digit,
    normalise_state,
    signature_line,
)
from therapynotes.profile_errors import InvalidLicenseState, InvalidNpi, InvalidProfile

DANA = ClinicianProfile("Dana Reyes", "PsyD", "PSY 12345", "CA", "1234567893")


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126"])
def test_valid_npis(npi: str) -> None:
    assert is_valid_npi(npi)


@pytest.mark.parametrize(
    "npi", ["1234567890", "1234567894", "123456789", "12345678930", "12345678a3", "１２34567893"]
)
def test_invalid_npis(npi: str) -> None:
    assert not is_valid_npi(npi)


def test_check_digit_uses_the_80840_prefix() -> None:
    # CMS's worked example: 123456789 with the prefix gives 3; without it, 7.
    assert luhn_check_digit("80840" + "123456789") == 3
    assert luhn_check_digit("123456789") == 7


def test_every_single_digit_typo_is_caught() -> None:
    for i in range(10):
        for d in "0123456789":
            typo = DANA.npi[:i] + d + DANA.npi[i + 1 :]
            assert is_valid_npi(typo) == (typo == DANA.npi)


def test_validated_tidies_and_checks() -> None:
    raw = ClinicianProfile("  Dana   Reyes ", " PsyD", "PSY 12345 ", "ca", " 1234567893 ")
    assert raw.validated() == DANA
    assert ClinicianProfile("Dana", "LCSW", "LCS 1").validated().npi == ""
    with pytest.raises(InvalidNpi):
        ClinicianProfile("Dana", "LCSW", "LCS 1", npi="1234567890").validated()
    for missing in (
        ClinicianProfile(" ", "LCSW", "1"),
        ClinicianProfile("Dana", "", "1"),
        ClinicianProfile("Dana", "LCSW", "  "),
        ClinicianProfile("D" * 201, "LCSW", "1"),
    ):
        with pytest.raises(InvalidProfile):
            missing.validated()


def test_licence_state_is_a_us_code_or_a_region() -> None:
    assert normalise_state("ny") == "NY"
    assert normalise_state("pr") == "PR"
    assert normalise_state("") == ""
    assert normalise_state(" British   Columbia ") == "British Columbia"
    for bad in ("CZ", "X", "Q" * 61):
        with pytest.raises(InvalidLicenseState):
            normalise_state(bad)


def test_signer_and_signature_line() -> None:
    assert DANA.signer == "Dana Reyes, PsyD, PSY 12345"
    assert (
        signature_line(DANA.signer, "4 Dec 2026 15:02")
        == "Electronically signed by Dana Reyes, PsyD, PSY 12345, 4 Dec 2026 15:02"
    )
    assert (
        signature_line(None, "2026-12-04 15:02 UTC")
        == "Electronically signed by the treating clinician on 2026-12-04 15:02 UTC"
    )
