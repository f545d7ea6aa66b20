"""CLI: `profile set` and `profile show` (exit codes, one line on stderr for failures,
a bad NPI refused before the passphrase is asked for)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.vaults import STRONG, code_for, make_vault
from tests.unit.cli.test_vault_cli import run
from therapynotes.services.profile import ProfileService
from therapynotes.services.vault import VaultService

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch, capsys, clock: FakeClock) -> Cli:
    root = tmp_path / "vault"
    _, created = make_vault(root, clock)

    def call(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
        clock.advance(31)
        monkeypatch.setattr(
            "therapynotes.cli.common.VaultService", lambda r: VaultService(r, clock=clock)
        )
        secrets = f"{STRONG}\n{code_for(created, clock())}\n" if stdin is None else stdin
        return run(
            monkeypatch, capsys, "--vault", str(root), "--passphrase-stdin", *argv, stdin=secrets
        )

    call.root = root  # type: ignore[attr-defined]
    call.created = created  # type: ignore[attr-defined]
    return call


def test_set_then_show_then_change_one_field(cli: Cli) -> None:
    code, out, err = cli("profile", "show")
    assert code == 0 and out == "" and "no clinician profile yet" in err

    code, out, err = cli(
        "profile", "set", "--name", "Dana Reyes", "--credentials", "PsyD",
        "--license", "PSY 12345", "--license-state", "ca", "--npi", "1234567893",
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines() == [
        "name\tDana Reyes",
        "credentials\tPsyD",
        "license\tPSY 12345",
        "license-state\tCA",
        "npi\t1234567893",
        "signature\tDana Reyes, PsyD, PSY 12345",
    ]
    code, out, err = cli("profile", "set", "--credentials", "PhD", "--npi", "")
    assert code == 0, err
    code, shown, err = cli("profile", "show")
    assert code == 0, err
    assert "credentials\tPhD" in shown and "npi\t\n" in shown and "name\tDana Reyes" in shown


def test_a_bad_npi_is_one_clear_line_and_asks_for_nothing(cli: Cli) -> None:
    code, out, err = cli(
        "profile", "set", "--name", "Dana Reyes", "--credentials", "PsyD",
        "--license", "PSY 12345", "--npi", "1234567890", stdin="",
    )  # fmt: skip
    assert code == 1 and out == ""
    assert err.startswith("therapynotes: That NPI is not valid") and len(err.splitlines()) == 1
    assert "1234567890" not in err


def test_refusals_change_nothing(cli: Cli, clock: FakeClock) -> None:
    code, _, err = cli("profile", "set", "--name", "Dana Reyes")
    assert code == 2 and "give --name, --credentials and --license" in err
    assert len(err.splitlines()) == 1
    code, _, err = cli("profile", "set")
    assert code == 2 and "nothing to set" in err
    code, _, err = cli(
        "profile", "set", "--name", "Dana", "--credentials", "PsyD", "--license", "1",
        "--license-state", "CZ",
    )  # fmt: skip
    assert code == 1 and "licence state" in err and len(err.splitlines()) == 1
    code, _, err = cli("profile", "set", "--name", " ", "--credentials", "x", "--license", "1")
    assert code == 1 and "fill in your name" in err
    svc = VaultService(cli.root, clock=clock)  # type: ignore[attr-defined]
    clock.advance(31)
    session = svc.unlock(STRONG, code_for(cli.created, clock()))  # type: ignore[attr-defined]
    try:
        assert ProfileService(session, clock=clock).get() is None
    finally:
        session.lock("test finished")
