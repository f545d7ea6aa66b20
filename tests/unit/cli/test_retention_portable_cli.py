"""CLI: export --json, import, retention list/settings, hold, purge (exit codes, one
line on stderr for failures, never record text in messages)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.records import log_session_now
from tests.support.vaults import STRONG, code_for, make_vault
from tests.unit.cli.test_vault_cli import run
from therapynotes.cli import portable_cmds
from therapynotes.domain.models import ClientFields
from therapynotes.portable import format as fmt
from therapynotes.services.records import RecordsService
from therapynotes.services.vault import VaultService

Cli = Callable[..., tuple[int, str, str]]
CANARY = "Clicanary"


def _cli_for(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clock: FakeClock,
) -> Cli:
    svc, created = make_vault(root, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    records = RecordsService(session, clock=clock)
    if root.name == "source":
        a = records.create_client(ClientFields(legal_name=f"{CANARY} One", alerts=CANARY))
        b = records.create_client(ClientFields(legal_name=f"{CANARY} Two"))
        log_session_now(records, clock, a, b)
        note = records.start_note(a, "freeform", sections={"text": f"{CANARY} text"})
        records.sign_note(note)
        records.add_attachment(a, filename="x.txt", media_type="text/plain", data=b"hello")
    session.lock()

    def cli(*argv: str) -> tuple[int, str, str]:
        clock.advance(31)
        monkeypatch.setattr(
            "therapynotes.cli.common.VaultService", lambda r: VaultService(r, clock=clock)
        )
        stdin = f"{STRONG}\n{code_for(created, clock())}\n"
        return run(
            monkeypatch, capsys, "--vault", str(root), "--passphrase-stdin", *argv, stdin=stdin
        )

    return cli


@pytest.fixture
def source(tmp_path: Path, monkeypatch, capsys, clock: FakeClock) -> Cli:
    return _cli_for(tmp_path / "source", monkeypatch, capsys, clock)


@pytest.fixture
def target(tmp_path: Path, monkeypatch, capsys, clock: FakeClock) -> Cli:
    return _cli_for(tmp_path / "target", monkeypatch, capsys, clock)


def test_export_then_import(source: Cli, target: Cli, tmp_path: Path) -> None:
    out_dir = tmp_path / "export"
    code, out, err = source("export", "--json", str(out_dir))
    assert code == 0, err
    assert "NOT encrypted" in err
    assert out.startswith("exported 2 clients")
    assert (out_dir / fmt.JSON_NAME).exists()

    code, _, err = source("export", "--json", str(out_dir))
    assert code == 1 and "not empty" in err and len(err.splitlines()) == 1
    code, _, err = source("export", "--json", str(out_dir), "--force")
    assert code == 0, err

    code, out, err = target("import", str(out_dir))
    assert code == 0, err
    assert out.startswith("imported 2 clients")
    code, _, err = target("import", str(out_dir))
    assert code == 1 and "new or empty vault" in err and len(err.splitlines()) == 1
    code, out, _ = target("audit", "list")
    assert "\timport\tvault\t" in out


def test_import_refuses_malformed_with_one_line(source: Cli, target: Cli, tmp_path: Path) -> None:
    out_dir = tmp_path / "export"
    assert source("export", "--json", str(out_dir))[0] == 0
    path = out_dir / fmt.JSON_NAME
    document = json.loads(path.read_text())
    document["attachments"][0]["sha256"] = "../" * 5 + "etc/passwd"
    path.write_text(json.dumps(document))
    code, out, err = target("import", str(out_dir))
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and "SHA-256" in err and "nothing was changed" in err
    assert CANARY not in err


def test_export_needs_a_kind(source: Cli) -> None:
    code, _, err = source("export")
    assert code == 2 and "--json" in err


def test_export_kinds_are_extensible() -> None:
    assert set(portable_cmds.EXPORT_KINDS) >= {"json"}
    with pytest.raises(ValueError, match="twice"):
        portable_cmds.register_export_kind("json", portable_cmds.EXPORT_KINDS["json"])


def test_retention_hold_and_purge(source: Cli) -> None:
    code, out, err = source("retention", "list")
    assert code == 0 and out == "", err
    code, out, _ = source("retention", "list", "--all")
    assert [line.split("\t")[4] for line in out.splitlines()] == ["kept", "kept"]

    code, out, _ = source("hold", "1")
    assert code == 0 and "placed" in out
    code, out, _ = source("purge", "1")
    assert code == 2
    assert "would destroy" in out and "1 notes" in out and "legal hold" in out
    code, _, err = source("purge", "1", "--confirm")
    assert code == 1 and "legal hold" in err and len(err.splitlines()) == 1
    assert source("hold", "1", "--release")[0] == 0

    code, out, _ = source("purge", "1")
    assert code == 2 and "has not been reached" in out and "nothing was changed" in out
    code, out, err = source("purge", "1", "--confirm", "--before-retention-date", "asked")
    assert code == 0, err
    assert "purged client 1" in out and CANARY not in out
    code, out, _ = source("retention", "list", "--all")
    assert [line.split("\t")[0] for line in out.splitlines()] == ["2"]
    code, out, _ = source("audit", "list")
    assert "\tretention.purged\tclient:1\t" in out
    assert source("audit", "verify")[0] == 0
    code, _, err = source("purge", "1", "--confirm")
    assert code == 1 and "No client has that id" in err


def test_retention_settings(source: Cli) -> None:
    code, out, _ = source("retention", "settings")
    assert code == 0 and "years\t7" in out
    code, out, _ = source("retention", "settings", "--years", "10", "--minor-years", "2")
    assert code == 0 and "years\t10" in out and "minor-years\t2" in out
    code, _, err = source("retention", "settings", "--years", "0")
    assert code == 1 and "Nothing was changed" in err


def test_purge_before_the_retention_date_needs_the_override_and_a_reason(source: Cli) -> None:
    code, out, _ = source("retention", "list", "--all")
    kept_until = out.splitlines()[0].split("\t")[3]
    code, out, _ = source("purge", "1")
    assert code == 2 and kept_until in out and "--before-retention-date" in out
    code, out, err = source("purge", "1", "--confirm")
    assert code == 1 and out == "" and len(err.splitlines()) == 1
    assert kept_until in err and "nothing was removed" in err and "REASON" in err
    code, _, err = source("purge", "1", "--confirm", "--before-retention-date", "  ")
    assert code == 1 and "needs a reason" in err and len(err.splitlines()) == 1
    code, out, _ = source("retention", "list", "--all")
    assert [line.split("\t")[0] for line in out.splitlines()] == ["1", "2"]

    code, out, err = source(
        "purge", "1", "--confirm", "--before-retention-date", "records transferred"
    )
    assert code == 0 and "purged client 1" in out, err
    code, out, _ = source("audit", "list")
    purged = next(line for line in out.splitlines() if "\tretention.purged\t" in line)
    assert json.loads(purged.split("\t")[5])["reason"] == "records transferred"
    assert kept_until in purged


def test_a_failed_export_says_so_in_one_line_and_leaves_nothing(
    source: Cli, tmp_path: Path
) -> None:
    out_dir = tmp_path / "export"
    (out_dir / fmt.JSON_NAME).mkdir(parents=True)
    code, out, err = source("export", "--json", str(out_dir), "--force")
    assert code == 1 and out == ""
    message = err.splitlines()[-1]  # after the plaintext warning
    assert len(err.splitlines()) == 2 and "Nothing was written" in message
    assert sorted(p.name for p in out_dir.iterdir()) == [fmt.JSON_NAME]
    assert list((out_dir / fmt.JSON_NAME).iterdir()) == []
    code, out, _ = source("audit", "list")
    failed = [line for line in out.splitlines() if "\texport\tvault\t" in line]
    assert len(failed) == 1 and '"failed": "TargetNotAFile"' in failed[0]


def test_hold_reason_goes_into_the_audit_log(source: Cli) -> None:
    code, out, err = source("hold", "2", "--reason", "  subpoena   received ")
    assert code == 0 and "placed" in out, err
    code, out, _ = source("audit", "list")
    [hold] = [line for line in out.splitlines() if "\tretention.hold\t" in line]
    assert '"reason": "subpoena received"' in hold
    code, _, err = source("hold", "2", "--release", "--reason", " ")
    assert code == 1 and "reason" in err and len(err.splitlines()) == 1
