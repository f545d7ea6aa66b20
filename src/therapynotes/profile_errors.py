"""Errors of the clinician profile. As in therapynotes.errors, each docstring is the
message shown to the user (one line in the CLI); none carries the value typed."""

from __future__ import annotations

from therapynotes.errors import InputError


class InvalidProfile(InputError):
    """Please fill in your name, credentials and licence number (each at most 200
    characters). Nothing was changed."""


class InvalidNpi(InputError):
    """That NPI is not valid: an NPI is 10 digits whose last digit checks the others. Check
    it against your NPPES record. Nothing was changed."""


class InvalidLicenseState(InputError):
    """The licence state must be a US state or territory code (such as CA or NY) or, outside
    the US, the name of the licensing region (3 to 60 characters). Nothing was changed."""
