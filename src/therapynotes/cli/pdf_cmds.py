"""`therapynotes export --client ID --pdf FILE [--from DATE --to DATE]
[--include-psychotherapy]`: a client's chart as PDF for a records request.

Registers the `--pdf` kind of the `export` command (cli/portable_cmds.py) when imported.
Qt renders the PDF, so the handler imports it lazily (this module must import without
PySide6; only ui/ does) and starts a headless Qt application when no platform is set.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from therapynotes.cli.common import CliError, ExitCode, shown, unlock
from therapynotes.cli.portable_cmds import ExportKind, register_export_kind
from therapynotes.domain.ids import ClientId
from therapynotes.services.chart_document import ChartOptions


def _iso_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date as YYYY-MM-DD") from None


def _client_id(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("expected a client id (a whole number)")
    return int(text)


def add_chart_options(parser: argparse.ArgumentParser) -> None:
    """Options that go with `--pdf`: which client, which dates, psychotherapy notes."""
    parser.add_argument("--client", type=_client_id, metavar="ID", help="the client's id")
    parser.add_argument(
        "--from",
        dest="date_from",
        type=_iso_date,
        metavar="DATE",
        help="(with --pdf) only sessions and notes on or after DATE (YYYY-MM-DD)",
    )
    parser.add_argument(
        "--to",
        dest="date_to",
        type=_iso_date,
        metavar="DATE",
        help="(with --pdf) only sessions and notes on or before DATE (YYYY-MM-DD)",
    )
    parser.add_argument(
        "--include-psychotherapy",
        action="store_true",
        help="(with --pdf) also include psychotherapy (process) notes, left out by default",
    )


def register(_sub: Any) -> None:
    """Nothing of its own: importing this module adds `--pdf` to `export`."""


def _check_target(path: Path) -> Path:
    target = path if path.suffix.lower() == ".pdf" else path.with_name(f"{path.name}.pdf")
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise CliError(f"no folder {folder}: create it first or choose another place")
    if not os.access(folder, os.W_OK):
        raise CliError(f"cannot write to {folder}: choose a folder you can write to")
    if target.is_dir():
        raise CliError(f"{target} is a folder: give a file name ending in .pdf")
    return target


def cmd_export_pdf(args: argparse.Namespace) -> int:
    """`export --pdf FILE --client ID ...`."""
    args.pdf = Path(args.export_pdf)
    if args.client is None:
        raise CliError(
            "give the client with --client ID (see `therapynotes clients`)", ExitCode.USAGE
        )
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise CliError("--from is after --to", ExitCode.USAGE)
    target = _check_target(args.pdf)
    from therapynotes.ui.chart_pdf import headless_app, write_chart_pdf  # noqa: PLC0415 - Qt

    app = headless_app()

    options = ChartOptions(args.date_from, args.date_to, args.include_psychotherapy)
    session = unlock(args)
    try:
        write_chart_pdf(session, ClientId(args.client), options, target, today=date.today())
    finally:
        session.lock("command finished")
    del app
    print(f"saved {shown(target)}")
    if args.include_psychotherapy:
        print("it includes psychotherapy notes", file=sys.stderr)
    print("the PDF is not encrypted: hand it over securely and delete it after", file=sys.stderr)
    return ExitCode.OK


register_export_kind(
    "pdf",
    ExportKind(
        flag="--pdf",
        metavar="FILE",
        help="one client's chart as a PDF for a records request (needs --client ID)",
        run=cmd_export_pdf,
        add_arguments=add_chart_options,
    ),
)
