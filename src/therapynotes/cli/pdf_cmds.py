"""`therapynotes export-pdf --client ID --pdf FILE [--from DATE --to DATE]
[--include-psychotherapy]`: a client's chart as PDF for a records request.

Registered as its own command for now; it is meant to become the `--pdf` form of
`therapynotes export`: the export module calls `add_pdf_arguments(parser,
pdf_required=False)` on its parser and hands `args` to `cmd_export_pdf` when `args.pdf`
is set (options it already defines, such as --client, are left to it). Qt renders the
PDF, so the handler imports it lazily (this module must import without PySide6) and
starts a headless QGuiApplication when no Qt platform is set.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from therapynotes.cli.common import CliError, ExitCode, add_command, unlock
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


def add_pdf_arguments(parser: argparse.ArgumentParser, *, pdf_required: bool) -> None:
    """The chart-PDF options, shared with `export` once the two are merged. Options the
    parser already has are kept as they are (same names, same meaning expected: dest
    `client`, `date_from`, `date_to`, `include_psychotherapy`)."""
    options: list[tuple[str, dict[str, Any]]] = [
        ("--client", {"type": _client_id, "metavar": "ID", "help": "the client's id"}),
        (
            "--pdf",
            {
                "type": Path,
                "metavar": "FILE",
                "required": pdf_required,
                "help": "write the client's chart as a PDF to FILE (not encrypted: hand it "
                "over safely)",
            },
        ),
        (
            "--from",
            {
                "dest": "date_from",
                "type": _iso_date,
                "metavar": "DATE",
                "help": "only sessions and notes on or after DATE (YYYY-MM-DD)",
            },
        ),
        (
            "--to",
            {
                "dest": "date_to",
                "type": _iso_date,
                "metavar": "DATE",
                "help": "only sessions and notes on or before DATE (YYYY-MM-DD)",
            },
        ),
        (
            "--include-psychotherapy",
            {
                "action": "store_true",
                "help": "also include psychotherapy (process) notes, left out by default",
            },
        ),
    ]
    for flag, kwargs in options:
        if flag not in parser._option_string_actions:
            parser.add_argument(flag, **kwargs)


def register(sub: Any) -> None:
    parser = add_command(sub, "export-pdf", "save a client's chart as a PDF for a records request")
    add_pdf_arguments(parser, pdf_required=True)
    parser.set_defaults(handler=cmd_export_pdf)


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


def _ensure_gui_app() -> object:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication  # noqa: PLC0415 - Qt only when rendering

    return QGuiApplication.instance() or QGuiApplication(sys.argv[:1])


def cmd_export_pdf(args: argparse.Namespace) -> int:
    """Handler for `export-pdf`; `export --pdf` calls the same once merged."""
    if getattr(args, "pdf", None) is None:
        raise CliError("give the file to write with --pdf FILE", ExitCode.USAGE)
    if args.client is None:
        raise CliError(
            "give the client with --client ID (see `therapynotes clients`)", ExitCode.USAGE
        )
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise CliError("--from is after --to", ExitCode.USAGE)
    target = _check_target(args.pdf)
    app = _ensure_gui_app()
    from therapynotes.ui.chart_pdf import write_chart_pdf  # noqa: PLC0415 - lazy Qt

    options = ChartOptions(args.date_from, args.date_to, args.include_psychotherapy)
    session = unlock(args)
    try:
        write_chart_pdf(session, ClientId(args.client), options, target, today=date.today())
    finally:
        session.lock("command finished")
    del app
    print(f"saved {target}")
    if args.include_psychotherapy:
        print("it includes psychotherapy notes", file=sys.stderr)
    print("the PDF is not encrypted: hand it over securely and delete it after", file=sys.stderr)
    return ExitCode.OK
