"""CLI (issue 17 phase B): `notes CLIENT_ID`, `notes cosign NOTE_ID`, `notes signature`,
`audit list --by-user`, and refusals by role (one line naming the role, exit 1, audited).

Until keys17's `--user` lands, the login is chosen by the unlock this test installs (the
owner's session with its login switched); the commands themselves are the real ones."""

from __future__ import annotations

import dataclasses
import io
import time
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, FakeClock
from tests.support.records import add_client, log_session_now
from therapynotes.cli import (
    audit_cmds,
    main,
    measures_cmds,
    notes_cmds,
    portable_cmds,
    records_cmds,
)
from therapynotes.domain.roles import Login, Role
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.store import audit

SUPERVISOR = Login("rlee", Role.SUPERVISOR)
ASSISTANT = Login("sam", Role.ASSISTANT)


class Cli:
    def __init__(self, vault_dir: Path, mp: pytest.MonkeyPatch, cap: pytest.CaptureFixture[str]):
        self.dir, self.mp, self.cap = vault_dir, mp, cap
        self.clock = FakeClock(time.time())
        self.svc = VaultService(vault_dir, clock=self.clock)
        created = self.svc.create(STRONG)
        self.totp = pyotp.TOTP(created.totp_secret)
        self.login: Login | None = None
        session = self.open()
        try:
            records = RecordsService(session, clock=self.clock)
            self.client = add_client(records, "Ada Canary")
            visit = log_session_now(records, self.clock, self.client)
            self.signed = records.start_note(self.client, "soap", session_id=visit)
            records.save_draft(self.signed, {"subjective": "better"})
            records.sign_note(self.signed)
            self.private = records.start_note(
                self.client, "psychotherapy", sections={"process": "x"}
            )
            records.sign_note(self.private)
            self.draft = records.start_note(self.client, "soap", sections={"subjective": "d"})
        finally:
            session.lock("test")
        for module in (notes_cmds, measures_cmds, records_cmds, portable_cmds, audit_cmds):
            mp.setattr(module, "unlock", lambda _args, *_: self.open())

    def open(self) -> VaultSession:
        self.clock.advance(30)
        session = self.svc.unlock(STRONG, self.totp.at(self.clock()))
        return session if self.login is None else dataclasses.replace(session, login=self.login)

    def __call__(self, *argv: str, login: Login | None = None) -> tuple[int, str, str]:
        self.login = login
        self.mp.setattr("sys.stdin", io.StringIO(""))
        code = main(["--vault", str(self.dir), *argv])
        out, err = self.cap.readouterr()
        return code, out, err


@pytest.fixture
def cli(
    vault_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    return Cli(vault_dir, monkeypatch, capsys)


def test_notes_lists_id_date_kind_state_and_hides_psychotherapy_from_a_supervisor(
    cli: Cli,
) -> None:
    code, out, err = cli("notes", str(cli.client))
    assert (code, err) == (0, "")
    lines = [line.split("\t") for line in out.splitlines()]
    assert {int(row[0]) for row in lines} == {cli.signed, cli.private, cli.draft}
    for row in lines:
        assert len(row) == 4 and len(row[1]) == 10 and row[1][4] == "-"
    states = {int(row[0]): (row[2], row[3]) for row in lines}
    assert states[cli.signed] == ("progress", "signed")
    assert states[cli.private] == ("psychotherapy", "signed")
    code, out, _ = cli("notes", str(cli.client), login=SUPERVISOR)
    assert code == 0
    assert {int(line.split("\t")[0]) for line in out.splitlines()} == {cli.signed, cli.draft}


def test_supervisor_sets_a_signing_line_then_cosigns(cli: Cli) -> None:
    code, _, err = cli("notes", "cosign", str(cli.signed), login=SUPERVISOR)
    assert code == 1 and err.count("\n") == 1 and "signing line" in err
    code, out, _ = cli("notes", "signature", "Dr. R. Lee, PhD", login=SUPERVISOR)
    assert (code, out) == (0, "signature: Dr. R. Lee, PhD\n")
    code, out, err = cli("notes", "cosign", str(cli.signed), login=SUPERVISOR)
    assert (code, err) == (0, "")
    note, login, when = out.removeprefix("cosigned: ").rstrip("\n").split("\t")
    assert (int(note), login, when[-1]) == (cli.signed, "rlee", "Z")
    code, _, err = cli("notes", "cosign", str(cli.signed), login=SUPERVISOR)
    assert code == 1 and "already co-signed" in err
    code, _, err = cli("notes", "cosign", str(cli.draft), login=SUPERVISOR)
    assert code == 1 and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "login", "words"),
    [
        (["notes", "{client}"], ASSISTANT, "An assistant's login cannot read notes."),
        (["notes", "cosign", "{signed}"], ASSISTANT, "An assistant's login cannot co-sign"),
        (["notes", "cosign", "{signed}"], None, "The owner's login cannot co-sign notes."),
        (["notes", "cosign", "{private}"], SUPERVISOR, "cannot open psychotherapy notes"),
        (["search", "better"], ASSISTANT, "An assistant's login cannot search notes."),
        (["measures", "history", "{client}"], ASSISTANT, "An assistant's login cannot see"),
        (["export", "--json", "{tmp}"], ASSISTANT, "An assistant's login cannot export"),
        (["export", "--json", "{tmp}"], SUPERVISOR, "A supervisor's login cannot export"),
        (["audit", "list"], SUPERVISOR, "A supervisor's login cannot see the audit trail."),
    ],
)
def test_a_refused_role_gets_one_line_exit_1_and_an_audit_row(
    cli: Cli, tmp_path: Path, argv: list[str], login: Login | None, words: str
) -> None:
    values = {
        "client": cli.client,
        "signed": cli.signed,
        "private": cli.private,
        "tmp": tmp_path / "out",
    }
    code, out, err = cli(*(a.format(**values) for a in argv), login=login)
    assert (code, out) == (1, "")
    assert err.startswith("therapynotes: ") and err.count("\n") == 1 and words in err
    assert not (tmp_path / "out").exists()
    cli.login = None
    session = cli.open()
    try:
        last = [e for e in audit.entries(session.conn) if e.kind == "access.refused"][-1]
    finally:
        session.lock("test")
    assert last.actor == (login.name if login else "owner")


def test_audit_list_by_user(cli: Cli) -> None:
    cli("notes", "signature", "Dr. R. Lee", login=SUPERVISOR)
    code, out, _ = cli("audit", "list", "--by-user", "rlee")
    rows = [line.split("\t") for line in out.splitlines()]
    assert code == 0 and rows
    assert {row[2] for row in rows} == {"rlee"}
    assert "review.signature_line" in {row[3] for row in rows}
    code, out, _ = cli("audit", "list", "--by-user", "nobody")
    assert (code, out) == (0, "")
