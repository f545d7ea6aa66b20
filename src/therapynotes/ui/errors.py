"""One place that turns exceptions into words on screen.

TherapyNotesError carries its own user-facing `.message`; anything else is unexpected and
shows only its type (its text might quote record content or a secret).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from therapynotes import APP_NAME
from therapynotes.errors import TherapyNotesError
from therapynotes.ui.widgets import plain_buttons


def user_message(exc: BaseException) -> str:
    if isinstance(exc, TherapyNotesError):
        return exc.message
    return (
        f"Something unexpected went wrong ({type(exc).__name__}). Your records were not "
        "changed by it. Please try again."
    )


def show_error(parent: QObject | None, exc: BaseException, *, title: str = "") -> QMessageBox:
    """A window-modal message box that does not block the event loop."""
    widget = parent if isinstance(parent, QWidget) else None
    box = QMessageBox(widget)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title or APP_NAME)
    box.setText(user_message(exc))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAccessibleName("Error message")
    plain_buttons(box)
    box.open()
    return box


def show_inline(label: QLabel, exc: BaseException | None) -> None:
    """Put the message in an inline label (hidden when there is nothing to say)."""
    if exc is None:
        label.clear()
        label.setVisible(False)
        return
    label.setText(user_message(exc))
    label.setVisible(True)


def install_excepthook(parent: QWidget) -> Callable[..., None]:
    """Unexpected errors in the running app (an exception escaping a Qt slot) become one
    message box and one stderr line naming the type only: PySide would otherwise print
    the whole traceback with the exception's text, which may quote record content, to
    stderr (often the desktop's journal). THERAPYNOTES_DEBUG=1 keeps the traceback."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if os.environ.get("THERAPYNOTES_DEBUG") == "1":
            sys.__excepthook__(exc_type, exc, tb)
        else:
            print(f"therapynotes: unexpected error ({exc_type.__name__})", file=sys.stderr)
        show_error(parent, exc)

    sys.excepthook = hook
    return hook
