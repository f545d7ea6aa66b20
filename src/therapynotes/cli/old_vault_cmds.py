"""`old-vaults list` and `old-vaults remove NAME --confirm`: the vaults set aside next to
the vault folder (after a restore over it, or an unfinished first run), and removing one
together with its keyring entry (services/old_vaults.py says why both go together).

`remove` without --confirm says what would be removed and exits 2, changing nothing.
`list` prints one folder a line, tab-separated: name, kind, vault id, keyring state.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from therapynotes.cli.common import CliError, ExitCode, add_command, shown, vault_dir
from therapynotes.errors import KEYRING_PROBLEMS
from therapynotes.services import old_vaults


def register(sub: Any) -> None:
    group = add_command(sub, "old-vaults", "vaults set aside next to this one (after a restore)")
    actions = group.add_subparsers(dest="old_vaults_command", metavar="ACTION", required=True)
    p = add_command(actions, "list", "each one: name, kind, vault id, its keyring entry")
    p.set_defaults(handler=cmd_list)
    p = add_command(actions, "remove", "delete one and its keyring entry (asks for --confirm)")
    p.add_argument("name", metavar="NAME", help="its folder name, as `old-vaults list` shows")
    p.add_argument("--confirm", action="store_true", help="really delete it")
    p.add_argument(
        "--keep-keyring-entry",
        action="store_true",
        help="delete the folder even when the keyring cannot be reached; its entry stays",
    )
    p.set_defaults(handler=cmd_remove)


def remove_command(args: argparse.Namespace, name: str) -> str:
    """The command line that removes `name`, for the advice other commands print."""
    where = f"--vault '{args.vault}' " if getattr(args, "vault", None) is not None else ""
    return f"therapynotes {where}old-vaults remove '{name}' --confirm"


def cmd_list(args: argparse.Namespace) -> int:
    found = old_vaults.find(vault_dir(args))
    for old in found:
        vault_id = old.vault_id[:8] + "…" if old.vault_id else "-"
        fields = (old.name, old.kind, vault_id, old_vaults.entry_state(old))
        print("\t".join(shown(f) for f in fields))
    if not found:
        print(f"nothing is set aside next to {shown(vault_dir(args))}", file=sys.stderr)
    return ExitCode.OK


def cmd_remove(args: argparse.Namespace) -> int:
    root = vault_dir(args)
    if not args.confirm:
        old = old_vaults.describe(root, args.name)
        print(f"would delete: {shown(old.path)} ({old.kind})")
        print(f"its keyring entry: {old_vaults.entry_state(old)}")
        print(
            "Once deleted, it cannot be opened again, not even with its recovery key. "
            "Nothing was changed; run again with --confirm to delete it."
        )
        return ExitCode.USAGE
    try:
        removed = old_vaults.remove(root, args.name, keep_entry=args.keep_keyring_entry)
    except KEYRING_PROBLEMS as exc:
        raise CliError(
            f"{exc.message} Nothing was deleted. To delete the folder anyway and leave its "
            "entry in the keyring, add --keep-keyring-entry."
        ) from exc
    print(f"removed: {shown(removed.path)}")
    if removed.entry_removed:
        print("Its keyring entry was removed too.")
    if removed.entry_kept:
        print(f"keyring-entry-kept: {removed.entry_kept}")
    return ExitCode.OK
