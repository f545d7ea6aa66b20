"""The one-time schema upgrade at the first unlock after an update says what it is doing:
each step applied is reported in order (which of how many, in the therapist's words),
m0013's table moves part by part, m0016's rebuild as one step without a made-up
percentage; an up-to-date vault reports nothing; the CLI prints the steps on stderr only.
Real vaults on disk (the frozen schema-4 fixture, a schema-13 vault with notes)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, STRONG2, FakeClock
from tests.support.search_vault import KEYS, schema_13_vault
from tests.support.upgrade_vault import schema_15_vault
from therapynotes.cli import main
from therapynotes.services.vault import VaultService
from therapynotes.store import migrations
from therapynotes.store.connection import close_db, open_db
from therapynotes.store.migrations import UpgradeStep
from therapynotes.store.migrations import m0013_clinical_split as m13
from therapynotes.store.migrations import m0016_search_prefixes as m16

FIXTURE = Path(__file__).parents[2] / "fixtures" / "vault-schema-4"
FIXTURE_VERSION = 4


def _schema_4_copy(tmp_path: Path, clock: FakeClock) -> tuple[VaultService, str]:
    root = tmp_path / "vault"
    shutil.copytree(FIXTURE, root)
    secret = (root / "totp-secret.txt").read_text().strip()
    return VaultService(root, clock=clock), secret


def test_every_migration_says_what_it_does() -> None:
    found = migrations.discover()
    for step in found:
        assert step.description, step.name
        assert step.description[0].islower() and not step.description.endswith(".")
        assert len(step.description) <= 60
    assert [m.version for m in found if m.ticks] == [m13.VERSION]


def test_unlocking_an_older_vault_reports_each_step_in_order(
    tmp_path: Path, clock: FakeClock
) -> None:
    svc, secret = _schema_4_copy(tmp_path, clock)
    heard: list[UpgradeStep] = []
    session = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()), progress=heard.append)
    try:
        assert migrations.current_version(session.conn) == migrations.latest_version()
    finally:
        session.lock("test")
    steps = [s for s in heard if s.done is None]
    pending = [m for m in migrations.discover() if m.version > FIXTURE_VERSION]
    assert len(pending) == migrations.latest_version() - FIXTURE_VERSION
    assert [(s.number, s.total, s.version, s.description) for s in steps] == [
        (i, len(pending), m.version, m.description) for i, m in enumerate(pending, start=1)
    ]
    # m0013's table moves are reported part by part, between its step and the next one.
    at = heard.index(next(s for s in steps if s.version == m13.VERSION))
    parts = [s for s in heard[at + 1 :] if s.done is not None]
    assert heard[at + 1 : at + 1 + len(parts)] == parts
    moved = len(m13.CLINICAL_TABLES) + len(m13.CLINICAL_FTS)
    assert [(s.done, s.parts) for s in parts] == [(i, moved + 1) for i in range(1, moved + 2)]
    assert {s.version for s in parts} == {m13.VERSION}
    # Up to date now: the next unlock reports nothing.
    clock.advance(30)
    again: list[UpgradeStep] = []
    session = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()), progress=again.append)
    session.lock("test")
    assert again == []


def test_the_prefix_rebuild_is_one_step_without_a_percentage(tmp_path: Path) -> None:
    db = schema_13_vault(tmp_path / "v", notes=40)
    conn = open_db(db, KEYS)
    try:
        before = [m for m in migrations.discover() if m.version < m16.VERSION]
        migrations.migrate(conn, before)
        heard: list[UpgradeStep] = []
        applied = migrations.migrate(conn, progress=heard.append)
        assert m16.has_prefixes(conn, "notes_fts")
    finally:
        close_db(conn)
    assert applied == list(range(m16.VERSION, migrations.latest_version() + 1))
    first = heard[0]
    assert (first.number, first.total) == (1, len(applied))
    assert first.description == "making search faster"
    assert all(s.done is None and s.parts is None for s in heard)
    assert [s.number for s in heard] == list(range(1, len(applied) + 1))


def test_a_failing_step_stops_the_reports_there(tmp_path: Path) -> None:
    """A step that fails is the last one heard of; the vault stays at the step before."""
    db = schema_13_vault(tmp_path / "v", notes=5)
    conn = open_db(db, KEYS)
    heard: list[UpgradeStep] = []
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(m16, "INDEXES", (("notes_fts", "no_such_column = 1"),))
            with pytest.raises(Exception):  # noqa: B017, PT011 - the driver's error type
                migrations.migrate(conn, progress=heard.append)
        assert migrations.current_version(conn) == m16.VERSION - 1
    finally:
        close_db(conn)
    assert heard[-1].version == m16.VERSION


def _cli(
    root: Path,
    secret: str,
    clock: FakeClock,
    mp: pytest.MonkeyPatch,
    cap: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:
    clock.advance(30)
    mp.setattr("sys.stdin", io.StringIO(f"{STRONG}\n{pyotp.TOTP(secret).at(clock())}\n"))
    code = main(["--vault", str(root), "--passphrase-stdin", "notes", "1"])
    out, err = cap.readouterr()
    return code, out, err


def test_the_cli_prints_each_step_on_stderr_and_keeps_stdout_as_it_was(
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    svc, secret = _schema_4_copy(tmp_path, clock)
    monkeypatch.setattr(
        "therapynotes.cli.common.VaultService", lambda root: VaultService(root, clock=clock)
    )
    code, out, err = _cli(svc.paths.root, secret, clock, monkeypatch, capsys)
    assert code == 0
    pending = [m for m in migrations.discover() if m.version > FIXTURE_VERSION]
    assert err.splitlines() == [
        f"Updating the vault for this version (step {i} of {len(pending)}): {m.description}…"
        for i, m in enumerate(pending, start=1)
    ]
    assert "Updating" not in out and len(out.splitlines()) == 2  # the fixture's two notes
    # Up to date: nothing on stderr, and the same answer on stdout.
    code, out_again, err_again = _cli(svc.paths.root, secret, clock, monkeypatch, capsys)
    assert (code, out_again, err_again) == (0, out, "")


def test_a_recovery_reports_the_upgrade_too(tmp_path: Path, clock: FakeClock) -> None:
    svc, created = schema_15_vault(tmp_path / "vault", clock)
    heard: list[UpgradeStep] = []
    session = svc.recover(created.recovery_key, STRONG2, progress=heard.append)
    try:
        assert migrations.current_version(session.conn) == migrations.latest_version()
    finally:
        session.lock("test")
    assert [(s.number, s.total, s.version) for s in heard] == [
        (i, len(heard), v) for i, v in enumerate(range(m16.VERSION, m16.VERSION + len(heard)), 1)
    ]
    assert heard[0].description == "making search faster"


def test_the_cli_recover_prints_the_steps_on_stderr(
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    svc, created = schema_15_vault(tmp_path / "vault", clock)
    monkeypatch.setattr(
        "therapynotes.cli.common.VaultService", lambda root: VaultService(root, clock=clock)
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{created.recovery_key}\n{STRONG2}\n"))
    code = main(["--vault", str(svc.paths.root), "recover", "--recovery-key-stdin"])
    out, err = capsys.readouterr()
    assert code == 0 and out.startswith("Recovered:")
    total = migrations.latest_version() - m16.VERSION + 1
    assert err.splitlines()[0] == (
        f"Updating the vault for this version (step 1 of {total}): making search faster…"
    )
    assert len(err.splitlines()) == total and "Updating" not in out


def test_a_new_phone_reports_the_upgrade_too(
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The lost-phone path (passphrase + recovery key) opens the vault, so it upgrades
    the schema like an unlock: the service reports each step and `reset-totp` prints
    them on stderr, its stdout (the new totp-uri) unchanged."""
    svc, created = schema_15_vault(tmp_path / "vault", clock)
    monkeypatch.setattr(
        "therapynotes.cli.common.VaultService", lambda root: VaultService(root, clock=clock)
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{STRONG}\n{created.recovery_key}\n"))
    code = main(["--vault", str(svc.paths.root), "--passphrase-stdin", "reset-totp"])
    out, err = capsys.readouterr()
    assert code == 0 and out.startswith("totp-uri: otpauth://") and len(out.splitlines()) == 1
    total = migrations.latest_version() - m16.VERSION + 1
    steps = [line for line in err.splitlines() if line.startswith("Updating")]
    assert steps[0] == (
        f"Updating the vault for this version (step 1 of {total}): making search faster…"
    )
    assert len(steps) == total
    # Up to date now: a second reset reports nothing.
    heard: list[UpgradeStep] = []
    svc.reset_totp(STRONG, created.recovery_key, progress=heard.append)
    assert heard == []
