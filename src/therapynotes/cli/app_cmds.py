"""`therapynotes run`: start the desktop app (Qt is imported only here, lazily)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from therapynotes.cli.common import CliError, add_command


def register(sub: Any) -> None:
    add_command(sub, "run", "open the desktop app").set_defaults(handler=cmd_run)


def has_display() -> bool:
    """Qt aborts the whole process, without a Python error, when Linux has no display."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_run(args: argparse.Namespace) -> int:
    if not has_display():
        raise CliError(
            "no display found: start TherapyNotes from your desktop session (or set "
            "QT_QPA_PLATFORM). Command-line tasks work without one: see `therapynotes -h`."
        )
    from therapynotes.app import run  # noqa: PLC0415 - lazily: no other command loads Qt

    return run(vault_dir=args.vault)
