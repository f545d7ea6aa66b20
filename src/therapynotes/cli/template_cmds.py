"""`therapynotes templates list | export ID --out FILE | import FILE`: the note templates,
built-in and the therapist's own, and the template file (docs/formats.md "Template
file") to share one with a colleague. A malformed file gets one line naming the place.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from therapynotes.atomic import write_private_file
from therapynotes.cli.common import CliError, ExitCode, add_common_options, shown, unlock
from therapynotes.domain.formatting import plural
from therapynotes.records_errors import UnknownTemplate
from therapynotes.services.templates import TemplateService


def register(sub: Any) -> None:
    p = sub.add_parser(
        "templates",
        help="list, export or import note templates",
        description="Note templates: list them, export one to a template file, import one.",
    )
    add_common_options(p)
    actions = p.add_subparsers(dest="templates_action", metavar="ACTION", required=True)
    q = actions.add_parser("list", help="built-in and own templates (id, sections, state)")
    add_common_options(q)
    q.set_defaults(handler=cmd_list)
    q = actions.add_parser("export", help="write one template to a template file")
    add_common_options(q)
    q.add_argument("template_id", metavar="ID", help="as `templates list` shows it")
    q.add_argument("--out", metavar="FILE", type=Path, required=True)
    q.add_argument("--force", action="store_true", help="replace FILE if it exists")
    q.set_defaults(handler=cmd_export)
    q = actions.add_parser("import", help="add a template from a template file")
    add_common_options(q)
    q.add_argument("file", metavar="FILE", type=Path)
    q.set_defaults(handler=cmd_import)


def cmd_list(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        entries = TemplateService(session).entries()
    finally:
        session.lock("command finished")
    for entry in entries:
        t = entry.template
        state = ("built-in" if entry.builtin else "own") + (", disabled" if entry.disabled else "")
        count = len(t.sections)
        print(
            f"{shown(t.id)}\t{shown(t.name)}\t{t.kind.value}\t{plural(count, 'section')}\t{state}"
        )
    return ExitCode.OK


def _latest(service: TemplateService, ref: str) -> str:
    """'own-1' means its newest version; 'own-1@2' and built-in ids are taken as they are."""
    for entry in service.entries():
        if ref in {entry.template.id, entry.base_id}:
            return entry.template.id
    service.get(ref)  # an older version of an own template, or UnknownTemplate
    return ref


def cmd_export(args: argparse.Namespace) -> int:
    target = Path(args.out)
    if target.exists() and not args.force:
        raise CliError(f"{shown(target)} exists; pass --force to replace it. Nothing was written.")
    session = unlock(args)
    try:
        service = TemplateService(session)
        ref = _latest(service, args.template_id)
        data = service.export_bytes(ref)
    except UnknownTemplate:
        raise CliError(
            f"no template {shown(args.template_id)!s}; `therapynotes templates list` shows them"
        ) from None
    finally:
        session.lock("command finished")
    write_private_file(target, data)  # never through a link; nothing left on failure
    print(f"exported template {shown(ref)} to {shown(target)}")
    return ExitCode.OK


def cmd_import(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        ref = TemplateService(session).import_file(args.file)
    finally:
        session.lock("command finished")
    print(f"imported template as {ref}")
    return ExitCode.OK
