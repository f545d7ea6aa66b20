"""Audit commands: `audit verify` and `audit list [--since DATE]`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from therapynotes.cli.common import ExitCode, add_common_options, shown, unlock
from therapynotes.store import audit


def register(sub: Any) -> None:
    parser = sub.add_parser("audit", help="verify or list the audit log")
    add_common_options(parser)
    audit_sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    p = audit_sub.add_parser("verify", help="check the hash chain; exit 1 naming the first bad row")
    add_common_options(p)
    p.set_defaults(handler=cmd_verify)

    p = audit_sub.add_parser("list", help="one event a line: seq, time, actor, kind, subject")
    add_common_options(p)
    p.add_argument("--since", metavar="DATE", help="only events at or after DATE (YYYY-MM-DD)")
    p.set_defaults(handler=cmd_list)


def cmd_verify(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        report = audit.verify(session.conn)
    finally:
        session.lock("command finished")
    if not report.ok:
        print(
            f"therapynotes: the audit log is broken at row {report.first_bad_seq}: "
            f"{report.problem}. Keep this vault and a backup for investigation.",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    print(f"ok: {report.rows} audit rows, chain intact")
    return ExitCode.OK


def cmd_list(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        rows = audit.entries(session.conn, since=args.since)
    finally:
        session.lock("command finished")
    for e in rows:
        detail = json.dumps(e.detail, sort_keys=True) if e.detail else ""
        fields = (str(e.seq), e.at, e.actor, e.kind, e.subject, detail)
        print("\t".join(shown(f) for f in fields).rstrip("\t"))
    return ExitCode.OK
