"""Note commands (issue 17 phase B): `notes CLIENT_ID`, `notes cosign NOTE_ID`,
`notes signature [LINE]`.

Output, for scripts:
- `notes CLIENT_ID`: `NOTE_ID<TAB>YYYY-MM-DD<TAB>KIND<TAB>STATE`, newest first (owner and
  supervisor; a supervisor never sees psychotherapy notes listed);
- `notes cosign NOTE_ID` (supervisor): `cosigned: NOTE_ID<TAB>LOGIN<TAB>SIGNED_AT`;
- `notes signature` prints the login's signing line (`signature: LINE`, empty when none);
  `notes signature LINE` sets it (a supervisor sets it before the first co-signature).
A role that may not: one line naming the role on stderr, exit 1, audited as refused.
"""

from __future__ import annotations

import argparse
from typing import Any

from therapynotes.cli.common import CliError, ExitCode, add_command, shown, unlock
from therapynotes.domain.ids import ClientId, NoteId

ACTIONS = ("cosign", "signature")


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "notes",
        "list a client's notes (notes CLIENT_ID), co-sign one (notes cosign NOTE_ID) or "
        "show or set your signing line (notes signature [LINE])",
    )
    p.add_argument("words", nargs="+", metavar="CLIENT_ID | cosign NOTE_ID | signature [LINE]")
    p.set_defaults(handler=cmd_notes)


def _number(text: str, what: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise CliError(f"expected a {what} (a whole number of 1 or more)", ExitCode.USAGE)
    return int(text)


def cmd_notes(args: argparse.Namespace) -> int:
    words: list[str] = list(args.words)
    action = words[0]
    if action == "cosign":
        if len(words) != 2:
            raise CliError("usage: therapynotes notes cosign NOTE_ID", ExitCode.USAGE)
        return _cosign(args, NoteId(_number(words[1], "note id")))
    if action == "signature":
        return _signature(args, " ".join(words[1:]) if len(words) > 1 else None)
    if len(words) != 1:
        raise CliError("usage: therapynotes notes CLIENT_ID", ExitCode.USAGE)
    return _list(args, ClientId(_number(action, "client id")))


def _list(args: argparse.Namespace, client_id: ClientId) -> int:
    from therapynotes.services.records import RecordsService  # noqa: PLC0415 - quick start

    session = unlock(args)
    try:
        found = RecordsService(session).note_list(client_id)
    finally:
        session.lock("command finished")
    for note in found:
        print(f"{note.id}\t{note.service_date}\t{note.kind.value}\t{note.state.value}")
    return ExitCode.OK


def _cosign(args: argparse.Namespace, note_id: NoteId) -> int:
    from therapynotes.services import review  # noqa: PLC0415 - quick start

    session = unlock(args)
    try:
        made = review.cosign(session, note_id)
    finally:
        session.lock("command finished")
    print(f"cosigned: {made.note_id}\t{shown(made.login)}\t{made.signed_at}")
    return ExitCode.OK


def _signature(args: argparse.Namespace, line: str | None) -> int:
    from therapynotes.services import review  # noqa: PLC0415 - quick start

    session = unlock(args)
    try:
        if line is not None:
            review.set_signature(session, line)
        current = review.signature(session)
    finally:
        session.lock("command finished")
    print(f"signature: {shown(current)}")
    return ExitCode.OK
