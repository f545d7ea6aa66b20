"""Retention commands: `retention list [--all]`, `retention settings`, `hold CLIENT_ID
[--release]`, `purge CLIENT_ID --confirm [--before-retention-date "REASON"]`.

`purge` without --confirm says exactly what would be removed and exits 2, changing
nothing. Before the client's retention date a purge is refused (naming the date) unless
--before-retention-date gives the reason, which the audit log keeps. Output is one
record a line, tab-separated, for scripts; record text goes through common.shown.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from therapynotes.cli.common import ExitCode, add_common_options, shown, unlock
from therapynotes.domain.ids import ClientId
from therapynotes.domain.retention import RecordRetentionPolicy, RetentionStatus
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService


def _client_id(text: str) -> ClientId:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a client id (a number)") from None
    if value < 1:
        raise argparse.ArgumentTypeError("expected a client id (a number)")
    return ClientId(value)


def _add(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    add_common_options(parser)
    return parser


def register(sub: Any) -> None:
    parser = _add(sub, "retention", "retention dates and the list due for destruction")
    actions = parser.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    p = _add(actions, "list", "clients due for destruction: id, name, last service, date")
    p.add_argument("--all", action="store_true", help="every client, with its status")
    p.set_defaults(handler=cmd_list)
    p = _add(actions, "settings", "show or change the retention rule (not legal advice)")
    p.add_argument("--years", type=int, help="years kept after the last service (7)")
    p.add_argument("--age-of-majority", type=int, help="age of majority (18)")
    p.add_argument("--minor-years", type=int, help="years kept after majority (3)")
    p.set_defaults(handler=cmd_settings)

    p = _add(sub, "hold", "place a legal hold on a client's record (blocks purge)")
    p.add_argument("client", metavar="CLIENT_ID", type=_client_id)
    p.add_argument("--release", action="store_true", help="release the hold instead")
    p.add_argument(
        "--reason", help="why (kept in the audit log: do not name the client)", default=None
    )
    p.set_defaults(handler=cmd_hold)

    p = _add(sub, "purge", "destroy a client's whole record (asks for --confirm)")
    p.add_argument("client", metavar="CLIENT_ID", type=_client_id)
    p.add_argument("--confirm", action="store_true", help="really destroy it")
    p.add_argument(
        "--before-retention-date",
        metavar="REASON",
        help="destroy it although its retention date has not been reached, for this reason "
        "(kept in the audit log: do not name the client)",
    )
    p.set_defaults(handler=cmd_purge)


def cmd_list(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        svc = RetentionService(session)
        today = svc.today()
        rows = svc.statuses() if args.all else svc.due()
        names = RecordsService(session)
        for s in rows:
            state = "hold" if s.on_hold else ("due" if s.is_due(today) else "kept")
            name = names.get_client(ClientId(s.client_id)).display_name
            fields = (s.client_id, name, s.last_service, s.retention_date, state)
            print("\t".join(shown(" ".join(str(f).split())) for f in fields))
    finally:
        session.lock("command finished")
    return ExitCode.OK


def cmd_settings(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        svc = RetentionService(session)
        policy = svc.policy()
        changes = {
            "years": args.years,
            "age_of_majority": args.age_of_majority,
            "minor_years": args.minor_years,
        }
        if any(v is not None for v in changes.values()):
            values = {k: getattr(policy, k) if v is None else v for k, v in changes.items()}
            policy = RecordRetentionPolicy(**values)
            svc.set_policy(policy)
    finally:
        session.lock("command finished")
    print(f"years\t{policy.years}")
    print(f"age-of-majority\t{policy.age_of_majority}")
    print(f"minor-years\t{policy.minor_years}")
    return ExitCode.OK


def cmd_hold(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        changed = RetentionService(session).set_hold(
            args.client, held=not args.release, reason=args.reason
        )
    finally:
        session.lock("command finished")
    state = "released" if args.release else "placed"
    note = "" if changed else " (it already was)"
    print(f"legal hold on client {args.client} {state}{note}")
    return ExitCode.OK


def cmd_purge(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        svc = RetentionService(session)
        preview = svc.preview_purge(args.client)
        if not args.confirm:
            _describe(args.client, preview.status, preview.counts, svc.today())
            return ExitCode.USAGE
        counts = svc.purge(args.client, before_retention_date=args.before_retention_date)
    finally:
        session.lock("command finished")
    parts = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items())
    print(f"purged client {args.client}: the chart and {parts}; the audit log keeps a tombstone")
    return ExitCode.OK


def _describe(client: int, status: RetentionStatus, counts: dict[str, int], today: date) -> None:
    print(f"purge would destroy the whole record of client {client}, permanently:")
    print("  the client's chart (demographics, contacts, alerts)")
    for what, n in counts.items():
        print(f"  {n} {what.replace('_', ' ')}")
    print("  and every search-index entry of these; group sessions stay for the others")
    if status.on_hold:
        print("this client is on legal hold: purge will be refused until it is released")
    elif not status.is_due(today):
        print(
            f"the retention date ({status.retention_date}) has not been reached: purge will "
            'be refused unless you add --before-retention-date "REASON"'
        )
    print("nothing was changed; run again with --confirm to purge")
