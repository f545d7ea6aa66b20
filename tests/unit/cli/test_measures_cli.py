"""CLI: `measures list`, `measures record`, `measures history` on a real vault, and
their refusals (one line, exit 1, nothing stored)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, FakeClock
from therapynotes.cli import main, measures_cmds
from therapynotes.domain.models import ClientFields
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService


def run(
    args: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


class Cli:
    """Runs `therapynotes --vault DIR measures ...`; each command unlocks the real vault
    (the fake clock steps 30 s per command, so every TOTP code is fresh)."""

    def __init__(
        self, vault_dir: Path, mp: pytest.MonkeyPatch, cap: pytest.CaptureFixture[str]
    ) -> None:
        self.dir, self.mp, self.cap = vault_dir, mp, cap
        self.clock = FakeClock(time.time())
        svc = VaultService(vault_dir, clock=self.clock)
        created = svc.create(STRONG)
        totp = pyotp.TOTP(created.totp_secret)

        def fresh_unlock(_args: object) -> VaultSession:
            self.clock.advance(30)
            return svc.unlock(STRONG, totp.at(self.clock()))

        session = fresh_unlock(None)
        try:
            self.client = RecordsService(session).create_client(ClientFields(legal_name="Ada C"))
        finally:
            session.lock("test")
        mp.setattr(measures_cmds, "unlock", fresh_unlock)

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        return run(["--vault", str(self.dir), *argv], "", self.mp, self.cap)


@pytest.fixture
def cli(
    vault_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    return Cli(vault_dir, monkeypatch, capsys)


def test_list(cli: Cli) -> None:
    code, out, _ = cli("measures", "list")
    assert code == 0
    assert [line.split("\t")[0::2] for line in out.splitlines()] == [
        ["PHQ-9", "9"], ["GAD-7", "7"], ["PCL-5", "20"],
    ]  # fmt: skip


def test_record_then_history(cli: Cli) -> None:
    c = str(cli.client)
    code, out, err = cli("measures", "record", c, "--instrument", "PHQ-9",
                         "--answers", "3,3,3,2,2,2,2,2,1", "--date", "2026-11-05")  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:2] == ["score: 20", "severity: severe"]
    assert len(lines) == 3 and lines[2].startswith("risk: Item 9")
    pcl = ",".join(["2"] * 16 + ["1"] * 4)
    code, out, err = cli("measures", "record", c, "--instrument", "PCL-5",
                         "--answers", pcl, "--date", "2026-11-04")  # fmt: skip
    assert (code, out) == (0, "score: 36\nthreshold: above\n"), err
    code, out, err = cli("measures", "record", c, "--instrument", "GAD-7",
                         "--answers", "0,1,0,1,0,1,0", "--date", "2026-11-06")  # fmt: skip
    assert (code, out) == (0, "score: 3\nseverity: minimal\n"), err
    code, out, err = cli("measures", "history", c)
    assert code == 0, err
    assert out.splitlines() == [
        "2026-11-04\tPCL-5\t36\tabove threshold",
        "2026-11-05\tPHQ-9\t20\tsevere",
        "2026-11-06\tGAD-7\t3\tminimal",
    ]
    code, out, _ = cli("measures", "history", c, "--instrument", "GAD-7")
    assert out == "2026-11-06\tGAD-7\t3\tminimal\n"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--instrument", "PHQ-9", "--answers", "0,0,0"], "9 items; 3 answers"),
        (["--instrument", "PHQ-9", "--answers", "0,0,0,0,0,0,0,0,4"], "item 9: expected 0 to 3"),
        (["--instrument", "PHQ-9", "--answers", "0,0,0,0,,0,0,0,0"], "item 5"),
        (["--instrument", "GAD-7", "--answers", "0,0,0,0,0,0,x"], "item 7"),
        (["--instrument", "BDI", "--answers", "0"], "not known"),
    ],
)
def test_refusals_one_line_exit_1_nothing_stored(cli: Cli, argv: list[str], needle: str) -> None:
    code, out, err = cli("measures", "record", str(cli.client), *argv)
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err
    code, out, err = cli("measures", "history", str(cli.client))
    assert (code, out) == (0, ""), err


def test_unknown_client_is_one_line(cli: Cli) -> None:
    code, out, err = cli(
        "measures", "record", "99", "--instrument", "GAD-7", "--answers", "0,0,0,0,0,0,0"
    )
    assert code == 1 and out == "" and len(err.splitlines()) == 1 and "No client" in err
    code, _, err = cli("measures", "history", "99")
    assert code == 1 and "No client" in err
