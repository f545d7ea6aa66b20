"""export-pdf's options fold into another parser (the future `export --pdf`) without
clashing, and its argument checks need no Qt and no vault."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from therapynotes.cli import build_parser, pdf_cmds
from therapynotes.cli.common import CliError, ExitCode


def test_options_fold_into_an_export_parser_that_has_its_own() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    parser.add_argument("--client", type=int)
    pdf_cmds.add_pdf_arguments(parser, pdf_required=False)
    args = parser.parse_args(["--client", "3", "--pdf", "x.pdf", "--from", "2027-01-01"])
    assert (args.client, args.pdf, args.date_from, args.date_to) == (
        3,
        Path("x.pdf"),
        "2027-01-01",
        None,
    )
    assert args.json is None and not args.include_psychotherapy
    assert parser.parse_args(["--json", "out"]).pdf is None


def test_handler_refuses_missing_pdf_or_client_before_unlocking() -> None:
    args = argparse.Namespace(pdf=None, client=1, date_from=None, date_to=None)
    with pytest.raises(CliError) as missing_pdf:
        pdf_cmds.cmd_export_pdf(args)
    assert missing_pdf.value.code == ExitCode.USAGE
    args = argparse.Namespace(pdf=Path("x.pdf"), client=None, date_from=None, date_to=None)
    with pytest.raises(CliError) as missing_client:
        pdf_cmds.cmd_export_pdf(args)
    assert missing_client.value.code == ExitCode.USAGE


def test_registered_with_bad_dates_rejected_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["export-pdf", "--client", "1", "--pdf", "x.pdf", "--from", "May"])
    assert exit_info.value.code == ExitCode.USAGE
    assert "YYYY-MM-DD" in capsys.readouterr().err
