"""The authenticator step's widgets, one place for the three screens that show it: the
first-run wizard, "Set up a new phone" and Add user (its new login's own entry).

A QR code of the otpauth:// URI and the same secret as text (grouped by four, selectable,
for typing into an app that cannot scan). Neither is ever written to disk.
"""

from __future__ import annotations

import io

import segno
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QWidget

from therapynotes.ui.widgets import GRID, mono_font

QR_SIZE = 26 * GRID


def qr_png(uri: str, *, scale: int = 5) -> bytes:
    """The otpauth:// URI as a PNG QR code (error correction M, a two-module border)."""
    buf = io.BytesIO()
    segno.make(uri, error="m").save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def qr_label(parent: QWidget, accessible_name: str) -> QLabel:
    label = QLabel(parent)
    label.setAccessibleName(accessible_name)
    label.setFixedSize(QR_SIZE, QR_SIZE)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def show_qr(label: QLabel, png: bytes) -> None:
    pixmap = QPixmap()
    pixmap.loadFromData(png, "PNG")
    label.setPixmap(pixmap)


def key_label(parent: QWidget, accessible_name: str = "Key for manual entry") -> QLabel:
    """The secret as selectable monospaced text."""
    label = QLabel(parent)
    label.setFont(mono_font())
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(accessible_name)
    return label


def grouped(secret: str) -> str:
    """ABCD EFGH ...: easier to read out and type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
