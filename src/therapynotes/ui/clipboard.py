"""Copying to the clipboard the way a password manager does (KeePassXC's Clipboard).

Copies carry the "concealed" hints that clipboard managers honour (KDE/Klipper:
`x-kde-passwordManagerHint: secret`; macOS: `application/x-nspasteboard-concealed-type`;
Windows: `ExcludeClipboardContentFromMonitorProcessing`). After `clear_seconds`, on lock
and on quit the clipboard is cleared, but only if it still holds what we put there: a
later copy by the therapist in another program is left alone. We keep a hash of what we
copied, not the text.
"""

from __future__ import annotations

import hashlib

from PySide6.QtCore import QMimeData, QObject, QTimer
from PySide6.QtGui import QClipboard, QGuiApplication

CONCEALED_HINTS = {
    "x-kde-passwordManagerHint": b"secret",
    "application/x-nspasteboard-concealed-type": b"",
    "ExcludeClipboardContentFromMonitorProcessing": b"\x01\x00\x00\x00",
}


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class SecureClipboard(QObject):
    def __init__(self, *, clear_seconds: int = 30, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clear_seconds = clear_seconds
        self._ours: bytes | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_if_ours)

    @staticmethod
    def _clipboard() -> QClipboard:
        return QGuiApplication.clipboard()

    def copy(self, text: str) -> None:
        clipboard = self._clipboard()
        modes = [QClipboard.Mode.Clipboard]
        if clipboard.supportsSelection():
            modes.append(QClipboard.Mode.Selection)
        for mode in modes:
            mime = QMimeData()
            mime.setText(text)
            for fmt, value in CONCEALED_HINTS.items():
                mime.setData(fmt, value)
            clipboard.setMimeData(mime, mode)
        self._ours = _digest(text)
        self._timer.start(self.clear_seconds * 1000)

    def holds_ours(self) -> bool:
        return self._ours is not None and _digest(self._clipboard().text()) == self._ours

    def clear_if_ours(self) -> bool:
        """Clear what we copied (both clipboard and selection); True when cleared."""
        self._timer.stop()
        cleared = False
        clipboard = self._clipboard()
        if self._ours is not None:
            modes = [QClipboard.Mode.Clipboard]
            if clipboard.supportsSelection():
                modes.append(QClipboard.Mode.Selection)
            for mode in modes:
                if _digest(clipboard.text(mode)) == self._ours:
                    clipboard.clear(mode)
                    cleared = True
        self._ours = None
        return cleared
