"""Help → User guide: docs/user-guide.md shown in the app (a QTextBrowser reading the
Markdown), so it needs no browser and no network. The guide ships with the app as
package data (ui/resources/guide/, symlinks to docs/ that builds copy; see pyproject's
package-data and the PyInstaller spec's collect_data_files). Links inside the guide work:
its contents (#headings), the guides it names (restore-guide.md, retention.md), and web
addresses (opened in the browser)."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QTextCursor
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QWidget

from therapynotes.ui.icons import RESOURCES
from therapynotes.ui.widgets import GRID, plain_buttons, vbox

GUIDE_DIR = RESOURCES / "guide"
USER_GUIDE = GUIDE_DIR / "user-guide.md"


def slug(heading: str) -> str:
    """A heading's anchor as GitHub writes it: 'Lost phone (the 6-digit code)' →
    'lost-phone-the-6-digit-code'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


class GuideBrowser(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setAccessibleName("User guide")
        self.anchorClicked.connect(self.follow)

    def show_page(self, path: Path) -> None:
        self.setMarkdown(path.read_text(encoding="utf-8"))

    def follow(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
            return
        if url.path():  # another guide shipped beside this one; nothing else opens
            page = GUIDE_DIR / Path(url.path()).name
            if not page.is_file():
                return
            self.show_page(page)
        if url.fragment():
            self.scroll_to_heading(url.fragment())

    def scroll_to_heading(self, anchor: str) -> bool:
        block = self.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() > 0 and slug(block.text()) == anchor:
                self.setTextCursor(QTextCursor(block))
                self.verticalScrollBar().setValue(
                    int(self.document().documentLayout().blockBoundingRect(block).top())
                )
                return True
            block = block.next()
        return False


class UserGuideDialog(QDialog):
    """A window beside the app (not modal): the guide stays open while one works."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("User guide")
        self.resize(90 * GRID, 100 * GRID)
        self.browser = GuideBrowser(self)
        self.browser.document().setDocumentMargin(2 * GRID)
        self.browser.show_page(USER_GUIDE)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        plain_buttons(buttons)
        layout = vbox(self, margins=GRID, spacing=GRID)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
