"""The record layers import without PySide6 (blocked here in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

MODULES = (
    "therapynotes.domain.models",
    "therapynotes.domain.templates",
    "therapynotes.domain.icd10",
    "therapynotes.domain.demo_text",
    "therapynotes.store.migrations.m0003_records",
    "therapynotes.store.search",
    "therapynotes.services.records",
    "therapynotes.services.demo",
    "therapynotes.cli.records_cmds",
)

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "PySide6" or name.startswith("PySide6."):
            raise ImportError("PySide6 is blocked in this test")
        return None
sys.meta_path.insert(0, Block())
import importlib
for name in sys.argv[1:]:
    importlib.import_module(name)
    importlib.import_module(name).__name__
from therapynotes.domain import icd10
icd10.lookup("F41.1")
assert not any(m.startswith("PySide6") for m in sys.modules)
"""


def test_record_modules_import_without_pyside6() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER, *MODULES], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
