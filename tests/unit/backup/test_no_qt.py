"""The backup layer and its services import without PySide6 (house style, habit 1)."""

from __future__ import annotations

import subprocess
import sys

MODULES = [
    "therapynotes.backup.errors",
    "therapynotes.backup.format",
    "therapynotes.backup.manifest",
    "therapynotes.backup.snapshot",
    "therapynotes.backup.reader",
    "therapynotes.backup.writer",
    "therapynotes.backup.retention",
    "therapynotes.backup.schedule",
    "therapynotes.services.backups",
    "therapynotes.services.restore",
    "therapynotes.cli.backup_cmds",
]


def test_backup_modules_import_without_pyside6() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, *a):\n"
        "        if name.split('.')[0] == 'PySide6': raise ImportError('blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {MODULES!r}: __import__(m)\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
