"""The README's apt line is what a person follows on a new machine: it lists exactly the
Debian packages `.ci/run` installs before `make test` (issue 12: following the README
alone once failed one test and skipped 13)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _packages(text: str) -> set[str]:
    match = re.search(r"apt-get install ((?:[^\n]*\\\n)*[^\n]*)", text)
    assert match is not None
    words = match.group(1).replace("\\\n", " ").split()
    return {w for w in words if not w.startswith("-") and not w.startswith(">")}


def test_readme_apt_line_matches_ci() -> None:
    readme = _packages((REPO / "README.md").read_text(encoding="utf-8"))
    ci = _packages((REPO / ".ci" / "run").read_text(encoding="utf-8"))
    assert "poppler-utils" in ci
    assert readme == ci
