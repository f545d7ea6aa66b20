"""Record commands: demo, clients, search.

Output is one record a line, tab-separated, for scripts. Secrets come as for `init` and
`check` (a terminal prompt, or stdin lines with --passphrase-stdin).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from typing import Any

import pyotp

from therapynotes.cli.common import (
    CliError,
    ExitCode,
    add_command,
    shown,
    unlock,
)
from therapynotes.cli.vault_cmds import create_vault, print_created
from therapynotes.domain.formatting import plural
from therapynotes.domain.ids import ClientId
from therapynotes.services.records import RecordsService
from therapynotes.store.search import Order


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("expected a number of 1 or more")
    return value


def _iso_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date as YYYY-MM-DD") from None


def register(sub: Any) -> None:
    p = add_command(
        sub, "demo", "create a new vault filled with a synthetic practice (no real data)"
    )
    p.add_argument("--clients", type=_positive, default=40, help="number of clients (40)")
    p.add_argument("--years", type=_positive, default=2, help="years of practice (2)")
    p.add_argument("--seed", type=int, default=1, help="random seed (the same seed, the same data)")
    p.add_argument("--passphrase-only", action="store_true", help="as for init")
    p.set_defaults(handler=cmd_demo)

    p = add_command(sub, "clients", "list clients: id, display name, status (tab-separated)")
    p.add_argument("--all", action="store_true", help="include inactive and discharged clients")
    p.set_defaults(handler=cmd_clients)

    p = add_command(sub, "search", "search notes, client names and diagnoses")
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--client", type=_positive, metavar="ID", help="only this client's records")
    p.add_argument("--since", type=_iso_date, metavar="DATE", help="notes on or after DATE")
    p.add_argument(
        "--include-psychotherapy",
        action="store_true",
        help="also search psychotherapy (process) notes, which are left out by default",
    )
    p.add_argument("--limit", type=_positive, default=50, help="at most this many results (50)")
    p.add_argument(
        "--sort",
        choices=("best", "newest"),
        default="best",
        help="best matches first (among the newest matches; the default) or newest first",
    )
    p.set_defaults(handler=cmd_search)


def cmd_demo(args: argparse.Namespace) -> int:
    # Imported here: faker costs about 0.1 s at import, which no other command should pay.
    from therapynotes.services import demo  # noqa: PLC0415

    svc, created, passphrase = create_vault(args)
    print_created(created)
    sys.stdout.flush()
    # Unlock with the code of the previous time step (accepted, +/-1 step), so the code
    # the user's authenticator shows now is still new enough for their next command.
    code = pyotp.TOTP(created.totp_secret).at(time.time() - 30)
    session = svc.unlock(passphrase, code)
    try:
        spec = demo.DemoSpec(clients=args.clients, years=args.years, seed=args.seed)
        counts = demo.load(session, spec, today=date.today())
    finally:
        session.lock("command finished")
    print(
        f"demo: {plural(counts.clients, 'client')}, {plural(counts.sessions, 'session')}, "
        f"{plural(counts.notes, 'note')}, "
        f"{plural(counts.psychotherapy_notes, 'psychotherapy note')}, "
        f"{plural(counts.attachments, 'attachment')} (all synthetic)",
        file=sys.stderr,
    )
    return ExitCode.OK


def _clean(text: str) -> str:
    """One field of tab-separated output: no tabs or line breaks inside it, and no
    character that could drive the terminal (see common.shown)."""
    return shown(" ".join(text.split()))


def cmd_clients(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        rows = RecordsService(session).list_clients(include_all=args.all)
    finally:
        session.lock("command finished")
    for row in rows:
        print(f"{row.id}\t{_clean(row.display_name)}\t{row.status.value}")
    return ExitCode.OK


def cmd_search(args: argparse.Namespace) -> int:
    if not args.query.strip():
        raise CliError("give some words to search for", ExitCode.USAGE)
    session = unlock(args)
    try:
        records = RecordsService(session)
        client = ClientId(args.client) if args.client else None
        if client is not None:
            records.get_client(client)  # an unknown id is an error, not an empty result
        hits = records.search_page(
            args.query,
            client_id=client,
            since=args.since,
            include_psychotherapy=args.include_psychotherapy,
            limit=args.limit,
            order=Order(args.sort),
        ).hits
        # What is printed is record text: audited like the app's chart views (issue 12).
        records.record_search_shown(hits, include_psychotherapy=args.include_psychotherapy)
    finally:
        session.lock("command finished")
    for hit in hits:
        kind = f"{hit.kind} (psychotherapy note)" if hit.source == "psychotherapy" else hit.kind
        print(f"{_clean(hit.client_name)}\t{hit.date}\t{kind}\t{_clean(hit.snippet)}")
    return ExitCode.OK
