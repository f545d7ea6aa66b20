"""Only ui/ and app.py may import PySide6: import everything else with PySide6 blocked."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import therapynotes

QT_ALLOWED = ("therapynotes.ui", "therapynotes.app")


def non_ui_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(therapynotes.__path__, prefix="therapynotes."):
        if not info.name.startswith(QT_ALLOWED) and info.name != "therapynotes.__main__":
            names.append(info.name)
    return names


def test_non_ui_modules_import_without_pyside6() -> None:
    modules = non_ui_modules()
    assert "therapynotes.services.vault" in modules
    assert "therapynotes.store.connection" in modules
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'PySide6' or name.startswith('PySide6.'):\n"
        "            raise ImportError('PySide6 is blocked in this test')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import importlib\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "assert not any(m.startswith('PySide6') for m in sys.modules)\n"
        "print('imported', len(" + repr(modules) + "))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert f"imported {len(modules)}" in result.stdout


def test_no_lazy_pyside6_import_outside_ui() -> None:
    """Also inside functions: the CLI reaches Qt only through ui/ or app.py."""
    import ast
    from pathlib import Path

    root = Path(therapynotes.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("ui/") or rel == "app.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "PySide6" or n.startswith("PySide6.") for n in names):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []
