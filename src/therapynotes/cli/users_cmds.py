"""`users`: the vault's further logins (issue 17 phase B).

- `users list`: one login a line, `NAME<TAB>ROLE`, the owner first (any login may list).
- `users add NAME --role assistant|supervisor`: stdin (with --passphrase-stdin, else
  prompts), one a line: the owner's passphrase, the owner's code, the new user's
  passphrase. Prints `totp-uri: ...` once, for the new user's authenticator app.
- `users remove NAME`: stdin: the owner's passphrase, the owner's code. Then one line
  offering `therapynotes rotate-key`.
The owner's passphrase and code unlock the vault and authorise the change (the same code
serves both: it is read once).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from therapynotes.cli.common import (
    ExitCode,
    add_command,
    login_name,
    say_upgrade,
    secret_reader,
    service,
    shown,
    unlock,
)
from therapynotes.domain.roles import USER_ROLES

REMOVED_ADVICE = (
    "Removed. What they could read before, they may have kept: change the data key "
    "(therapynotes rotate-key) so their copied files and old backups stop mattering for "
    "new records."
)


def register(sub: Any) -> None:
    users = add_command(sub, "users", "the vault's logins: list, add or remove a user")
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    p = add_command(users_sub, "list", "one login a line: NAME<TAB>ROLE, the owner first")
    p.set_defaults(handler=cmd_list)
    p = add_command(
        users_sub,
        "add",
        "add a login (stdin: owner passphrase, owner code, the new user's passphrase); "
        "prints totp-uri: for the new user's authenticator",
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--role", required=True, choices=[r.value for r in USER_ROLES])
    p.set_defaults(handler=cmd_add)
    p = add_command(users_sub, "remove", "remove a login (stdin: owner passphrase, owner code)")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=cmd_remove)


def cmd_list(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        for user in service(args).list_users(session):
            print(f"{shown(user.name)}\t{user.role.value}")
    finally:
        session.lock("command finished")
    return ExitCode.OK


def _owner_secrets(args: argparse.Namespace) -> tuple[Any, str, str, Any]:
    reader = secret_reader(args)
    svc = service(args)
    passphrase = reader.read("Owner's passphrase: ", what="the owner's passphrase")
    code = reader.read("Owner's code from the authenticator app: ", what="the owner's code")
    return svc, passphrase, code, reader


def cmd_add(args: argparse.Namespace) -> int:
    svc, passphrase, code, reader = _owner_secrets(args)
    session = svc.unlock(passphrase, code, user=login_name(args), progress=say_upgrade)
    try:
        user_passphrase = reader.new_passphrase("The new user's passphrase: ")
        added = svc.add_user(
            session,
            name=args.name,
            role=args.role,
            owner_passphrase=passphrase,
            owner_code=code,
            user_passphrase=user_passphrase,
        )
    finally:
        session.lock("command finished")
    print(f"totp-uri: {added.totp_uri}")
    print(
        f"Added {shown(added.name)} ({added.role.value}). They add the totp-uri above to their "
        "authenticator app, then unlock with --user and their own passphrase and code.",
        file=sys.stderr,
    )
    return ExitCode.OK


def cmd_remove(args: argparse.Namespace) -> int:
    svc, passphrase, code, _ = _owner_secrets(args)
    session = svc.unlock(passphrase, code, user=login_name(args), progress=say_upgrade)
    try:
        svc.remove_user(session, name=args.name, owner_passphrase=passphrase, owner_code=code)
    finally:
        session.lock("command finished")
    print(REMOVED_ADVICE)
    return ExitCode.OK
