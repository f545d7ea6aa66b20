"""The `therapynotes` command line: a stable contract that scripts rely on.

`therapynotes [--vault DIR] [--user NAME] [--passphrase-stdin] COMMAND ...`. Expected failures print
one line on stderr (what went wrong, what to do) and exit 1; usage errors exit 2; no
Python traceback for an expected failure. Each command group lives in its own module
with a `register(subparsers)` function, so later commands extend this without editing
the existing ones.

Must not import PySide6 (the `run` command imports the app lazily).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from therapynotes import __version__
from therapynotes.cli.common import CliError, ExitCode, add_common_options, shown
from therapynotes.errors import TherapyNotesError
from therapynotes.process import harden_process

# The modules under therapynotes.cli that register commands, in help order. Only the one
# that owns the command being run is imported (issue 18: a quick start); `-h`, a typo or
# no command loads them all. pdf_cmds adds `export --pdf` to portable_cmds.
COMMAND_MODULE_NAMES = (
    "vault_cmds",
    "rotate_cmds",
    "records_cmds",
    "profile_cmds",
    "audit_cmds",
    "backup_cmds",
    "old_vault_cmds",
    "portable_cmds",
    "pdf_cmds",
    "retention_cmds",
    "billing_cmds",
    "measures_cmds",
    "schedule_cmds",
    "doctor_cmds",
    "template_cmds",  # issue 19
    "notes_cmds",  # issue 17 phase B
    "users_cmds",  # issue 17 phase B
    "app_cmds",
)

# Command name -> the modules that build it (tests/unit/cli/test_lazy_commands.py checks
# this against what every module registers). A new command module adds its rows here.
COMMANDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("init", "status", "check", "passwd", "recover", "reset-totp"), ("vault_cmds",)
    ),
    "rotate-key": ("rotate_cmds",),
    **dict.fromkeys(("clients", "demo", "search"), ("records_cmds",)),
    "profile": ("profile_cmds",),
    "audit": ("audit_cmds",),
    **dict.fromkeys(("backup", "rehearse", "restore"), ("backup_cmds",)),
    "old-vaults": ("old_vault_cmds",),
    "export": ("portable_cmds", "pdf_cmds"),
    "import": ("portable_cmds",),
    **dict.fromkeys(("hold", "purge", "retention"), ("retention_cmds",)),
    **dict.fromkeys(("billing", "practice"), ("billing_cmds",)),
    "measures": ("measures_cmds",),
    "appointments": ("schedule_cmds",),
    "doctor": ("doctor_cmds",),
    "templates": ("template_cmds",),
    "users": ("users_cmds",),  # issue 17 phase B
    "run": ("app_cmds",),
    "notes": ("notes_cmds",),  # issue 17 phase B
}


def command_module(name: str) -> ModuleType:
    return importlib.import_module(f"therapynotes.cli.{name}")


def command_in(argv: Sequence[str]) -> str | None:
    """The command word in `argv` when it can be told without argparse (None for `-h`
    before it, or anything unusual: then every module is loaded and argparse decides)."""
    args = iter(argv)
    for arg in args:
        if arg in ("-h", "--help"):
            return None
        takes_value = any(o.startswith(arg) for o in ("--vault", "--user"))
        if arg.startswith("--") and "=" not in arg and len(arg) > 3 and takes_value:
            next(args, None)  # --vault DIR, --user NAME (argparse also accepts --vau)
        elif not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given `argv`, loading only the modules of the commands `argv` names."""
    parser = argparse.ArgumentParser(
        prog="therapynotes",
        description="Encrypted, local-first notes for solo psychotherapists.",
    )
    parser.add_argument("--version", action="version", version=f"therapynotes {__version__}")
    add_common_options(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = command_in(argv) if argv is not None else None
    names = COMMANDS[wanted] if wanted else COMMAND_MODULE_NAMES
    # Import them all before any registers: pdf_cmds adds `--pdf` to `export` when it is
    # imported, so it must be loaded before portable_cmds builds `export`.
    modules = [command_module(name) for name in names]
    for module in modules:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    harden_process()  # private file modes, no core dumps (therapynotes/process.py)
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
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
