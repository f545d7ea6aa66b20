"""The PyInstaller one-folder bundle builds and runs headless; the Linux desktop files
validate (issue 7)."""

from __future__ import annotations

import runpy
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from tests.support.vaults import STRONG
from therapynotes.security import keyslots

REPO = Path(__file__).resolve().parents[2]
LINUX = REPO / "packaging" / "linux"
PINNED = runpy.run_path(str(REPO / "packaging" / "pinned.py"))
USED_QT = ("QtCore", "QtGui", "QtWidgets", "QtSvg", "QtDBus", "QtPrintSupport", "QtPdf",
           "QtPdfWidgets")  # fmt: skip


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
    # the key file's format (vault.keys format 2 since issue 17's two data keys)
    assert f"format-version: {keyslots.FORMAT_VERSION}\n" in status.stdout
    assert "device-binding: none" in status.stdout
    doctor = subprocess.run(
        [str(bundle), "--vault", str(vault), "doctor"], capture_output=True, text=True, check=False
    )
    assert "sqlcipher" in doctor.stdout and "community" in doctor.stdout
    binding = f"PySide6 {metadata.version('PySide6-Essentials')} (shiboken6 "
    assert binding in doctor.stdout  # the bundle carries the metadata doctor reads
    # the build stamped its date (packaging/therapynotes.spec): the app's age is known
    assert "ok\tapp-version\tTherapyNotes " in doctor.stdout
    assert " was built today." in doctor.stdout or " was built 1 day ago." in doctor.stdout


def test_bundle_carries_the_qt_the_app_uses_and_no_more(bundle: Path) -> None:
    folder = bundle.parent
    files = [
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink()
    ]
    size = sum((folder / f).stat().st_size for f in files) / 2**20
    print(f"bundle: {len(files)} files, {size:.0f} MiB")
    assert [f for f in files if PINNED["unused_qt"](f)] == []
    for module in USED_QT:
        assert any(f.endswith(f"PySide6/{module}.abi3.so") for f in files), module
        assert any(f"/libQt6{module[2:]}.so" in f for f in files), module
    assert any("plugins/platforms/libqxcb" in f for f in files)


def test_a_release_is_built_only_from_the_pinned_versions() -> None:
    """Issue 20: a venv made before the PySide6 pin still had 6.12.0; the spec refuses it."""
    assert PINNED["check_pins"](REPO) == []  # this environment, as `make` installs it

    def version(name: str) -> str:
        return "6.12.0" if name.startswith("pyside6") else metadata.version(name)

    wrong = PINNED["check_pins"](REPO, version)
    assert wrong[0].startswith("pyside6-essentials 6.12.0 is outside pyside6-essentials")
    assert len(wrong) == 2  # -addons moves in step


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
