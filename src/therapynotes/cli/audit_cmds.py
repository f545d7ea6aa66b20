"""Audit commands: `audit verify [--backup FILE]` and `audit list [--since DATE]
[--by-user NAME]` (the owner's; `--by-user`: the rows that login wrote, issue 17).

`--backup FILE` also proves the live log still extends the audit head that backup
recorded in its manifest (issue 12): rows removed or rewritten since then are caught
even by someone who holds the data key, as long as one older backup is kept."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from therapynotes.backup import reader
from therapynotes.backup.errors import BackupWrongKey
from therapynotes.backup.manifest import Manifest
from therapynotes.cli.common import (
    ExitCode,
    add_common_options,
    login_name,
    say_upgrade,
    secret_reader,
    service,
    shown,
    unlock,
)
from therapynotes.errors import VaultNotFound
from therapynotes.services.policy import UseCase, require
from therapynotes.services.session import VaultSession
from therapynotes.store import audit


def register(sub: Any) -> None:
    parser = sub.add_parser("audit", help="verify or list the audit log")
    add_common_options(parser)
    audit_sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    p = audit_sub.add_parser("verify", help="check the hash chain; exit 1 naming the first bad row")
    add_common_options(p)
    p.add_argument(
        "--backup",
        metavar="FILE",
        type=Path,
        help="also check that the live log still extends what this backup recorded",
    )
    p.set_defaults(handler=cmd_verify)

    p = audit_sub.add_parser("list", help="one event a line: seq, time, actor, kind, subject")
    add_common_options(p)
    p.add_argument("--since", metavar="DATE", help="only events at or after DATE (YYYY-MM-DD)")
    # The rows one login wrote (issue 17). Not `--user`: that global option chooses the
    # login that unlocks, and is accepted after the command name too.
    p.add_argument("--by-user", metavar="NAME", help="only events by the login NAME")
    p.set_defaults(handler=cmd_list)


def _unlock(args: argparse.Namespace) -> tuple[VaultSession, str]:
    """The session and the passphrase (an older backup may need it to open)."""
    svc = service(args)
    if not svc.exists():
        raise VaultNotFound
    secrets = secret_reader(args)
    passphrase = secrets.read("Passphrase: ", what="the passphrase")
    code = secrets.read("Code from your authenticator app: ", what="the 6-digit code")
    return svc.unlock(passphrase, code, user=login_name(args), progress=say_upgrade), passphrase


def _backup_manifest(path: Path, session: VaultSession, passphrase: str) -> Manifest:
    """The manifest of one of this vault's backups: opened with the data key, or with
    the passphrase for a backup made before a data-key rotation. A damaged or foreign
    file raises its BackupError (its message is shown)."""
    try:
        opened = reader.open_with_dek(path, session.dek)
    except BackupWrongKey:
        opened = reader.open_backup(path, passphrase=passphrase)
    try:
        return reader.read_manifest(opened)
    finally:
        opened.close()


def cmd_verify(args: argparse.Namespace) -> int:
    backup_path: Path | None = getattr(args, "backup", None)
    session, passphrase = _unlock(args)
    problem: str | None = None
    head: tuple[int, str] | None = None
    try:
        require(session, UseCase.AUDIT)
        report = audit.verify(session.conn)
        if report.ok and backup_path is not None:
            head = _backup_manifest(backup_path, session, passphrase).audit_head
            problem = audit.extends(session.conn, head) if head is not None else None
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
    if backup_path is None:
        return ExitCode.OK
    if head is None:
        print(
            "therapynotes: that backup was made before backups recorded the audit log, so "
            "there is nothing in it to compare with. Use a newer backup.",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    if problem is not None:
        print(
            f"therapynotes: the audit log does not extend that backup's: {problem}. "
            "Keep this vault and the backup for investigation.",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    print(f"ok: the log still extends the backup's (row {head[0]}, {head[1][:12]}...)")
    return ExitCode.OK


def cmd_list(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        require(session, UseCase.AUDIT)
        rows = audit.entries(session.conn, since=args.since, actor=args.by_user)
    finally:
        session.lock("command finished")
    for e in rows:
        detail = json.dumps(e.detail, sort_keys=True) if e.detail else ""
        fields = (str(e.seq), e.at, e.actor, e.kind, e.subject, detail)
        print("\t".join(shown(f) for f in fields).rstrip("\t"))
    return ExitCode.OK
