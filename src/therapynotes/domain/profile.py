"""The clinician profile: who signs the notes (name, credentials, licence, NPI), and the
words of a signature line.

One profile per vault (a solo practice). Signatures do not point at the profile: each
note, addendum and void keeps the signer's identity as it read when signing
(`ClinicianProfile.signer`), so a later change of name or licence never rewrites an
earlier signature, and material signed before any profile existed keeps its wording.
The billing features build on this module (the NPI, the licence).

Validation:
- NPI: 10 digits; the last is the Luhn check digit of the other nine prefixed with
  80840, as CMS specifies for the NPI (the card-issuer prefix of US health identifiers).
- Licence state: a 2-letter US state or territory code (upper-cased; two letters that
  are no such code are refused, catching typos), or, outside the US, free text of 3 to
  60 characters naming the licensing region or body ("Ontario", "HCPC"). Optional.

Must not import PySide6, the store or the services.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from therapynotes.profile_errors import InvalidLicenseState, InvalidNpi, InvalidProfile

MAX_FIELD = 200
MAX_REGION = 60
NPI_PREFIX = "80840"

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
    "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY "
    "DC PR GU VI AS MP".split()
)


def luhn_check_digit(digits: str) -> int:
    """The digit that makes `digits` + it pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # doubled: these sit at odd places once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return (10 - total % 10) % 10


def is_valid_npi(npi: str) -> bool:
    if len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        return False
    return luhn_check_digit(NPI_PREFIX + npi[:9]) == int(npi[9])


def normalise_state(text: str) -> str:
    """'ca' -> 'CA'; a non-US region as typed (spaces tidied); '' for none."""
    text = " ".join(text.split())
    if not text:
        return ""
    if len(text) == 2 and text.isascii() and text.isalpha():
        if text.upper() not in US_STATES:
            raise InvalidLicenseState
        return text.upper()
    if not 3 <= len(text) <= MAX_REGION:
        raise InvalidLicenseState
    return text


@dataclass(frozen=True)
class ClinicianProfile:
    name: str
    credentials: str
    license_number: str
    license_state: str = ""
    npi: str = ""

    def validated(self) -> ClinicianProfile:
        """The profile tidied (spaces trimmed, state upper-cased), or an InputError."""
        name, credentials, number = (
            " ".join(v.split()) for v in (self.name, self.credentials, self.license_number)
        )
        if not (name and credentials and number) or any(
            len(v) > MAX_FIELD for v in (name, credentials, number)
        ):
            raise InvalidProfile
        npi = "".join(self.npi.split())
        if npi and not is_valid_npi(npi):
            raise InvalidNpi
        return replace(
            self,
            name=name,
            credentials=credentials,
            license_number=number,
            license_state=normalise_state(self.license_state),
            npi=npi,
        )

    @property
    def signer(self) -> str:
        """Who signs, as a signature names them: 'Dana Reyes, PsyD, PSY 12345'."""
        return ", ".join(p for p in (self.name, self.credentials, self.license_number) if p)


def signature_line(signer: str | None, when: str, *, what: str = "Electronically signed") -> str:
    """'Electronically signed by Dana Reyes, PsyD, PSY 12345, 4 Dec 2026 15:02'. `signer`
    None (signed before a profile existed) gives the wording such signatures always had:
    'Electronically signed by the treating clinician on …'."""
    if signer is None:
        return f"{what} by the treating clinician on {when}"
    return f"{what} by {signer}, {when}"
