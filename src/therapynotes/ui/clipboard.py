"""Copying to the clipboard the way a password manager does (KeePassXC's Clipboard).

Copies carry the "concealed" hints that clipboard managers honour (KDE/Klipper:
`x-kde-passwordManagerHint: secret`; macOS: `application/x-nspasteboard-concealed-type`;
Windows: `ExcludeClipboardContentFromMonitorProcessing`). After `clear_seconds`, on lock
and on quit the clipboard is cleared, but only if it still holds what we put there: a
later copy by the therapist in another program is left alone. We keep a hash of what we
copied, not the text.

Every copy out of a record takes this path, whichever way it is asked for (Ctrl+C,
Ctrl+X, the context menu's Copy and Cut, a mouse selection on X11):
- text editors holding record text (the note editor, signed notes, addenda, plan text)
  make their copies with `concealed_mime` (`ConcealedCopy`, through Qt's own hook);
- line edits and lists get `conceal_copies(widget)`, which routes their Copy and Cut
  to `put_on_clipboard`;
- each copy carries this run's private marker, and the window's `SecureClipboard` adopts
  every copy bearing it (timeout, clear on lock and on quit), however it was made.
"""

from __future__ import annotations

import hashlib
import secrets

from PySide6.QtCore import QCoreApplication, QEvent, QMimeData, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QClipboard, QContextMenuEvent, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

CONCEALED_HINTS = {
    "x-kde-passwordManagerHint": b"secret",
    "application/x-nspasteboard-concealed-type": b"",
    "ExcludeClipboardContentFromMonitorProcessing": b"\x01\x00\x00\x00",
}
MARKER = "application/x-therapynotes-copy"
# Random per run: another program cannot make its copies look like ours.
_RUN_TOKEN = secrets.token_hex(16).encode("ascii")


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def concealed_mime(text: str) -> QMimeData:
    """Plain text only (no HTML of the record), with the concealed hints and our marker."""
    mime = QMimeData()
    mime.setText(text)
    for fmt, value in CONCEALED_HINTS.items():
        mime.setData(fmt, value)
    mime.setData(MARKER, _RUN_TOKEN)
    return mime


def _modes(clipboard: QClipboard) -> list[QClipboard.Mode]:
    modes = [QClipboard.Mode.Clipboard]
    if clipboard.supportsSelection():
        modes.append(QClipboard.Mode.Selection)
    return modes


def put_on_clipboard(text: str) -> None:
    """Copy record text (the window's SecureClipboard then clears it in time)."""
    clipboard = QGuiApplication.clipboard()
    for mode in _modes(clipboard):
        clipboard.setMimeData(concealed_mime(text), mode)


def clear_ours_from_clipboard() -> None:
    """Clear every clipboard mode still holding a copy made by this run."""
    clipboard = QGuiApplication.clipboard()
    for mode in _modes(clipboard):
        if is_ours(clipboard.mimeData(mode)):
            clipboard.clear(mode)


def is_ours(mime: QMimeData | None) -> bool:
    return mime is not None and mime.hasFormat(MARKER) and mime.data(MARKER).data() == _RUN_TOKEN


class SecureClipboard(QObject):
    def __init__(self, *, clear_seconds: int = 30, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clear_seconds = clear_seconds
        self._ours: dict[QClipboard.Mode, bytes] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_if_ours)
        # Bound slots, not lambdas: Qt drops these connections when this object goes.
        clipboard = self._clipboard()
        clipboard.dataChanged.connect(self._adopt_clipboard)
        clipboard.selectionChanged.connect(self._adopt_selection)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.clear_at_quit)

    @staticmethod
    def _clipboard() -> QClipboard:
        return QGuiApplication.clipboard()

    def copy(self, text: str) -> None:
        put_on_clipboard(text)
        for mode in _modes(self._clipboard()):  # adopted already; this names it outright
            self._own(mode, text)

    @Slot()
    def _adopt_clipboard(self) -> None:
        self._adopt(QClipboard.Mode.Clipboard)

    @Slot()
    def _adopt_selection(self) -> None:
        self._adopt(QClipboard.Mode.Selection)

    def _adopt(self, mode: QClipboard.Mode) -> None:
        """A copy made anywhere in the app (Ctrl+C in a note): ours to clear in time."""
        mime = self._clipboard().mimeData(mode)
        if is_ours(mime):
            self._own(mode, mime.text())

    def _own(self, mode: QClipboard.Mode, text: str) -> None:
        self._ours[mode] = _digest(text)
        self._timer.start(self.clear_seconds * 1000)

    def holds_ours(self) -> bool:
        ours = self._ours.get(QClipboard.Mode.Clipboard)
        return ours is not None and _digest(self._clipboard().text()) == ours

    @Slot()
    def clear_at_quit(self) -> None:
        """Whatever this run copied goes with it (the window's close clears it already;
        this covers any other way out). PySide's QMimeData must not outlive Python
        either: Qt deleting it after the interpreter has gone crashes the process."""
        clear_ours_from_clipboard()
        self._ours = {}

    def clear_if_ours(self) -> bool:
        """Clear what we copied (both clipboard and selection); True when cleared."""
        self._timer.stop()
        cleared = False
        clipboard = self._clipboard()
        for mode, ours in list(self._ours.items()):
            if _digest(clipboard.text(mode)) == ours:
                clipboard.clear(mode)
                cleared = True
        self._ours = {}
        return cleared


class ConcealedCopy:
    """For a QTextEdit or QPlainTextEdit holding record text: Qt builds every copy, cut,
    drag and X11 selection from `createMimeDataFromSelection`, so the hints and the
    marker ride on each, and no rich-text copy of the record leaves."""

    def createMimeDataFromSelection(self) -> QMimeData:  # noqa: N802 - Qt API
        editor: QTextEdit | QPlainTextEdit = self  # type: ignore[assignment]
        return concealed_mime(editor.textCursor().selection().toPlainText())


class RecordPlainTextEdit(ConcealedCopy, QPlainTextEdit):
    """A plain-text field for record text (addenda, plan text, alerts)."""


def _selected_text(widget: QWidget) -> str:
    if isinstance(widget, QLineEdit):
        if widget.echoMode() is not QLineEdit.EchoMode.Normal:
            return ""  # Qt copies nothing out of a hidden field; neither do we
        return widget.selectedText()
    if isinstance(widget, QAbstractItemView):
        value = widget.currentIndex().data()
        return "" if value is None else str(value)
    return ""


class _CopyRouter(QObject):
    """Takes Copy and Cut (keys and the line edit's context menu) off Qt's default path."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if not isinstance(watched, QWidget):
            return False
        kind = event.type()
        if isinstance(event, QKeyEvent) and kind in (
            QEvent.Type.KeyPress,
            QEvent.Type.ShortcutOverride,
        ):
            cut = event.matches(QKeySequence.StandardKey.Cut)
            if cut or event.matches(QKeySequence.StandardKey.Copy):
                if kind == QEvent.Type.ShortcutOverride:
                    event.accept()  # ours, not a window shortcut's
                    return False
                self.copy(watched, cut=cut)
                return True
        if isinstance(event, QContextMenuEvent) and isinstance(watched, QLineEdit):
            self._menu(watched, event)
            return True
        return False

    @staticmethod
    def copy(widget: QWidget, *, cut: bool = False) -> None:
        text = _selected_text(widget)
        if not text:
            return
        put_on_clipboard(text)
        if cut and isinstance(widget, QLineEdit) and not widget.isReadOnly():
            widget.del_()

    def _menu(self, field: QLineEdit, event: QContextMenuEvent) -> None:
        menu = field.createStandardContextMenu()
        for action in menu.actions():
            name = action.objectName()
            if name in ("edit-copy", "edit-cut"):
                action.triggered.disconnect()
                action.triggered.connect(
                    lambda _=False, cut=name == "edit-cut": self.copy(field, cut=cut)
                )
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(event.globalPos())


_ROUTER: _CopyRouter | None = None


def conceal_copies(*widgets: QWidget) -> None:
    """Route the widgets' Copy and Cut through `put_on_clipboard` (line edits holding
    record text, lists of clients and hits)."""
    global _ROUTER  # noqa: PLW0603 - one stateless filter for the app
    if _ROUTER is None:
        _ROUTER = _CopyRouter()
    for widget in widgets:
        widget.installEventFilter(_ROUTER)
