"""Words the therapist adds (often client names) never reach enchant's own files: the
app keeps them in the vault and checks them in memory. Enchant itself creates empty
personal word lists in its config folder; they stay empty."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).parents[3] / "src"
CHILD = """
from therapynotes.services.spelling import SpellChecker
checker = SpellChecker("en_US", ["Okonkwoname"])
checker.learn("Zzcanaryword")
checker.ignore("Qqcanaryword")
assert checker.is_correct("Okonkwoname") and checker.is_correct("Zzcanaryword")
checker.suggestions("Okonkwonam")
print("checked")
"""


def test_added_words_are_not_written_to_enchant_files(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "checked" in done.stdout, done.stderr
    files = [p for p in home.rglob("*") if p.is_file()]
    for path in files:
        text = path.read_bytes().lower()
        assert b"canary" not in text and b"okonkwo" not in text, path
