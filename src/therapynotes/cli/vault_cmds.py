"""Vault commands: init, status, check, passwd, recover."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from therapynotes.cli.common import (
    NO_DEVICE_BINDING_NOTE,
    ExitCode,
    add_command,
    keyring_advice,
    login_name,
    say_upgrade,
    secret_reader,
    service,
    shown,
    unlock,
    vault_dir,
)
from therapynotes.errors import KEYRING_PROBLEMS

if TYPE_CHECKING:  # `status` loads none of these (issue 18)
    from therapynotes.services.session import VaultSession
    from therapynotes.services.vault import VaultService
    from therapynotes.services.vault_create import CreatedVault


def register(sub: Any) -> None:
    p = add_command(sub, "init", "create a new vault")
    p.add_argument(
        "--passphrase-only",
        action="store_true",
        help="no OS keyring on this computer: protect the vault by the passphrase alone",
    )
    p.set_defaults(handler=cmd_init)

    p = add_command(sub, "status", "describe the vault without unlocking it (no client data)")
    p.set_defaults(handler=cmd_status)

    p = add_command(sub, "check", "unlock and check the vault's integrity")
    p.set_defaults(handler=cmd_check)

    p = add_command(sub, "passwd", "change the passphrase (stdin: old passphrase, code, new)")
    p.set_defaults(handler=cmd_passwd)

    p = add_command(sub, "recover", "unlock with the recovery key, set a new passphrase, re-bind")
    p.add_argument(
        "--recovery-key-stdin",
        action="store_true",
        help="stdin line 1: the recovery key; line 2: the new passphrase",
    )
    p.add_argument("--passphrase-only", action="store_true", help="as for init")
    p.set_defaults(handler=cmd_recover)

    p = add_command(
        sub, "reset-totp", "lost phone: enrol a new authenticator (stdin: passphrase, recovery key)"
    )
    p.set_defaults(handler=cmd_reset_totp)


def print_created(created: CreatedVault) -> None:
    """The lines scripts read after `init` and `demo` (shown once, never stored)."""
    print(f"vault-id: {created.vault_id}")
    print(f"totp-uri: {created.totp_uri}")
    print(f"recovery-key: {created.recovery_key}")
    print(
        "Add the totp-uri to your authenticator app, and write the recovery key down and "
        "keep it somewhere safe: it is shown only this once.",
        file=sys.stderr,
    )


def create_vault(args: argparse.Namespace) -> tuple[VaultService, CreatedVault, str]:
    """Ask for a new passphrase and create the vault (`init`, `demo`); returns the
    service, what to show once, and the passphrase (demo unlocks with it)."""
    reader = secret_reader(args)
    passphrase = reader.new_passphrase("Choose a passphrase: ")
    svc = service(args)
    try:
        return svc, svc.create(passphrase, passphrase_only=args.passphrase_only), passphrase
    except KEYRING_PROBLEMS as exc:
        raise keyring_advice(exc) from exc


def cmd_init(args: argparse.Namespace) -> int:
    _svc, created, _passphrase = create_vault(args)
    print_created(created)
    if args.passphrase_only:
        print(NO_DEVICE_BINDING_NOTE, file=sys.stderr)
    return ExitCode.OK


def cmd_status(args: argparse.Namespace) -> int:
    st = service(args).status()
    print(f"vault: {shown(vault_dir(args))}")
    print(f"vault-id: {st.vault_id}")
    print(f"format-version: {st.format_version}")
    print(f"created: {st.created_at}")
    print(f"app-version: {st.app_version}")
    print(f"keyring-backend: {st.keyring_backend}")
    print(f"device-binding: {st.device_binding}")
    print(f"device-bound: {st.device_bound}")
    print(f"kdf: argon2id m={st.kdf.m_kib}KiB t={st.kdf.t} p={st.kdf.p}")
    if st.device_binding == "none":
        print(NO_DEVICE_BINDING_NOTE)
    return ExitCode.OK


def integrity_problems(session: VaultSession) -> list[str]:
    from therapynotes.store.connection import has_clinical  # noqa: PLC0415 - `status` stays quick

    conn = session.conn
    schemas = ["main", *(["clinical"] if has_clinical(conn) else [])]  # issue 17: both files
    problems = [
        str(r[0])
        for schema in schemas
        for r in conn.execute(f"PRAGMA {schema}.cipher_integrity_check").fetchall()
    ]
    rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    if rows != ["ok"]:
        problems.extend(rows)
    return problems


def cmd_check(args: argparse.Namespace) -> int:
    session = unlock(args)
    try:
        problems = integrity_problems(session)
    finally:
        session.lock("command finished")
    if problems:
        from therapynotes.domain.formatting import plural  # noqa: PLC0415 - `status` stays quick

        print(
            f"therapynotes: the vault has {plural(len(problems), 'integrity problem')}. Restore it "
            "from your most recent backup.",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    print("ok: encryption and database integrity checks passed")
    return ExitCode.OK


def cmd_passwd(args: argparse.Namespace) -> int:
    reader = secret_reader(args)
    svc = service(args)
    old = reader.read("Current passphrase: ", what="the current passphrase")
    code = reader.read("Code from your authenticator app: ", what="the 6-digit code")
    session = svc.unlock(old, code, user=login_name(args), progress=say_upgrade)
    try:
        new = reader.new_passphrase()
        svc.change_passphrase(session, old, new)
    finally:
        session.lock("command finished")
    print("Passphrase changed. Backups made before today still open with the old passphrase.")
    return ExitCode.OK


def cmd_recover(args: argparse.Namespace) -> int:
    reader = secret_reader(args, force_stdin=args.recovery_key_stdin)
    rk = reader.read("Recovery key: ", what="the recovery key")
    new = reader.new_passphrase()
    try:
        session = service(args).recover(
            rk, new, passphrase_only=args.passphrase_only, progress=say_upgrade
        )
    except KEYRING_PROBLEMS as exc:
        raise keyring_advice(exc) from exc
    session.lock("command finished")
    print("Recovered: new passphrase set and this computer is bound to the vault again.")
    return ExitCode.OK


def cmd_reset_totp(args: argparse.Namespace) -> int:
    reader = secret_reader(args)
    passphrase = reader.read("Passphrase: ", what="the passphrase")
    rk = reader.read("Recovery key: ", what="the recovery key")
    created = service(args).reset_totp(passphrase, rk, progress=say_upgrade)
    print(f"totp-uri: {created.totp_uri}")
    print(
        "Add the totp-uri to your authenticator app (the old phone's codes no longer work), "
        "then unlock with a code from it.",
        file=sys.stderr,
    )
    return ExitCode.OK
