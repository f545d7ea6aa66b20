"""Render the app icon SVG to PNG sizes for packaging (.desktop, Windows, macOS).

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/render_icons.py
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QGuiApplication

from therapynotes.ui.icons import APP_ICON, APP_SIZES, RESOURCES, render_svg


def main() -> int:
    QGuiApplication(sys.argv[:1])
    out = RESOURCES / "png"
    out.mkdir(exist_ok=True)
    svg = APP_ICON.read_bytes()
    for size in APP_SIZES:
        render_svg(svg, size).save(str(out / f"app-icon-{size}.png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
