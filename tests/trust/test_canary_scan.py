"""Plaintext canary scan (issue 8; testing.md 9): unique canaries in every field kind,
every feature on main (tests/support/features.py: records, backup, JSON export into the
folder the user chose, import into a second vault, retention purge), lock, restore into
a fresh HOME, a few CLI commands; then every file under HOME (data, config, cache, state/logs), the
temp folder (TMPDIR), the backup folder and the second HOME is searched in UTF-8 and
UTF-16-LE/BE. Hits outside files the user asked for: 0.

The UI pass (create vault → lock → unlock, then scan) is tests/ui/test_trust_ui.py.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, FakeClock
from tests.support import features  # noqa: F401 - registers the features
from tests.support.canary import scan
from tests.support.trust import FEATURES, FeatureRun, figure
from therapynotes.cli import main as cli_main
from therapynotes.paths import default_config_dir, default_data_dir
from therapynotes.services.records import RecordsService
from therapynotes.services.restore import RestoreService
from therapynotes.services.vault import VaultService
from therapynotes.settings import AppSettings


def test_scanner_finds_each_encoding_and_file_names(tmp_path: Path) -> None:
    """The scan could fail: a planted canary is found in every encoding and in a name."""
    for i, enc in enumerate(("utf-8", "utf-16-le", "utf-16-be")):
        (tmp_path / f"f{i}").write_bytes(b"\x00junk" + f"QzPlanted{i}".encode(enc) + b"junk")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "QzNamed.txt").write_bytes(b"")
    result = scan({"t": tmp_path}, ["QzPlanted0", "QzPlanted1", "QzPlanted2", "QzNamed"])
    found = {(h.canary, h.encoding) for h in result.leaks}
    assert found == {
        ("QzPlanted0", "utf-8"),
        ("QzPlanted1", "utf-16-le"),
        ("QzPlanted2", "utf-16-be"),
        ("QzNamed", "file name"),
    }
    allowed = scan({"t": tmp_path}, ["QzNamed"], allowed=[tmp_path / "sub"])
    assert allowed.leaks == [] and len(allowed.hits) == 1


def _cli(argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return cli_main(argv)


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmpdir"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)  # recomputed from TMPDIR
    assert tempfile.gettempdir() == str(folder)
    return folder


def _use_the_cli(
    run: FeatureRun, totp: pyotp.TOTP, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Search (the query is a canary), audit list, backup create and verify."""
    clock, drive = run.clock, run.user_folders["backups"]
    clock.advance(30)
    stdin = f"{STRONG}\n{totp.at(clock())}\n"
    # The CLI unlocks with our clock, so its TOTP steps follow the earlier ones.
    monkeypatch.setattr(
        "therapynotes.cli.common.VaultService", lambda root: VaultService(root, clock=clock)
    )
    query = ["--passphrase-stdin", "search", run.canary("cli_search_query")]
    assert _cli(query, stdin, monkeypatch) == 0
    clock.advance(30)
    stdin = f"{STRONG}\n{totp.at(clock())}\n"
    assert _cli(["--passphrase-stdin", "audit", "list"], stdin, monkeypatch) == 0
    clock.advance(30)
    stdin = f"{STRONG}\n{totp.at(clock())}\n"
    create = ["--passphrase-stdin", "backup", "create", "--to", str(drive)]
    assert _cli(create, stdin, monkeypatch) == 0
    verify = ["--passphrase-stdin", "--vault", str(tmp_path / "none"), "backup", "verify"]
    backup = str(run.state["backup"])
    assert _cli([*verify, backup], f"{STRONG}\n", monkeypatch) == 0  # scratch in TMPDIR


def _restore_in_a_fresh_home(
    run: FeatureRun, totp: pyotp.TOTP, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Restore on a "new machine": a fresh HOME with its own data and config folders."""
    clock = run.clock
    home2 = tmp_path / "home2"
    monkeypatch.setenv("HOME", str(home2))
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config")):
        monkeypatch.setenv(var, str(home2 / sub))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home2 / "cache"))
    restored_root = default_data_dir()
    assert restored_root.is_relative_to(home2)
    RestoreService(restored_root, clock=clock).restore(run.state["backup"], passphrase=STRONG)
    clock.advance(30)
    restored = VaultService(restored_root, clock=clock).unlock(STRONG, totp.at(clock()))
    assert RecordsService(restored, clock=clock).search(run.canary("note_objective"))
    restored.lock("test")
    return home2


def test_no_canary_leaves_the_vault(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, private_tmp: Path
) -> None:
    home = Path.home()
    data = default_data_dir()
    drive = tmp_path / "usb-drive"
    drive.mkdir(mode=0o700)
    svc = VaultService(data, clock=clock)
    created = svc.create(STRONG)
    AppSettings(vault_dir=str(data), backup_folder=str(drive)).save(default_config_dir())
    totp = pyotp.TOTP(created.totp_secret)
    clock.advance(30)
    session = svc.unlock(STRONG, totp.at(clock()))
    exports = tmp_path / "chosen-export-folder"
    exports.mkdir(mode=0o700)
    run = FeatureRun(
        RecordsService(session, clock=clock), clock, {}, {"backups": drive, "exports": exports}
    )
    for _name, use in FEATURES:
        use(run)
    canaries = list(run.canaries.values())
    folders = {"home": home, "temp": private_tmp, "backups": drive, "exports": exports}
    # the export folder is the one the user asked for: its plaintext is reported apart
    while_open = scan(folders, canaries, allowed=[exports])  # the WAL holds newest pages
    session.lock("test")

    _use_the_cli(run, totp, tmp_path, monkeypatch)
    home2 = _restore_in_a_fresh_home(run, totp, tmp_path, monkeypatch)
    folders["home2"] = home2
    final = scan(folders, canaries, allowed=[exports])
    requested = [h for h in final.hits if h.allowed]
    assert requested, "the export must hold the canaries (else the scan proves nothing)"
    assert all(h.path.is_relative_to(exports) for h in requested)
    for where, result in (("while open", while_open), ("after lock and restore", final)):
        for hit in result.leaks:
            print(f"LEAK ({where}): {hit}")
    figure("canary.kinds", len(canaries), note="unique canaries, one per field kind")
    figure("canary.features", len(FEATURES), note=", ".join(n for n, _ in FEATURES))
    figure("canary.files_scanned", final.files)
    figure("canary.bytes_scanned", final.bytes, unit="bytes")
    figure("canary.hits", len(while_open.leaks) + len(final.leaks), note="must be 0")
    figure(
        "canary.requested_hits",
        len(requested),
        note="in the JSON export the user asked for (its folder only)",
    )
    figure(
        "canary.purged_client_hits",
        run.state["purge_hits"],
        note="the purged client's canaries in the vault folder and its decrypted pages; must be 0",
    )
    assert final.files >= 8  # vault.db, vault.keys, settings, backups, restored vault...
    assert while_open.leaks == [] and final.leaks == []
