"""Outcome measure commands: `measures list`, `measures record`, `measures history`.

Output is tab-separated or `key: value` lines, for scripts:
- list: `ID<TAB>NAME<TAB>ITEMS`, one instrument a line;
- record: `score: N`, then `severity: BAND` (PHQ-9, GAD-7) or `threshold: above|below`
  (PCL-5), then one `risk: ...` line per safety flag raised;
- history: `YYYY-MM-DD<TAB>ID<TAB>SCORE<TAB>BAND`, oldest first (PCL-5's band is
  `above threshold` or `below threshold`).
A wrong number of answers, an answer off the scale or an unknown instrument: one line
on stderr, exit 1, nothing stored.
"""

from __future__ import annotations

import argparse
from typing import Any

from therapynotes.cli.common import CliError, ExitCode, add_command, unlock
from therapynotes.cli.records_cmds import _iso_date, _positive
from therapynotes.domain import measures as defs
from therapynotes.domain.ids import ClientId
from therapynotes.services.measures import MeasuresService


def register(sub: Any) -> None:
    group = add_command(sub, "measures", "outcome measures: PHQ-9, GAD-7, PCL-5")
    group.set_defaults(handler=_usage)
    inner = group.add_subparsers(dest="measures_command", metavar="SUBCOMMAND")

    p = add_command(inner, "list", "the instruments: id, name, number of items")
    p.set_defaults(handler=cmd_list)

    p = add_command(inner, "record", "score and store one measure a client answered")
    p.add_argument("client", type=_positive, metavar="CLIENT_ID")
    p.add_argument("--instrument", required=True, metavar="ID", help="PHQ-9, GAD-7 or PCL-5")
    p.add_argument(
        "--answers", required=True, metavar="A,B,C,...", help="every item's answer, in order"
    )
    p.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD", help="the day given (today)")
    p.set_defaults(handler=cmd_record)

    p = add_command(inner, "history", "a client's scores, oldest first")
    p.add_argument("client", type=_positive, metavar="CLIENT_ID")
    p.add_argument("--instrument", metavar="ID", help="only this instrument")
    p.set_defaults(handler=cmd_history)


def _usage(_args: argparse.Namespace) -> int:
    raise CliError("give a subcommand: list, record or history", ExitCode.USAGE)


def cmd_list(_args: argparse.Namespace) -> int:
    for definition in defs.INSTRUMENTS.values():
        print(f"{definition.id}\t{definition.name}\t{len(definition.items)}")
    return ExitCode.OK


def _parse_answers(text: str) -> list[object]:
    """'0,1,3' -> [0, 1, 3]; a blank or non-number answer stays as given, so the
    definition refuses it by its place (never read as zero)."""
    answers: list[object] = []
    for part in text.split(","):
        token = part.strip()
        answers.append(int(token) if token.isdigit() and token.isascii() else token)
    return answers


def cmd_record(args: argparse.Namespace) -> int:
    definition = defs.instrument(args.instrument)  # refused before any unlock
    answers = _parse_answers(args.answers)
    defs.check_answers(definition, answers)
    session = unlock(args)
    try:
        recorded = MeasuresService(session).record(
            ClientId(args.client), definition.id, answers, given_on=args.date
        )
    finally:
        session.lock("command finished")
    print(f"score: {recorded.score.total}")
    if recorded.score.band:
        print(f"severity: {recorded.score.band}")
    if recorded.score.threshold:
        print(f"threshold: {recorded.score.threshold}")
    for risk in recorded.score.risks:
        print(f"risk: {risk}")
    return ExitCode.OK


def cmd_history(args: argparse.Namespace) -> int:
    if args.instrument is not None:
        defs.instrument(args.instrument)
    session = unlock(args)
    try:
        rows = MeasuresService(session).history(ClientId(args.client), args.instrument)
    finally:
        session.lock("command finished")
    for row in rows:
        place = defs.band_or_threshold(defs.instrument(row.instrument), row.total)
        print(f"{row.given_on}\t{row.instrument}\t{row.total}\t{place}")
    return ExitCode.OK
