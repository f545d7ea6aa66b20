"""Fitting the main window to the login just unlocked (issue 17): the sidebar shows only
the pages built for it, the menus only the actions its role may use (the others hidden
AND disabled, so their shortcuts do nothing), and the title and status bar say who is
unlocked. Which parts a role has is decided in access.py; this module only applies it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from therapynotes import APP_NAME
from therapynotes.services.policy import UseCase
from therapynotes.ui.pages import WINDOW_VIEWS
from therapynotes.ui.users.access import WindowAccess

if TYPE_CHECKING:
    from therapynotes.services.session import VaultSession
    from therapynotes.ui.main_window import MainWindow

# The Records menu's entries (ui/admin/menu.py, by their words) and what each needs.
ADMIN_USES: dict[str, tuple[UseCase, ...]] = {
    "Records retention": (UseCase.PURGE,),
    "Audit trail": (UseCase.AUDIT,),
    "Export all records": (UseCase.EXPORT,),
    "Old vaults": (UseCase.BACKUP, UseCase.KEYS),
    "Recovery rehearsal": (UseCase.BACKUP,),
}


def _offer(action: QAction, yes: bool) -> None:
    action.setVisible(yes)
    action.setEnabled(yes)


def fit_window(window: MainWindow, session: VaultSession) -> None:
    access = window.access or WindowAccess(session.login)
    for row, view_id in enumerate(WINDOW_VIEWS):
        window.sidebar.setRowHidden(row, view_id not in window.pages)
    for view_id, action in window.view_actions.items():
        _offer(action, view_id in window.pages)
    _offer(window.new_note_action, access.writes_notes and "clients" in window.pages)
    for words, action in window.admin_actions.items():
        uses = ADMIN_USES.get(words)
        _offer(action, uses is not None and all(access.may(use) for use in uses))
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if isinstance(menu, QMenu):
            menu_action.setVisible(
                any(a.isVisible() and not a.isSeparator() for a in menu.actions())
            )
    if access.may(UseCase.USERS):
        from therapynotes.ui.users.users_group import register_forms as users_forms  # noqa: PLC0415

        users_forms()
    if access.may(UseCase.REVIEW):
        from therapynotes.ui.users.review_panel import register_forms  # noqa: PLC0415

        register_forms()
    who = access.who()
    window.state_label.setText(f"Unlocked: {who}")
    window.state_label.setToolTip(f"Unlocked by {who}")
    window.setWindowTitle(APP_NAME if access.owner else f"{APP_NAME} — {who}")
