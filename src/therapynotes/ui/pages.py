"""Shared page parts (Card, Page). The pages themselves: ui/home_view.py,
ui/clients_page.py, ui/search_view.py, ui/backup_view.py and ui/settings_dialog.py.

Every page is created after unlock and destroyed on lock (it may hold record data), so
pages take the open session and never outlive it.
"""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QPushButton, QWidget

from therapynotes.ui.widgets import GRID, body, hbox, heading, vbox

PAGE_TITLES = {
    "home": "Home",
    "schedule": "Schedule",
    "clients": "Clients",
    "review": "To review",
    "search": "Search",
    "billing": "Billing",
    "backups": "Backups",
    "settings": "Settings",
}
PAGE_ICONS = {name: name for name in PAGE_TITLES}
PAGE_ICONS["review"] = "note"
# The sidebar's pages in order: the owner's (settings.VIEW_IDS) and a supervisor's "To
# review" (issue 17). Which of them a login has: ui/users/access.py.
WINDOW_VIEWS = ("home", "schedule", "clients", "review", "search", "billing", "backups", "settings")


class Card(QFrame):
    """A quiet framed box with a title, a sentence and optionally one action."""

    def __init__(
        self,
        title: str,
        text: str,
        *,
        action: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        self.setAccessibleName(title)
        layout = vbox(self, margins=2 * GRID)
        self.layout_ = layout
        layout.addWidget(heading(title, size_delta=1))
        self.text = body(text)
        layout.addWidget(self.text)
        self.button: QPushButton | None = None
        if action:
            self.button = QPushButton(action, self)
            self.button.setAccessibleName(action)
            row = hbox()
            row.addWidget(self.button)
            row.addStretch(1)
            layout.addLayout(row)


class Page(QWidget):
    """A page: heading, then its cards, then stretch."""

    view_id = ""

    def __init__(self, title: str, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"Page_{self.view_id}")
        self.setAccessibleName(title)
        self.layout_ = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        self.layout_.addWidget(heading(title))

    def finish(self) -> None:
        self.layout_.addStretch(1)
