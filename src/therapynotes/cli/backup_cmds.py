"""Backup commands: `backup create|list|verify` and `restore`.

Secrets for `backup verify` and `restore` open the file alone (no TOTP code): with
--passphrase-stdin line 1 is the passphrase; with --recovery-key-stdin line 1 is the
recovery key and, for `restore`, line 2 the new passphrase.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from therapynotes.cli.common import (
    NO_DEVICE_BINDING_NOTE,
    CliError,
    ExitCode,
    SecretReader,
    add_command,
    keyring_advice,
    secret_reader,
    shown,
    unlock,
    vault_dir,
)
from therapynotes.cli.old_vault_cmds import remove_command
from therapynotes.domain.formatting import plural
from therapynotes.errors import KEYRING_PROBLEMS, TherapyNotesError
from therapynotes.services import old_vaults, purge_ledger
from therapynotes.services.backups import BackupService, list_backups, verify_backup
from therapynotes.services.restore import Preview, RestoreService
from therapynotes.services.vault import VaultService


def _recovery_flag(parser: argparse.ArgumentParser, text: str) -> None:
    parser.add_argument("--recovery-key-stdin", action="store_true", help=text)


def register(sub: Any) -> None:
    group: argparse.ArgumentParser = sub.add_parser(
        "backup", help="encrypted backup files", description="encrypted backup files"
    )
    inner = group.add_subparsers(dest="backup_command", metavar="ACTION")
    group.set_defaults(handler=lambda _args: _usage(group))

    p = add_command(inner, "create", "unlock, write and verify a backup into a folder")
    p.add_argument("--to", dest="to", metavar="DIR", type=Path, required=True)
    p.set_defaults(handler=cmd_create)

    p = add_command(inner, "list", "list backup files in a folder (no unlock needed)")
    p.add_argument("folder", metavar="DIR", type=Path)
    p.set_defaults(handler=cmd_list)

    p = add_command(
        sub, "rehearse", "recovery rehearsal: test-restore the newest backup with the recovery key"
    )
    p.add_argument("--from", dest="source", metavar="DIR", type=Path, required=True)
    p.add_argument(
        "--recovery-key-stdin",
        action="store_true",
        help="read passphrase, code and then the recovery key from stdin, one a line",
    )
    p.set_defaults(handler=cmd_rehearse)

    p = add_command(
        inner, "forget-purged", "delete backups that still hold purged records (asks --confirm)"
    )
    p.add_argument("folder", metavar="DIR", type=Path)
    p.add_argument("--confirm", action="store_true", help="really delete them")
    p.set_defaults(handler=cmd_forget_purged)

    p = add_command(inner, "verify", "fully verify one backup file (exit 1 on any problem)")
    p.add_argument("file", metavar="FILE", type=Path)
    _recovery_flag(p, "stdin line 1: the recovery key (instead of the passphrase)")
    p.set_defaults(handler=cmd_verify)

    p = add_command(sub, "restore", "restore the vault from a backup file")
    p.add_argument("file", metavar="FILE", type=Path)
    _recovery_flag(p, "stdin line 1: the recovery key; line 2: the new passphrase")
    p.add_argument(
        "--passphrase-only",
        action="store_true",
        help="no usable OS keyring here: protect the restored vault by the passphrase alone",
    )
    p.set_defaults(handler=cmd_restore)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return ExitCode.USAGE


def _progress(phase: str, done: int, total: int) -> None:
    if sys.stderr.isatty() and total:
        print(f"\r{phase}: {min(100, done * 100 // total):3d}%", end="", file=sys.stderr)


def cmd_create(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        result = BackupService(session).run(args.to, progress=_progress)
    finally:
        session.lock("command finished")
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"backup: {shown(result.path)} ({result.size} bytes, verified)")
    for path in result.deleted:
        print(f"removed-old: {shown(path.name)}")
    return ExitCode.OK


def cmd_list(args: argparse.Namespace) -> int:
    if not args.folder.is_dir():
        raise CliError(f"no such folder: {args.folder} (is the drive connected?)")
    last, vault_id = _purge_state(args)
    for item in list_backups(args.folder):
        status = "verified-when-written" if item.header_ok else "DAMAGED-HEADER"
        when = item.created_at.strftime("%Y-%m-%d %H:%M:%SZ")
        mark = "  contains-purged" if purge_ledger.holds_purged(item, last, vault_id) else ""
        print(f"{when}  {item.size:>12}  {status:<21}  {shown(item.path.name)}{mark}")
    return ExitCode.OK


def _purge_state(args: argparse.Namespace) -> tuple[datetime | None, str]:
    """The newest purge of this vault and its id (no unlock: the keys file's header)."""
    root = vault_dir(args)
    last = purge_ledger.last_purge(root)
    if last is None:
        return None, ""
    try:
        return last, VaultService(root)._read_keys()[1].vault_id
    except TherapyNotesError:
        return None, ""


def cmd_forget_purged(args: argparse.Namespace) -> int:
    if not args.folder.is_dir():
        raise CliError(f"no such folder: {args.folder} (is the drive connected?)")
    last, vault_id = _purge_state(args)
    listings = list_backups(args.folder)
    plan = purge_ledger.forget_plan(listings, last, vault_id)
    if not args.confirm:
        for item in plan:
            print(f"would delete: {shown(item.path.name)}")
        kept = [b for b in listings if purge_ledger.holds_purged(b, last, vault_id)]
        if len(kept) > len(plan):
            print(
                "kept: the newest backup still holds purged records, because no backup "
                "made after the purge exists yet; make one (backup create) and run again"
            )
        print("nothing was deleted; run again with --confirm to delete")
        return ExitCode.USAGE
    for path in purge_ledger.forget(listings, last, vault_id):
        print(f"deleted: {shown(path.name)}")
    return ExitCode.OK


def _key_lines(args: argparse.Namespace) -> tuple[SecretReader, str | None, str | None]:
    """(reader, passphrase, recovery text): exactly one of the two is set."""
    reader = secret_reader(args, force_stdin=args.recovery_key_stdin)
    if args.recovery_key_stdin:
        return reader, None, reader.read("Recovery key: ", what="the recovery key")
    return reader, reader.read("Backup passphrase: ", what="the passphrase"), None


def _scratch_parent(args: argparse.Namespace) -> Path:
    """Where the (still SQLCipher-encrypted) snapshot is checked: the vault folder when
    there is one, else a private temp folder."""
    root = vault_dir(args)
    return root if root.is_dir() else Path(tempfile.gettempdir())


def cmd_verify(args: argparse.Namespace) -> int:
    _, passphrase, recovery_text = _key_lines(args)
    report = verify_backup(
        args.file, _scratch_parent(args), passphrase=passphrase, recovery_text=recovery_text
    )
    total = sum(report.manifest.counts.values())
    print(
        f"ok: {shown(args.file.name)} verified (made {report.created_at:%Y-%m-%d %H:%M}Z, "
        f"{plural(total, 'row')} in {plural(len(report.manifest.counts), 'table')})"
    )
    return ExitCode.OK


def _show_preview(preview: Preview, interactive: bool) -> bool:
    print(f"backup-made: {preview.created_at:%Y-%m-%d %H:%M:%S}Z")
    print(f"backup-seq: {preview.seq}")
    print(f"vault-id: {preview.vault_id}")
    for table, count in sorted(preview.counts.items()):
        print(f"rows: {table} {count}")
    if not interactive:
        return True
    answer = input("Restore this backup here? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def cmd_restore(args: argparse.Namespace) -> int:
    reader, passphrase, recovery_text = _key_lines(args)
    new_passphrase = reader.new_passphrase() if recovery_text is not None else None
    interactive = not reader.from_stdin and sys.stdin.isatty()
    try:
        result = RestoreService(vault_dir(args)).restore(
            args.file,
            passphrase=passphrase,
            recovery_text=recovery_text,
            new_passphrase=new_passphrase,
            passphrase_only=args.passphrase_only,
            confirm=lambda preview: _show_preview(preview, interactive),
        )
    except KEYRING_PROBLEMS as exc:
        raise keyring_advice(exc) from exc
    if result is None:
        print("Nothing was restored.")
        return ExitCode.FAILED
    print(f"restored: {shown(result.vault_root)}")
    if result.set_aside is not None:
        print(f"previous-vault-kept: {shown(result.set_aside)}")
    print(
        "Restored and verified. Unlock with your passphrase and the code from the same "
        "authenticator entry as before.",
        file=sys.stderr,
    )
    if args.passphrase_only:
        print(NO_DEVICE_BINDING_NOTE, file=sys.stderr)
    if result.set_aside is not None:
        _say_kept(args, result.set_aside.name)
    return ExitCode.OK


def _say_kept(args: argparse.Namespace, name: str) -> None:
    kept = old_vaults.describe(vault_dir(args), name)
    how = (
        ", with its keyring entry, so it still opens with its own passphrase on this computer"
        if kept.device_entry
        else ""
    )
    print(
        f"The vault that was here is kept in {shown(name)}{how}. When you no longer need "
        f"it: {shown(remove_command(args, name))}",
        file=sys.stderr,
    )


def cmd_rehearse(args: argparse.Namespace) -> int:
    """Unlock (passphrase, code), then the recovery key; the test restore happens in a
    scratch folder inside the vault folder and is removed. Exit 1 when it fails."""
    from therapynotes.services.rehearsal import RehearsalService  # noqa: PLC0415

    reader = secret_reader(args, force_stdin=args.recovery_key_stdin)
    session = unlock(args, reader)
    try:
        key = reader.read("Recovery key: ", what="the recovery key")
        result = RehearsalService(session).rehearse(key, args.source)
    finally:
        session.lock("command finished")
    print(
        f"rehearsal passed: {shown(result.backup.name)} opened with the recovery key and "
        f"restored in a test ({result.rows} rows); the test copy was removed"
    )
    return ExitCode.OK
