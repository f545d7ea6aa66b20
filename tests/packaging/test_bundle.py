"""The PyInstaller one-folder bundle builds and runs headless; the Linux desktop files
validate (issue 7)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.vaults import STRONG

REPO = Path(__file__).resolve().parents[2]
LINUX = REPO / "packaging" / "linux"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    if not pyinstaller.exists():
        pytest.fail("pyinstaller is part of the test extras; reinstall with .[test]")
    work = tmp_path_factory.mktemp("pyinstaller")
    subprocess.run(
        [str(pyinstaller), "--noconfirm", "--log-level", "ERROR", "--distpath", str(work / "dist"),
         "--workpath", str(work / "build"), str(REPO / "packaging" / "therapynotes.spec")],
        check=True, cwd=REPO, timeout=600,
    )  # fmt: skip
    exe = work / "dist" / "therapynotes" / "therapynotes"
    assert exe.exists()
    return exe


def test_bundle_reports_its_version(bundle: Path) -> None:
    out = subprocess.run([str(bundle), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip().startswith("therapynotes ")


def test_bundle_ships_the_user_guide(bundle: Path) -> None:
    """Help → User guide reads the guide from package data (symlinks to docs/ in the
    source tree): the bundle holds real copies."""
    guide = bundle.parent / "_internal" / "therapynotes" / "ui" / "resources" / "guide"
    for name in ("user-guide.md", "restore-guide.md", "retention.md"):
        shipped = guide / name
        assert shipped.is_file() and not shipped.is_symlink(), name
        assert shipped.read_bytes() == (REPO / "docs" / name).read_bytes()


def test_bundle_creates_and_describes_a_vault(bundle: Path, tmp_path: Path) -> None:
    vault = tmp_path / "v"
    init = subprocess.run(
        [str(bundle), "--vault", str(vault), "init", "--passphrase-only", "--passphrase-stdin"],
        input=STRONG + "\n", capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    status = subprocess.run(
        [str(bundle), "--vault", str(vault), "status"], capture_output=True, text=True, check=True
    )
    assert "format-version: 1" in status.stdout and "device-binding: none" in status.stdout
    doctor = subprocess.run(
        [str(bundle), "--vault", str(vault), "doctor"], capture_output=True, text=True, check=False
    )
    assert "sqlcipher" in doctor.stdout and "community" in doctor.stdout


def _validator(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        pytest.fail(
            f"{name} is needed (Debian: desktop-file-utils / appstream); .ci/run installs it"
        )
    return exe


def test_desktop_entry_validates() -> None:
    desktop = next(LINUX.glob("*.desktop"))
    subprocess.run([_validator("desktop-file-validate"), str(desktop)], check=True)


def test_appstream_metainfo_validates() -> None:
    metainfo = next(LINUX.glob("*.metainfo.xml"))
    subprocess.run([_validator("appstreamcli"), "validate", "--no-net", str(metainfo)], check=True)
