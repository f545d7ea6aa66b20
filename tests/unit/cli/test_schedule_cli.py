"""CLI: appointments add/list/set/move/ics as the contract says (output lines, one-line
errors with exit 1), local times in a zone with daylight saving, .ics without names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.conftest import FakeClock
from tests.support.vaults import STRONG, code_for, make_vault
from tests.unit.cli.test_vault_cli import run
from therapynotes.domain.models import ClientFields
from therapynotes.services.records import RecordsService
from therapynotes.services.vault import VaultService

Cli = Callable[..., tuple[int, str, str]]
NAME = "Zebulon Quartermain"


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    clock: FakeClock,
) -> Cli:  # fmt: skip
    monkeypatch.setenv("TZ", "America/New_York")  # DST on 2027-03-14
    root = tmp_path / "vault"
    svc, created = make_vault(root, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    records = RecordsService(session, clock=clock)
    records.create_client(ClientFields(legal_name=NAME, preferred_name="Zeb"))
    records.create_client(ClientFields(legal_name="Ottilie Brandwyn"))
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


def _list(cli: Cli, first: str, last: str) -> list[list[str]]:
    code, out, err = cli("appointments", "list", "--from", first, "--to", last)
    assert code == 0, err
    return [line.split("\t") for line in out.splitlines()]


def test_series_across_daylight_saving_then_move_and_mark(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli(
        "appointments", "add", "1", "--start", "2027-03-03 09:00", "--minutes", "50",
        "--repeat", "weekly", "--count", "3", "--modality", "video",
    )  # fmt: skip
    assert code == 0, err
    ids = [line.removeprefix("appointment: ") for line in out.splitlines()]
    assert len(ids) == 3 and all(i.isdigit() for i in ids)
    rows = _list(cli, "2027-03-01", "2027-03-31")
    assert rows == [
        [ids[0], "2027-03-03 09:00", "50", "1", "scheduled"],
        [ids[1], "2027-03-10 09:00", "50", "1", "scheduled"],
        [ids[2], "2027-03-17 09:00", "50", "1", "scheduled"],  # after the change: still 9
    ]
    # an overlap is refused (one line, exit 1), then allowed when asked
    code, out, err = cli(
        "appointments", "add", "2", "--start", "2027-03-10 09:30", "--minutes", "30"
    )
    assert (code, out) == (1, "") and "overlaps" in err and err.count("\n") == 1
    assert NAME not in err
    code, out, err = cli(
        "appointments", "add", "1,2", "--start", "2027-03-10 09:30", "--minutes", "30",
        "--allow-overlap",
    )  # fmt: skip
    assert code == 0 and out.startswith("appointment: "), err
    couple = out.split()[-1]
    # this and following: 10:00 from the second on
    code, _, err = cli("appointments", "move", ids[1], "--start", "2027-03-11 10:00",
                       "--series", "--allow-overlap")  # fmt: skip
    assert code == 0, err
    code, _, err = cli("appointments", "set", ids[0], "--status", "no-show")
    assert code == 0, err
    code, _, err = cli("appointments", "set", couple, "--status", "late-cancel")
    assert code == 0, err
    rows = _list(cli, "2027-03-01", "2027-03-31")
    assert [r[1:] for r in rows] == [
        ["2027-03-03 09:00", "50", "1", "no-show"],
        ["2027-03-10 09:30", "30", "1,2", "late-cancel"],
        ["2027-03-11 10:00", "50", "1", "scheduled"],
        ["2027-03-18 10:00", "50", "1", "scheduled"],
    ]
    code, _, err = cli("appointments", "set", ids[1], "--status", "cancelled", "--series")
    assert code == 0, err
    assert [r[4] for r in _list(cli, "2027-03-11", "2027-03-31")] == ["cancelled", "cancelled"]
    # ics: by default no names, parsed back by the icalendar library
    target = tmp_path / "mine.ics"
    code, out, err = cli("appointments", "ics", "--from", "2027-03-01", "--to", "2027-03-31",
                         "--out", str(target))  # fmt: skip
    assert code == 0, err
    raw = target.read_bytes()
    assert b"Zeb" not in raw and b"Ottilie" not in raw and b"Quartermain" not in raw
    events = Calendar.from_ical(raw).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Session", "Session"]  # cancelled left out
    assert events[0].decoded("DTSTART").isoformat() == "2027-03-03T14:00:00+00:00"
    code, _, err = cli("appointments", "ics", "--from", "2027-03-01", "--to", "2027-03-31",
                       "--out", str(target), "--initials")  # fmt: skip
    assert code == 0, err
    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(target.read_bytes()).walk("VEVENT")]
    assert summaries == ["Session: Z.Q.", "Session: Z.Q., O.B."]
    code, _, err = cli("appointments", "ics", "--from", "2027-03-01", "--to", "2027-03-31",
                       "--out", str(target), "--with-names")  # fmt: skip
    assert code == 0 and b"Zeb" in target.read_bytes(), err


@pytest.mark.parametrize(
    ("argv", "phrase"),
    [
        (["add", "1", "--start", "2027-02-30 09:00", "--minutes", "50"], "not valid"),
        (["add", "1", "--start", "2027-02-03 25:00", "--minutes", "50"], "not valid"),
        (["add", "9", "--start", "2027-02-03 09:00", "--minutes", "50"], "No client"),
        (["add", "1", "--start", "2027-02-03 09:00", "--minutes", "50", "--repeat", "weekly"],
         "needs an end"),
        (["add", "1", "--start", "2027-02-03 09:00", "--minutes", "50", "--service", "12"],
         "code"),
        (["list", "--from", "2027-02-30", "--to", "2027-03-01"], "not valid"),
        (["set", "99", "--status", "attended"], "No appointment"),
        (["move", "99", "--start", "2027-02-03 09:00"], "No appointment"),
    ],
)  # fmt: skip
def test_errors_are_one_line_exit_1(cli: Cli, argv: list[str], phrase: str) -> None:
    code, out, err = cli("appointments", *argv)
    assert (code, out) == (1, ""), err
    assert phrase in err and "Traceback" not in err and err.count("\n") == 1


def test_a_past_appointment_cannot_move(cli: Cli) -> None:
    _, out, _ = cli("appointments", "add", "1", "--start", "2027-02-03 09:00", "--minutes", "50")
    aid = out.split()[-1]
    assert cli("appointments", "set", aid, "--status", "attended")[0] == 0
    code, _, err = cli("appointments", "move", aid, "--start", "2027-02-04 09:00")
    assert code == 1 and "already taken place" in err
