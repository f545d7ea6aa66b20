"""`therapynotes export --pdf`: the chart PDF from the command line, and its error paths
(one line on stderr, exit 1; usage errors exit 2). Lives with the Qt tests because the
command renders with Qt (in the same QGuiApplication the test session already has)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, FakeClock
from tests.support.chart import SampleChart, build_sample_chart
from tests.support.pdf import pdf_text
from therapynotes.cli import main
from therapynotes.services.records import RecordsService
from therapynotes.services.vault import VaultService
from therapynotes.store import audit


def run(
    args: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_vault(qapp: object, vault_dir: Path) -> tuple[SampleChart, pyotp.TOTP]:
    del qapp
    # an hour in the past, so the codes of "now" are newer than the last one accepted
    clock = FakeClock(time.time() - 3600)
    svc = VaultService(vault_dir, clock=clock)
    created = svc.create(STRONG)
    totp = pyotp.TOTP(created.totp_secret)
    session = svc.unlock(STRONG, totp.at(clock()))
    try:
        sample = build_sample_chart(RecordsService(session, clock=clock), clock)
    finally:
        session.lock("test set-up done")
    return sample, totp


def _base(vault_dir: Path) -> list[str]:
    return ["--vault", str(vault_dir), "--passphrase-stdin", "export"]


def test_export_pdf_writes_the_chart_and_audits(
    cli_vault: tuple[SampleChart, pyotp.TOTP],
    vault_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sample, totp = cli_vault
    out_pdf = tmp_path / "request.pdf"
    args = [*_base(vault_dir), "--client", str(sample.client), "--pdf", str(out_pdf)]
    code, out, err = run(args, f"{STRONG}\n{totp.now()}\n", monkeypatch, capsys)
    assert code == 0, err
    assert out.strip() == f"saved {out_pdf}"
    text = pdf_text(out_pdf)
    assert "Signedcanary" in text and "Processcanary" not in text and "Confidential" in text

    psy_pdf = tmp_path / "with-psy"  # .pdf is added
    args = [*_base(vault_dir), "--client", str(sample.client), "--pdf", str(psy_pdf)]
    args += ["--include-psychotherapy", "--from", sample.last_date, "--to", sample.last_date]
    code, _out, err = run(args, f"{STRONG}\n{totp.at(time.time() + 30)}\n", monkeypatch, capsys)
    assert code == 0, err
    text = pdf_text(tmp_path / "with-psy.pdf")
    assert "Latecanary" in text and "Signedcanary" not in text
    assert "psychotherapy" in err

    later = FakeClock(time.time() + 60)  # a fresh code step for the check
    session = VaultService(vault_dir, clock=later).unlock(STRONG, totp.at(later()))
    try:
        rows = [e for e in audit.entries(session.conn) if e.kind == "export"]
    finally:
        session.lock("test")
    assert [r.detail["psychotherapy"] for r in rows] == [False, True]
    assert all(r.subject == f"client:{sample.client}" for r in rows)


def test_unknown_client_is_one_line_exit_1(
    cli_vault: tuple[SampleChart, pyotp.TOTP],
    vault_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _sample, totp = cli_vault
    target = tmp_path / "x.pdf"
    args = [*_base(vault_dir), "--client", "999", "--pdf", str(target)]
    code, out, err = run(args, f"{STRONG}\n{totp.now()}\n", monkeypatch, capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "No client has that id" in err
    assert not target.exists()


@pytest.mark.parametrize("where", ["missing-folder", "is-a-folder"])
def test_unwritable_path_is_one_line_exit_1(
    where: str,
    vault_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "nowhere" / "x.pdf"
    if where == "is-a-folder":
        target = tmp_path / "taken.pdf"
        target.mkdir()
    args = [*_base(vault_dir), "--client", "1", "--pdf", str(target)]
    code, out, err = run(args, "", monkeypatch, capsys)  # fails before asking for secrets
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("therapynotes: ")
    assert "Traceback" not in err


def test_a_link_at_the_pdf_name_is_refused_and_not_followed(
    cli_vault: tuple[SampleChart, pyotp.TOTP],
    vault_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sample, totp = cli_vault
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    target = tmp_path / "request.pdf"
    target.symlink_to(victim)
    args = [*_base(vault_dir), "--client", str(sample.client), "--pdf", str(target)]
    code, out, err = run(args, f"{STRONG}\n{totp.now()}\n", monkeypatch, capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "could not be saved" in err and "link" in err
    assert victim.read_bytes() == b"keep me" and target.is_symlink()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_usage_errors_exit_2(
    vault_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = str(tmp_path / "x.pdf")
    bad_range = [*_base(vault_dir), "--client", "1", "--pdf", target]
    code, _o, err = run(
        [*bad_range, "--from", "2027-02-01", "--to", "2027-01-01"], "", monkeypatch, capsys
    )
    assert code == 2 and "--from is after --to" in err
    code, _o, err = run([*_base(vault_dir), "--pdf", target], "", monkeypatch, capsys)
    assert code == 2 and "--client" in err
