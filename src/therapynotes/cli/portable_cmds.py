"""Export and import commands: `export --json DIR` and `import DIR`.

`export` is one command with one mutually exclusive flag per export kind, looked up in
EXPORT_KINDS. Another kind (e.g. `--pdf FILE` with `--client ID`) is added by calling
`register_export_kind` at import time of its own CLI module (listed in cli/__init__.py),
without editing this one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from therapynotes.cli.common import CliError, ExitCode, add_common_options, shown, unlock
from therapynotes.services.policy import UseCase, require
from therapynotes.services.portable import PortableService

PLAINTEXT_WARNING = (
    "therapynotes: warning: the export is NOT encrypted. Anyone who can read {target} can "
    "read every record in it. Keep it on an encrypted disk and delete it when done."
)


@dataclass(frozen=True)
class ExportKind:
    """One `export` flag: `flag METAVAR` picks the kind; `run(args)` does the export
    (unlocking itself) and returns the exit code; `add_arguments` adds options only
    this kind uses (e.g. --client)."""

    flag: str
    metavar: str
    help: str
    run: Callable[[argparse.Namespace], int]
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None


EXPORT_KINDS: dict[str, ExportKind] = {}


def register_export_kind(name: str, kind: ExportKind) -> None:
    if name in EXPORT_KINDS:
        raise ValueError(f"export kind {name!r} is registered twice")
    EXPORT_KINDS[name] = kind


def _dest(name: str) -> str:
    return f"export_{name}"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="export records (--json DIR: the whole vault, unencrypted, open format)",
        description="Export records. Exports are NOT encrypted; write them only to a "
        "place you trust.",
    )
    add_common_options(p)
    kinds = p.add_mutually_exclusive_group(required=True)
    for name, kind in EXPORT_KINDS.items():
        kinds.add_argument(kind.flag, metavar=kind.metavar, dest=_dest(name), help=kind.help)
        if kind.add_arguments is not None:
            kind.add_arguments(p)
    p.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser(
        "import",
        help="import a JSON export (export --json) into a new or empty vault",
        description="Import a JSON export into a new or empty vault, all or nothing.",
    )
    add_common_options(p)
    p.add_argument("folder", metavar="DIR", type=Path, help="the folder export --json wrote")
    p.set_defaults(handler=cmd_import)


def cmd_export(args: argparse.Namespace) -> int:
    for name, kind in EXPORT_KINDS.items():
        if getattr(args, _dest(name), None) is not None:
            return kind.run(args)
    raise CliError("choose what to export", ExitCode.USAGE)  # argparse requires one


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {table.replace('_', ' ')}" for table, n in counts.items())


def export_json(args: argparse.Namespace) -> int:
    chart_only = ("client", "date_from", "date_to", "include_psychotherapy")
    if any(getattr(args, name, None) for name in chart_only):
        raise CliError(
            "--client, --from, --to and --include-psychotherapy go with --pdf", ExitCode.USAGE
        )
    target = Path(args.export_json)
    if target.is_dir() and any(target.iterdir()) and not args.force:
        raise CliError(
            f"{shown(target)} is not empty; choose an empty or new folder, or pass --force. "
            "Nothing was written."
        )
    session = unlock(args)
    try:
        require(session, UseCase.EXPORT)  # a refused role: its one line, not the warning
        print(PLAINTEXT_WARNING.format(target=shown(target)), file=sys.stderr)
        counts = PortableService(session).export_json(target, force=args.force)
    finally:
        session.lock("command finished")
    print(f"exported {_summary(counts)} to {shown(target)}")
    return ExitCode.OK


def cmd_import(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        counts = PortableService(session).import_json(args.folder)
    finally:
        session.lock("command finished")
    print(f"imported {_summary(counts)}")
    return ExitCode.OK


register_export_kind(
    "json",
    ExportKind(
        flag="--json",
        metavar="DIR",
        help="the whole vault as therapynotes-export JSON plus attachment files, into DIR",
        run=export_json,
    ),
)
