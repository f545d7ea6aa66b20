"""The `therapynotes` command line: a stable contract that scripts rely on.

`therapynotes [--vault DIR] [--passphrase-stdin] COMMAND ...`. Expected failures print
one line on stderr (what went wrong, what to do) and exit 1; usage errors exit 2; no
Python traceback for an expected failure. Each command group lives in its own module
with a `register(subparsers)` function, so later commands extend this without editing
the existing ones.

Must not import PySide6 (the `run` command imports the app lazily).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from therapynotes import __version__
from therapynotes.cli import (
    app_cmds,
    audit_cmds,
    backup_cmds,
    billing_cmds,
    doctor_cmds,
    measures_cmds,
    old_vault_cmds,
    pdf_cmds,
    portable_cmds,
    profile_cmds,
    records_cmds,
    retention_cmds,
    rotate_cmds,
    schedule_cmds,
    template_cmds,
    vault_cmds,
)
from therapynotes.cli.common import CliError, ExitCode, add_common_options, shown
from therapynotes.errors import TherapyNotesError
from therapynotes.process import harden_process

COMMAND_MODULES = (
    vault_cmds,
    rotate_cmds,
    records_cmds,
    profile_cmds,
    audit_cmds,
    backup_cmds,
    old_vault_cmds,
    portable_cmds,
    pdf_cmds,
    retention_cmds,
    billing_cmds,
    measures_cmds,
    schedule_cmds,
    doctor_cmds,
    template_cmds,  # issue 19
    app_cmds,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="therapynotes",
        description="Encrypted, local-first notes for solo psychotherapists.",
    )
    parser.add_argument("--version", action="version", version=f"therapynotes {__version__}")
    add_common_options(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    harden_process()  # private file modes, no core dumps (therapynotes/process.py)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    """The command's exit code; every failure becomes one line on stderr."""
    try:
        return int(args.handler(args))
    except CliError as exc:
        print(f"therapynotes: {shown(exc)}", file=sys.stderr)
        return exc.code
    except TherapyNotesError as exc:
        print(f"therapynotes: {shown(exc.message)}", file=sys.stderr)
        return ExitCode.FAILED
    except KeyboardInterrupt:
        print("therapynotes: interrupted; nothing more was changed.", file=sys.stderr)
        return 130
    except OSError as exc:
        # A path the OS refuses (name too long, not a folder, no access): the user's
        # input, so a clear line rather than "internal error". strerror names no file.
        print(
            f"therapynotes: a file or folder could not be used ({exc.strerror or 'OSError'}). "
            "Check the path and try again.",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    except Exception as exc:
        # Unexpected: name the kind only, never the text (it might quote record content).
        if os.environ.get("THERAPYNOTES_DEBUG") == "1":
            raise
        print(
            f"therapynotes: internal error ({type(exc).__name__}). Your records were not "
            "changed by it. Set THERAPYNOTES_DEBUG=1 to see details.",
            file=sys.stderr,
        )
        return ExitCode.FAILED
