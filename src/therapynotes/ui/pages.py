"""Shared page parts (Card, Page) and the Backups page. Home, Clients and Search are
ui/home_view.py, ui/clients_page.py and ui/search_view.py.

Every page is created after unlock and destroyed on lock (it may hold record data), so
pages take the open session and never outlive it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QPushButton, QWidget

from therapynotes.services.session import VaultSession
from therapynotes.ui.context import AppContext
from therapynotes.ui.widgets import GRID, body, hbox, heading, vbox

PAGE_TITLES = {
    "home": "Home",
    "clients": "Clients",
    "search": "Search",
    "backups": "Backups",
    "settings": "Settings",
}
PAGE_ICONS = {name: name for name in PAGE_TITLES}


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


class BackupsPage(Page):
    view_id = "backups"

    def __init__(self, ctx: AppContext, session: VaultSession) -> None:
        super().__init__("Backups")
        del session
        folder = ctx.settings.backup_folder
        text = f"Backups go to {folder}." if folder else "No backup folder chosen yet."
        self.layout_.addWidget(Card("Backup folder", text))
        self.finish()


PageFactory = Callable[[AppContext, VaultSession], QWidget]
PAGE_FACTORIES: dict[str, PageFactory] = {"backups": BackupsPage}
