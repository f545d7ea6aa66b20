"""One place that turns exceptions into words on screen.

TherapyNotesError carries its own user-facing `.message`; anything else is unexpected and
shows only its type (its text might quote record content or a secret).
"""

from __future__ import annotations

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
