"""`therapynotes run`: start the desktop app (Qt is imported only here, lazily)."""

from __future__ import annotations

import argparse
from typing import Any

from therapynotes.cli.common import add_common_options


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "run", help="open the desktop app", description="Open the desktop app."
    )
    add_common_options(parser)
    parser.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from therapynotes.app import run  # noqa: PLC0415 - lazily: no other command loads Qt

    return run(vault_dir=args.vault)
