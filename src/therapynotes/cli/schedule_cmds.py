"""Schedule commands: `therapynotes appointments add|list|set|move|ics`.

Times are local wall-clock times ("YYYY-MM-DD HH:MM") in the computer's time zone; a
date or time that does not exist is refused with one line and exit 1. Output is one
record a line, tab-separated, for scripts: `appointments add` prints `appointment: ID`
for each occurrence created; `appointments list` prints
ID, local start, minutes, client ids (comma-separated), status.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from therapynotes.cli.common import CliError, ExitCode, add_common_options, unlock
from therapynotes.domain.enums import Modality
from therapynotes.domain.ids import ClientId
from therapynotes.domain.schedule import (
    AppointmentStatus,
    CancelledBy,
    Repeat,
    parse_day,
    parse_local,
)
from therapynotes.services.schedule import Booking, ScheduleService

MODALITIES = {"in-person": Modality.IN_PERSON, "video": Modality.VIDEO, "phone": Modality.PHONE}
STATUSES = [s.label for s in AppointmentStatus]


def _add(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    add_common_options(parser)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("expected a number of 1 or more")
    return value


def _client_ids(text: str) -> tuple[ClientId, ...]:
    try:
        ids = tuple(ClientId(int(part)) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("expected client ids such as 12 or 12,13") from None
    if any(i < 1 for i in ids):
        raise argparse.ArgumentTypeError("expected client ids such as 12 or 12,13")
    return ids


def register(sub: Any) -> None:
    group = _add(sub, "appointments", "the schedule: book, list, move and mark appointments")
    actions = group.add_subparsers(dest="appointments_command", metavar="ACTION", required=True)

    p = _add(actions, "add", "book an appointment (or a series); prints `appointment: ID` each")
    p.add_argument("clients", metavar="CLIENT_ID[,CLIENT_ID...]", type=_client_ids)
    p.add_argument("--start", required=True, metavar='"YYYY-MM-DD HH:MM"', help="local time")
    p.add_argument("--minutes", required=True, type=_positive, metavar="N")
    p.add_argument("--service", default="90834", metavar="CODE", help="CPT code (90834)")
    p.add_argument("--modality", choices=sorted(MODALITIES), default="in-person")
    p.add_argument("--repeat", choices=[r.value for r in Repeat])
    ends = p.add_mutually_exclusive_group()
    ends.add_argument("--count", type=_positive, metavar="N", help="how many appointments")
    ends.add_argument("--until", metavar="YYYY-MM-DD", help="the last day of the series")
    p.add_argument(
        "--allow-overlap", action="store_true", help="book even over another appointment"
    )
    p.set_defaults(handler=cmd_add)

    p = _add(actions, "list", "appointments between two days: id, start, minutes, clients, status")
    p.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
    p.set_defaults(handler=cmd_list)

    p = _add(actions, "set", "mark what happened (attended makes the note due)")
    p.add_argument("id", metavar="ID", type=_positive)
    p.add_argument("--status", required=True, choices=STATUSES)
    p.add_argument("--by", choices=["client", "therapist"], help="who cancelled (cancelled)")
    p.add_argument("--series", action="store_true", help="this and the following (cancel only)")
    p.set_defaults(handler=cmd_set)

    p = _add(actions, "move", "move an appointment (or it and the following ones)")
    p.add_argument("id", metavar="ID", type=_positive)
    p.add_argument("--start", required=True, metavar='"YYYY-MM-DD HH:MM"', help="local time")
    p.add_argument("--minutes", type=_positive, metavar="N")
    p.add_argument("--series", action="store_true", help="this and the following ones")
    p.add_argument("--allow-overlap", action="store_true")
    p.set_defaults(handler=cmd_move)

    p = _add(actions, "ics", "write an .ics file for your own calendar (no names by default)")
    p.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--out", required=True, type=Path, metavar="FILE")
    label = p.add_mutually_exclusive_group()
    label.add_argument("--initials", action="store_true", help="events show clients' initials")
    label.add_argument(
        "--with-names",
        action="store_true",
        help="events show clients' names (they leave the vault: your calendar app holds them)",
    )
    p.set_defaults(handler=cmd_ics)


def _range(args: argparse.Namespace) -> tuple[Any, Any]:
    first, last = parse_day(args.first), parse_day(args.last)
    if last < first:
        raise CliError("--to must be on or after --from.")
    return first, last


def cmd_add(args: argparse.Namespace) -> int:
    start = parse_local(args.start)
    until = parse_day(args.until) if args.until else None
    if (args.count or until) and not args.repeat:
        raise CliError("--count and --until go with --repeat.", ExitCode.USAGE)
    if args.repeat and not (args.count or until):
        raise CliError("A series needs an end: add --count N or --until YYYY-MM-DD.")
    booking = Booking(
        client_ids=args.clients,
        start=start,
        minutes=args.minutes,
        service_code=args.service,
        modality=MODALITIES[args.modality],
        repeat=Repeat(args.repeat) if args.repeat else None,
        count=args.count,
        until=until,
    )
    session = unlock(args)
    try:
        ids = ScheduleService(session).book(booking, allow_overlap=args.allow_overlap)
    finally:
        session.lock("command finished")
    for aid in ids:
        print(f"appointment: {aid}")
    return ExitCode.OK


def cmd_list(args: argparse.Namespace) -> int:
    first, last = _range(args)
    session = unlock(args)
    try:
        svc = ScheduleService(session)
        rows = svc.between(first, last)
        zone = svc.zone
    finally:
        session.lock("command finished")
    for a in rows:
        when = a.local_start(zone).strftime("%Y-%m-%d %H:%M")
        people = ",".join(str(c) for c in a.client_ids)
        print(f"{a.id}\t{when}\t{a.minutes}\t{people}\t{a.status.label}")
    return ExitCode.OK


def cmd_set(args: argparse.Namespace) -> int:
    status = AppointmentStatus.from_label(args.status)
    if args.by and status is not AppointmentStatus.CANCELLED:
        raise CliError("--by goes with --status cancelled.", ExitCode.USAGE)
    session = unlock(args)
    try:
        ScheduleService(session).set_status(
            args.id,
            status,
            series=args.series,
            cancelled_by=CancelledBy(args.by) if args.by else CancelledBy.NOBODY,
        )
    finally:
        session.lock("command finished")
    return ExitCode.OK


def cmd_move(args: argparse.Namespace) -> int:
    start = parse_local(args.start)
    session = unlock(args)
    try:
        ScheduleService(session).move(
            args.id,
            start,
            minutes=args.minutes,
            series=args.series,
            allow_overlap=args.allow_overlap,
        )
    finally:
        session.lock("command finished")
    return ExitCode.OK


def cmd_ics(args: argparse.Namespace) -> int:
    from therapynotes.services.schedule_ics import IcsLabel, export_ics  # noqa: PLC0415

    first, last = _range(args)
    label = (
        IcsLabel.NAMES
        if args.with_names
        else IcsLabel.INITIALS
        if args.initials
        else IcsLabel.SESSION
    )
    session = unlock(args)
    try:
        count = export_ics(ScheduleService(session), first, last, args.out, label=label)
    finally:
        session.lock("command finished")
    print(f"ics: {count} events", flush=True)
    return ExitCode.OK
