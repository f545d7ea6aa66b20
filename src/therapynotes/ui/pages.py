"""The content pages of the main window. Home, Clients and Search are the shell's
placeholders that later rounds fill with real views (Backups is ui/backup_view.py).

Every page is created after unlock and destroyed on lock (it may hold record data), so
pages take the open session and never outlive it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QPushButton, QWidget

from therapynotes.services.session import VaultSession
from therapynotes.ui.context import AppContext
from therapynotes.ui.icons import icon
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


class HomePage(Page):
    view_id = "home"

    def __init__(self, ctx: AppContext, session: VaultSession) -> None:
        super().__init__("Home")
        del session  # the home view reads records once they exist (issue 3)
        self.layout_.addWidget(
            Card("Notes due", "Nothing due. Notes you still need to write will show here.")
        )
        self.layout_.addWidget(
            Card("Today's sessions", "No sessions today. Scheduled sessions will show here.")
        )
        folder = ctx.settings.backup_folder
        if folder:
            text = f"Backups go to {folder}."
        else:
            text = "No backup folder yet. Choose one so your records are safe if this "
            text += "computer fails."
        self.backup_card = Card("Backups", text)
        self.layout_.addWidget(self.backup_card)
        self.finish()


class ClientsPage(Page):
    view_id = "clients"

    def __init__(self, ctx: AppContext, session: VaultSession) -> None:
        super().__init__("Clients")
        del ctx, session
        empty = Card("No clients yet", "Add your first client to start writing notes.")
        self.layout_.addWidget(empty)
        self.finish()


class SearchPage(Page):
    view_id = "search"

    def __init__(self, ctx: AppContext, session: VaultSession) -> None:
        super().__init__("Search")
        del ctx, session
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Search clients and notes")
        self.field.setAccessibleName("Search clients and notes")
        self.field.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.field.setClearButtonEnabled(True)
        self.layout_.addWidget(self.field)
        hint = QLabel("Type a name, a word or a phrase. Results appear as you type.", self)
        hint.setWordWrap(True)
        hint.setAlignment(Qt.AlignmentFlag.AlignLeft)
        self.layout_.addWidget(hint)
        self.setFocusProxy(self.field)
        self.finish()


PageFactory = Callable[[AppContext, VaultSession], QWidget]
PAGE_FACTORIES: dict[str, PageFactory] = {
    "home": HomePage,
    "clients": ClientsPage,
    "search": SearchPage,
}
