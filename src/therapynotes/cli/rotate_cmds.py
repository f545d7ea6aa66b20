"""`rotate-key`: re-encrypt the vault under a new data key.

Secrets, one a line with --passphrase-stdin (else terminal prompts): the passphrase, the
6-digit code, then the recovery key (it stays the same). With --new-recovery-key there
is no third line: a new recovery key is printed as `recovery-key: ...` *before* the
change is made, and is the one that works once the command exits 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from therapynotes.cli.common import (
    CliError,
    ExitCode,
    add_command,
    login_name,
    say_upgrade,
    secret_reader,
    service,
)
from therapynotes.errors import TherapyNotesError, VaultNotFound
from therapynotes.services.backups import BackupService
from therapynotes.services.rotation import KeyRotation, RotationPlan, RotationUnfinished

OLD_BACKUPS_NOTE = (
    "Backups made before now still open with the passphrase and recovery key they were "
    "made with, and hold the old key: make a fresh backup now "
    "(therapynotes backup create --to DIR), and delete old backups you think leaked."
)


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "rotate-key",
        "re-encrypt the vault under a new data key (stdin: passphrase, code, recovery key)",
    )
    p.add_argument(
        "--new-recovery-key",
        action="store_true",
        help="also make a new recovery key (printed once); no recovery key line on stdin",
    )
    p.add_argument(
        "--backup-to",
        metavar="DIR",
        type=Path,
        default=None,
        help="then write and verify a fresh backup into DIR",
    )
    p.set_defaults(handler=cmd_rotate_key)


def _progress(phase: str, done: int, total: int) -> None:
    if sys.stderr.isatty() and total:
        print(f"\r{phase}: {min(100, done * 100 // total):3d}%", end="", file=sys.stderr)


def cmd_rotate_key(args: argparse.Namespace) -> int:
    svc = service(args)
    if not svc.exists():
        raise VaultNotFound
    reader = secret_reader(args)
    passphrase = reader.read("Passphrase: ", what="the passphrase")
    code = reader.read("Code from your authenticator app: ", what="the 6-digit code")
    session = svc.unlock(passphrase, code, user=login_name(args), progress=say_upgrade)
    try:
        recovery_text = None
        if not args.new_recovery_key:
            recovery_text = reader.read("Recovery key: ", what="the recovery key")
        rotation = KeyRotation(svc)
        plan = rotation.prepare(
            session,
            passphrase,
            recovery_text=recovery_text,
            new_recovery_key=args.new_recovery_key,
        )
        try:
            _run(rotation, plan)
        finally:
            plan.close()
        print("Data key changed: the records are now encrypted with a new key.", flush=True)
        print(OLD_BACKUPS_NOTE, file=sys.stderr)
        if args.backup_to is not None:
            backup = BackupService(session).run(args.backup_to)
            print(f"backup: {backup.path} ({backup.size} bytes, verified)")
    finally:
        session.lock("command finished")
    return ExitCode.OK


def _run(rotation: KeyRotation, plan: RotationPlan) -> None:
    """Show a new recovery key first (it must be on paper before it is in place), then
    rotate; a failure says which recovery key works."""
    new_key = plan.new_recovery_key
    if new_key is not None:
        print(f"recovery-key: {new_key}", flush=True)
        print(
            "Write the new recovery key down now. Until this command reports success, "
            "your old recovery key is the one that works.",
            file=sys.stderr,
        )
    try:
        rotation.run(plan, progress=_progress)
    except RotationUnfinished as exc:
        after = " The new recovery key printed above is the one that works." if new_key else ""
        raise CliError(exc.message + after) from exc
    except TherapyNotesError as exc:
        if new_key is None:
            raise
        raise CliError(
            f"{exc.message} The recovery key printed above was not put in place: your old "
            "recovery key still works."
        ) from exc
    finally:
        if sys.stderr.isatty():
            print(file=sys.stderr)
