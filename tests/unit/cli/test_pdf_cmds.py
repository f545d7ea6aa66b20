"""`export --pdf`: its options and argument checks need no Qt and no vault."""

from __future__ import annotations

import argparse

import pytest

from therapynotes.cli import build_parser, main, pdf_cmds
from therapynotes.cli.common import CliError, ExitCode


def test_export_parses_pdf_with_its_chart_options() -> None:
    args = build_parser().parse_args(
        ["export", "--client", "3", "--pdf", "x.pdf", "--from", "2027-01-01"]
    )
    assert (args.client, args.export_pdf, args.date_from, args.date_to) == (
        3,
        "x.pdf",
        "2027-01-01",
        None,
    )
    assert args.export_json is None and not args.include_psychotherapy


def test_json_and_pdf_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["export", "--json", "d", "--pdf", "x.pdf", "--client", "1"])
    assert exit_info.value.code == ExitCode.USAGE
    assert "not allowed with" in capsys.readouterr().err


def test_chart_options_with_json_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--json", "out", "--client", "3"]) == ExitCode.USAGE
    assert "go with --pdf" in capsys.readouterr().err


def test_handler_refuses_a_missing_client_before_unlocking() -> None:
    args = argparse.Namespace(export_pdf="x.pdf", client=None, date_from=None, date_to=None)
    with pytest.raises(CliError) as missing_client:
        pdf_cmds.cmd_export_pdf(args)
    assert missing_client.value.code == ExitCode.USAGE


def test_bad_dates_are_rejected_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["export", "--client", "1", "--pdf", "x.pdf", "--from", "May"])
    assert exit_info.value.code == ExitCode.USAGE
    assert "YYYY-MM-DD" in capsys.readouterr().err
