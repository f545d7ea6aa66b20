"""Shared CLI plumbing: options, reading secrets, unlocking, exit codes."""

from __future__ import annotations

import argparse
import getpass
import sys
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from therapynotes.errors import TherapyNotesError, VaultNotFound
from therapynotes.paths import default_data_dir

if TYPE_CHECKING:  # imported when used: `status` and `-h` stay quick (issue 18)
    from therapynotes.services.session import VaultSession
    from therapynotes.services.vault import VaultService
    from therapynotes.store.migrations import UpgradeStep

NO_DEVICE_BINDING_NOTE = (
    "warning: passphrase-only vault: no device secret protects it, so anyone with a copy "
    "of its files can try passphrases offline. Use a long passphrase."
)


# Unicode bidi controls: embeddings and overrides, isolates, marks, the Arabic letter mark.
_BIDI = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])


def _escape_char(ch: str) -> str:
    point = ord(ch)
    if point < 0x20 or 0x7F <= point <= 0x9F:
        return f"\\x{point:02x}"
    if point in _BIDI:
        return f"\\u{point:04x}"
    return ch


def shown(value: object) -> str:
    """`value` as text safe for a terminal: every C0 and C1 control character (tab and
    line break included) and every Unicode bidi control becomes a visible escape such as
    `\\x1b` or `\\u202e`, so record text can neither drive the terminal (escape
    sequences, title changes) nor reorder what is shown. Every CLI line carrying record
    text, or a path the user typed, goes through this."""
    text = str(value)
    if text.isprintable() and not any(ord(ch) in _BIDI for ch in text):
        return text
    return "".join(_escape_char(ch) for ch in text)


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2


class CliError(Exception):
    """A CLI-level failure whose text is shown as is."""

    def __init__(self, message: str, code: int = ExitCode.FAILED) -> None:
        super().__init__(message)
        self.code = code


def keyring_advice(exc: TherapyNotesError) -> CliError:
    """A keyring problem, and the flag that goes on without one (init, recover, restore)."""
    return CliError(f"{exc.message} To go on without a keyring, add --passphrase-only.")


def add_common_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """--vault and --passphrase-stdin, accepted before or after the command name; --user
    (the login) before it."""
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--vault",
        metavar="DIR",
        type=Path,
        default=default,
        help="the vault folder (default: your data folder)",
    )
    if top_level:
        # Before the command only (`therapynotes --user NAME COMMAND`): after it, a
        # command may have a --user of its own (`audit list --user NAME` filters rows).
        parser.add_argument(
            "--user",
            metavar="NAME",
            dest="login",
            default=None,
            help="unlock as this login (an assistant or supervisor the owner added; "
            "default: the owner)",
        )
    parser.add_argument(
        "--passphrase-stdin",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="read secrets from standard input, one a line, instead of a terminal prompt",
    )


def add_command(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """A sub-command that also accepts the common options after its name."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    add_common_options(parser)
    return parser


def vault_dir(args: argparse.Namespace) -> Path:
    return args.vault if args.vault is not None else default_data_dir()


def __getattr__(name: str) -> Any:
    """`VaultService` loads when first used (issue 18); tests replace it here."""
    if name == "VaultService":
        from therapynotes.services.vault import VaultService  # noqa: PLC0415 - see above

        return VaultService
    raise AttributeError(name)


def service(args: argparse.Namespace) -> VaultService:
    vault_service: type[VaultService] = getattr(sys.modules[__name__], "VaultService")  # noqa: B009
    return vault_service(vault_dir(args))


class SecretReader:
    """Reads secrets from stdin lines (--passphrase-stdin) or from a terminal prompt."""

    def __init__(self, from_stdin: bool, stream: TextIO | None = None) -> None:
        self.from_stdin = from_stdin
        self.stream = stream if stream is not None else sys.stdin

    def read(self, prompt: str, *, what: str) -> str:
        if self.from_stdin:
            line = self.stream.readline()
            if not line:
                raise CliError(f"expected {what} on standard input, found nothing")
            return line.rstrip("\r\n")
        if not sys.stdin.isatty():
            raise CliError(
                f"no terminal to ask for {what}; pass secrets with --passphrase-stdin",
                ExitCode.USAGE,
            )
        return getpass.getpass(prompt)

    def new_passphrase(self, prompt: str = "New passphrase: ") -> str:
        first = self.read(prompt, what="the new passphrase")
        if not self.from_stdin:
            again = self.read("Type it again: ", what="the new passphrase")
            if again != first:
                raise CliError("the two passphrases differ; nothing was changed")
        return first


def secret_reader(args: argparse.Namespace, *, force_stdin: bool = False) -> SecretReader:
    return SecretReader(force_stdin or bool(args.passphrase_stdin))


def login_name(args: argparse.Namespace) -> str | None:
    """The login given with the global --user (None: the owner)."""
    name = getattr(args, "login", None)
    return name if isinstance(name, str) else None


def unlock(args: argparse.Namespace, reader: SecretReader | None = None) -> VaultSession:
    """Unlock with passphrase (line 1) and TOTP code (line 2), as --user (default: the
    owner)."""
    svc = service(args)
    if not svc.exists():
        raise VaultNotFound
    reader = reader or secret_reader(args)
    passphrase = reader.read("Passphrase: ", what="the passphrase")
    code = reader.read("Code from your authenticator app: ", what="the 6-digit code")
    return svc.unlock(passphrase, code, user=login_name(args), progress=say_upgrade)


def say_upgrade(step: UpgradeStep) -> None:
    """The first unlock after an update upgrades the vault's schema, which can take a
    minute on a large record: one line per step on stderr (stdout is the command's
    answer, which scripts read). A step's finer parts are not printed."""
    if step.done is None:
        print(
            f"Updating the vault for this version (step {step.number} of {step.total}):"
            f" {step.description}…",
            file=sys.stderr,
            flush=True,
        )
