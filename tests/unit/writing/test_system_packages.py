"""The Debian packages spell check needs are installed by .ci/run and named in the
README's apt line, and on this machine they give US and UK English."""

from __future__ import annotations

import re
from pathlib import Path

from therapynotes.services.spelling import languages

ROOT = Path(__file__).parents[3]
SPELLING_PACKAGES = {"libenchant-2-2", "hunspell-en-us", "hunspell-en-gb"}


def _apt_packages(text: str) -> set[str]:
    found: set[str] = set()
    for command in re.findall(r"apt-get install ((?:[^\n]*\\\n)*[^\n]*)", text):
        found |= {w for w in command.replace("\\\n", " ").split() if not w.startswith(("-", ">"))}
    return found


def test_ci_and_readme_install_the_spelling_packages() -> None:
    ci = _apt_packages((ROOT / ".ci" / "run").read_text("utf-8"))
    readme = _apt_packages((ROOT / "README.md").read_text("utf-8"))
    assert SPELLING_PACKAGES <= ci
    assert SPELLING_PACKAGES <= readme


def test_the_installed_dictionaries_are_found() -> None:
    assert {"en_US", "en_GB"} <= set(languages())
