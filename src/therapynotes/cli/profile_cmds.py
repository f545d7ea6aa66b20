"""Clinician profile commands: `profile show` and `profile set --name N --credentials C
--license L [--license-state S] [--npi N]`.

`set` changes only the fields given (the first time, name, credentials and licence are
needed); `--npi ""` removes the NPI. Signatures made earlier keep the signer they named.
Output is one field a line, tab-separated, for scripts.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from therapynotes.cli.common import CliError, ExitCode, add_common_options, unlock
from therapynotes.domain.profile import ClinicianProfile, is_valid_npi
from therapynotes.profile_errors import InvalidNpi
from therapynotes.services.profile import ProfileService

# flag -> ClinicianProfile field
_FLAGS = {
    "name": "name",
    "credentials": "credentials",
    "license": "license_number",
    "license_state": "license_state",
    "npi": "npi",
}
_SHOWN = (
    ("name", "name"),
    ("credentials", "credentials"),
    ("license", "license_number"),
    ("license-state", "license_state"),
    ("npi", "npi"),
)


def _add(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    add_common_options(parser)
    return parser


def register(sub: Any) -> None:
    parser = _add(sub, "profile", "the clinician profile that signatures name")
    actions = parser.add_subparsers(dest="profile_command", metavar="ACTION", required=True)
    p = _add(actions, "show", "show the clinician profile, one field a line")
    p.set_defaults(handler=cmd_show)
    p = _add(actions, "set", "set the clinician profile (only the fields given change)")
    p.add_argument("--name", metavar="NAME", help="your name as signatures show it")
    p.add_argument("--credentials", metavar="C", help="credentials, e.g. PsyD, LCSW")
    p.add_argument("--license", metavar="L", help="licence number, e.g. 'PSY 12345'")
    p.add_argument(
        "--license-state",
        metavar="S",
        help="US state or territory code (CA); outside the US, the licensing region",
    )
    p.add_argument("--npi", metavar="N", help="10-digit NPI (optional; '' removes it)")
    p.set_defaults(handler=cmd_set)


def _print(profile: ClinicianProfile) -> None:
    for label, field in _SHOWN:
        print(f"{label}\t{getattr(profile, field)}")
    print(f"signature\t{profile.signer}")


def cmd_show(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        profile = ProfileService(session).get()
    finally:
        session.lock("command finished")
    if profile is None:
        print("no clinician profile yet; set one with `therapynotes profile set`", file=sys.stderr)
    else:
        _print(profile)
    return ExitCode.OK


def cmd_set(args: argparse.Namespace) -> int:
    given = {field: getattr(args, flag) for flag, field in _FLAGS.items()}
    given = {k: v for k, v in given.items() if v is not None}
    if not given:
        raise CliError(
            "nothing to set; give --name, --credentials, --license, --license-state or --npi",
            ExitCode.USAGE,
        )
    npi = "".join(given.get("npi", "").split())
    if npi and not is_valid_npi(npi):
        raise InvalidNpi  # before asking for the passphrase
    session = unlock(args)
    try:
        profiles = ProfileService(session)
        old = profiles.get()
        if old is None and not {"name", "credentials", "license_number"} <= set(given):
            raise CliError(
                "no clinician profile yet: give --name, --credentials and --license",
                ExitCode.USAGE,
            )
        base = old or ClinicianProfile(name="", credentials="", license_number="")
        profiles.set(dataclasses.replace(base, **given))
        profile = profiles.get()
    finally:
        session.lock("command finished")
    if profile is not None:
        _print(profile)
    return ExitCode.OK
