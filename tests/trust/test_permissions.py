"""Permissions (issue 8): after a full feature run, every file the app and CLI created
is 0600 and every folder it created 0700 (POSIX). Run under a permissive umask (022), so
the modes come from the code, not from the umask the entry points also set.

Walked: the vault folder, the config folder, the backup folder's files (the folder is
the user's own choice), a vault made by `init`, and a vault restored by `restore`.
Also walked: the JSON export (in a folder the user chose) and the second vault the
import feature makes. Chart PDFs (issue 7) are written by the UI pass only.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import STRONG, FakeClock
from tests.support import features  # noqa: F401 - registers the features
from tests.support.trust import FEATURES, FeatureRun, figure
from tests.support.vaults import code_for, make_vault
from therapynotes.cli import main as cli_main
from therapynotes.paths import default_config_dir
from therapynotes.services.records import RecordsService
from therapynotes.services.restore import RestoreService
from therapynotes.settings import AppSettings

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _modes(folder: Path, *, own_root: bool = True) -> tuple[list[str], int, int]:
    """(problems, files, folders) under `folder`."""
    problems: list[str] = []
    files = folders = 0
    paths = [*folder.rglob("*"), *([folder] if own_root else [])]
    for path in paths:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_dir():
            folders += 1
            if mode != 0o700:
                problems.append(f"{path} is a folder with mode {mode:o}")
        elif path.is_file():
            files += 1
            if mode != 0o600:
                problems.append(f"{path} has mode {mode:o}")
    return problems, files, folders


def test_every_created_file_is_private(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, loose_umask: None
) -> None:
    vault = tmp_path / "vault"
    drive = tmp_path / "drive"
    drive.mkdir()
    exports = tmp_path / "exports"
    exports.mkdir()
    svc, created = make_vault(vault, clock)
    clock.advance(30)
    session = svc.unlock(STRONG, code_for(created, clock()))
    folders = {"backups": drive, "exports": exports}
    run = FeatureRun(RecordsService(session, clock=clock), clock, {}, folders)
    for _name, use in FEATURES:
        use(run)
    session.lock("test")
    AppSettings(vault_dir=str(vault)).save(default_config_dir())
    restored = tmp_path / "restored"
    RestoreService(restored, clock=clock).restore(run.state["backup"], passphrase=STRONG)

    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{STRONG}\n"))
    made_by_cli = tmp_path / "cli-vault"
    assert cli_main(["--vault", str(made_by_cli), "--passphrase-stdin", "init"]) == 0
    os.umask(0o022)  # main() set 077 for itself; keep testing the loose one

    problems: list[str] = []
    files = folders = 0
    for folder, own in (
        (vault, True),
        (default_config_dir(), True),
        (drive, False),
        (exports, False),  # the user's folder; the export folder made in it is ours
        (run.state["imported_vault"], True),
        (restored, True),
        (made_by_cli, True),
    ):
        found, n_files, n_folders = _modes(folder, own_root=own)
        problems += found
        files += n_files
        folders += n_folders
    for problem in problems:
        print(f"MODE {problem}")
    figure("permissions.files_checked", files)
    figure("permissions.folders_checked", folders)
    figure("permissions.problems", len(problems), note="files not 0600, folders not 0700")
    assert files >= 10
    assert problems == []


def test_the_walk_sees_a_loose_file(tmp_path: Path) -> None:
    (tmp_path / "loose").write_bytes(b"")
    os.chmod(tmp_path / "loose", 0o644)
    os.chmod(tmp_path, 0o755)  # noqa: S103 - the loose folder the walk must report
    problems, files, folders = _modes(tmp_path)
    assert len(problems) == 2 and files == 1 and folders == 1
