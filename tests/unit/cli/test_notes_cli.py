"""CLI (issue 17 phase B): `notes CLIENT_ID`, `notes cosign NOTE_ID`, `notes signature`,
`audit list --by-user`, and refusals by role (one line naming the role, exit 1, audited),
with real logins: `--user NAME`, their passphrase and code on stdin."""

from __future__ import annotations

import io
from pathlib import Path

import pyotp
import pytest

from tests.conftest import FakeClock
from tests.support.records import add_client, log_session_now
from tests.support.users import ASSISTANT_PW, SUPERVISOR_PW, add
from tests.support.vaults import STRONG, code_for, make_vault
from therapynotes.cli import main
from therapynotes.services.records import RecordsService
from therapynotes.services.vault import VaultService
from therapynotes.store import audit

SUPERVISOR = "rlee"
ASSISTANT = "sam"


class Cli:
    def __init__(
        self, vault_dir: Path, mp: pytest.MonkeyPatch, cap: pytest.CaptureFixture[str]
    ) -> None:
        self.dir, self.mp, self.cap = vault_dir, mp, cap
        self.clock = clock = FakeClock()
        mp.setattr(
            "therapynotes.cli.common.VaultService", lambda root: VaultService(root, clock=clock)
        )
        self.svc, self.created = make_vault(vault_dir, clock)
        session = self.svc.unlock(STRONG, code_for(self.created, clock()))
        try:
            sup = add(
                self.svc, session, self.created, clock, SUPERVISOR, "supervisor", SUPERVISOR_PW
            )
            ast = add(self.svc, session, self.created, clock, ASSISTANT, "assistant", ASSISTANT_PW)
            self.logins = {
                SUPERVISOR: (SUPERVISOR_PW, sup.totp_secret),
                ASSISTANT: (ASSISTANT_PW, ast.totp_secret),
            }
            records = RecordsService(session, clock=clock)
            self.client = add_client(records, "Ada Canary")
            visit = log_session_now(records, clock, self.client)
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

    def _secrets(self, login: str | None) -> str:
        self.clock.advance(30)
        if login is None:
            return f"{STRONG}\n{code_for(self.created, self.clock())}\n"
        passphrase, secret = self.logins[login]
        return f"{passphrase}\n{pyotp.TOTP(secret).at(self.clock())}\n"

    def __call__(self, *argv: str, login: str | None = None) -> tuple[int, str, str]:
        self.mp.setattr("sys.stdin", io.StringIO(self._secrets(login)))
        who = ["--user", login] if login else []
        code = main(["--vault", str(self.dir), *who, "--passphrase-stdin", *argv])
        out, err = self.cap.readouterr()
        return code, out, err

    def owner_rows(self) -> list[audit.AuditEntry]:
        self.clock.advance(30)
        session = self.svc.unlock(STRONG, code_for(self.created, self.clock()))
        try:
            return audit.entries(session.conn)
        finally:
            session.lock("test")


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
    cli: Cli, tmp_path: Path, argv: list[str], login: str | None, words: str
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
    last = [e for e in cli.owner_rows() if e.kind == "access.refused"][-1]
    assert last.actor == (login or "owner")


def test_audit_list_by_user(cli: Cli) -> None:
    cli("notes", "signature", "Dr. R. Lee", login=SUPERVISOR)
    code, out, _ = cli("audit", "list", "--by-user", "rlee")
    assert code == 0
    assert "unlock.ok" in {row.split("\t")[3] for row in out.splitlines()}
    rows = [line.split("\t") for line in out.splitlines()]
    assert code == 0 and rows
    assert {row[2] for row in rows} == {"rlee"}
    assert "review.signature_line" in {row[3] for row in rows}
    code, out, _ = cli("audit", "list", "--by-user", "nobody")
    assert (code, out) == (0, "")
