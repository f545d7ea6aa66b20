"""Every CLI line that carries record text shows control characters and Unicode bidi
controls as visible escapes: a name or note can neither send the terminal an escape
sequence (a title change, a colour, a cursor move) nor reorder what is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.records import log_session_now
from tests.support.vaults import STRONG, code_for, make_vault
from tests.unit.cli.test_vault_cli import run
from therapynotes.cli.common import shown
from therapynotes.domain.models import ClientFields
from therapynotes.services.records import RecordsService
from therapynotes.services.vault import VaultService

TITLE = "\x1b]0;pwned\x07"  # would set the terminal's title
RLO = "\u202e"  # right-to-left override: would show "txt.exe" as "exe.txt"
NAME = f"Eve{TITLE}Hostile{RLO}gpj"
RAW = ("\x1b", "\x07", RLO)


def test_shown_escapes_c0_c1_and_bidi_controls_only() -> None:
    assert shown(NAME) == "Eve\\x1b]0;pwned\\x07Hostile\\u202egpj"
    assert shown("tab\there\nnew\x7f\x85\x9b") == "tab\\x09here\\x0anew\\x7f\\x85\\x9b"
    for ch in "\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c":
        assert shown(ch) == f"\\u{ord(ch):04x}"
    assert shown("Zoë Ångström 李 \u00a0ok") == "Zoë Ångström 李 \u00a0ok"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch, capsys, clock: FakeClock):
    root = tmp_path / "vault"
    svc, created = make_vault(root, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    records = RecordsService(session, clock=clock)
    client = records.create_client(ClientFields(legal_name=NAME, alerts=TITLE))
    log_session_now(records, clock, client)
    note = records.start_note(client, "freeform", sections={"text": f"quince {TITLE}{RLO}"})
    records.sign_note(note)
    session.lock()

    def call(*argv: str) -> tuple[int, str, str]:
        clock.advance(31)
        monkeypatch.setattr(
            "therapynotes.cli.common.VaultService", lambda r: VaultService(r, clock=clock)
        )
        stdin = f"{STRONG}\n{code_for(created, clock())}\n"
        return run(
            monkeypatch, capsys, "--vault", str(root), "--passphrase-stdin", *argv, stdin=stdin
        )

    return call


def _clean(text: str) -> bool:
    return not any(ch in text for ch in RAW)


def test_record_text_is_escaped_on_every_listing(cli, tmp_path: Path) -> None:
    for argv in (
        ("clients", "--all"),
        ("search", "quince"),
        ("retention", "list", "--all"),
        ("purge", "1"),
        ("audit", "list"),
    ):
        code, out, err = cli(*argv)
        assert code in (0, 2), err
        assert _clean(out) and _clean(err), argv
    code, out, _ = cli("clients", "--all")
    assert "Eve\\x1b]0;pwned\\x07Hostile\\u202egpj" in out
    code, out, _ = cli("search", "quince")
    assert "\\x1b]0;pwned\\x07" in out and "\\u202e" in out
    code, out, _ = cli("retention", "list", "--all")
    assert "\\x1b]0;pwned\\x07" in out


def test_paths_typed_by_the_user_are_escaped_in_messages(cli, tmp_path: Path) -> None:
    target = tmp_path / f"out{TITLE}{RLO}"
    target.mkdir()
    (target / "something").write_text("x")
    code, out, err = cli("export", "--json", str(target))
    assert code == 1 and "not empty" in err
    assert _clean(out) and _clean(err) and "\\x1b]0;pwned" in err
    code, out, err = cli("export", "--json", str(tmp_path / f"new{TITLE}"))
    assert code == 0, err
    assert _clean(out) and _clean(err) and "\\x1b]0;pwned" in out


def test_vault_paths_are_escaped_in_status_and_old_vaults(
    tmp_path: Path, monkeypatch, capsys, clock: FakeClock
) -> None:
    root = tmp_path / f"vault{TITLE}{RLO}"
    make_vault(root, clock)
    for argv in (("status",), ("old-vaults", "list")):
        code, out, err = run(monkeypatch, capsys, "--vault", str(root), *argv)
        assert code == 0, err
        assert _clean(out) and _clean(err) and "vault\\x1b]0;pwned\\x07\\u202e" in out + err
