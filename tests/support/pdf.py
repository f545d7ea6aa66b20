"""Read PDFs back with Debian's poppler-utils, independent of Qt."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def pdf_text(path: Path, *, layout: bool = False) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    args = [tool, *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout  # noqa: S603


def pdf_pages(path: Path) -> int:
    tool = shutil.which("pdfinfo")
    if tool is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    out = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("Pages:")))
