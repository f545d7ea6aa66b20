"""Settings → Users (issue 17, the owner's only): the vault's logins (name, role, added)
and Add user…, Change role…, Remove…, Rename my login…. Each change asks for the owner's
passphrase and a fresh code; the work runs on the database worker. Removing a user then
offers the data-key rotation, saying plainly what it cannot undo."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QGroupBox,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from therapynotes.domain.roles import Role
from therapynotes.ui.errors import show_inline
from therapynotes.ui.ops import Op
from therapynotes.ui.records_access import local_time
from therapynotes.ui.users.access import ROLE_WORDS
from therapynotes.ui.users.add_user_dialog import AddUserDialog
from therapynotes.ui.users.owner_gate import ChangeRoleDialog, OwnerGateDialog, RenameOwnerDialog
from therapynotes.ui.widgets import GRID, body, hbox, message_label, plain_buttons, vbox

if TYPE_CHECKING:
    from therapynotes.services.session import VaultSession
    from therapynotes.services.vault import VaultService

RENAME_FORM = "user.rename"

ROTATE_AFTER_REMOVAL = (
    "{name} can no longer unlock this vault. Change the encryption key now, so that "
    "files or backups {name} may have copied stop mattering for anything written from "
    "now on?\n\nWhat it cannot undo: whatever {name} could read before today, they may "
    "have kept (copied, printed or remembered). A new key protects only what comes next."
)


def _when(instant: str) -> str:
    try:
        return local_time(instant)
    except (ValueError, TypeError):
        return instant


class UsersGroup(QGroupBox):
    def __init__(
        self,
        vault: VaultService,
        session: VaultSession,
        *,
        clock: Callable[[], float],
        rotate: Callable[[], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Users", parent)
        self.setObjectName("UsersGroup")
        self.vault, self.session, self.clock = vault, session, clock
        self.rotate = rotate  # opens "Change the encryption key…" (the Settings page's)
        self.users: list[Any] = []
        self.dialog: QDialog | QMessageBox | None = None
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        layout.addWidget(
            body(
                "Each person who helps you has their own login: their own passphrase and "
                "authenticator. An assistant sees clients' details, the schedule and "
                "billing, nothing clinical; a supervisor reads the record (never "
                "psychotherapy notes) and co-signs.",
                parent=self,
            )
        )
        self.table = QTableWidget(0, 3, self)
        self.table.setAccessibleName("Users")
        self.table.setHorizontalHeaderLabels(["Name", "Role", "Added"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the name
        self.table.setMinimumHeight(16 * GRID)
        self.table.setMaximumHeight(24 * GRID)
        self.table.itemSelectionChanged.connect(self._selection)
        for corner in self.table.findChildren(QAbstractButton):
            corner.setAccessibleName("Select all users")  # Qt's own corner button
        layout.addWidget(self.table)
        row = hbox()
        self.add_button = self._button("Add user…", self.add_user, row)
        self.role_button = self._button("Change role…", self.change_role, row)
        self.remove_button = self._button("Remove…", self.remove_user, row)
        row.addStretch(1)
        self.rename_button = self._button("Rename my login…", self.rename_owner, row)
        layout.addLayout(row)
        self.message = message_label(self)
        self.message.setAccessibleName("Users message")
        layout.addWidget(self.message)
        self._selection()
        self.refresh()

    def _button(self, text: str, slot: Callable[[], object], row: Any) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text.rstrip("…"))
        button.clicked.connect(slot)
        row.addWidget(button)
        return button

    # --- the list --------------------------------------------------------------------

    def refresh(self) -> None:
        vault, session = self.vault, self.session
        Op(self, lambda: vault.list_users(session)).success(self._show).failure(
            lambda exc: show_inline(self.message, exc)
        ).run(database=True)

    def _show(self, users: list[Any]) -> None:
        chosen = self.selected_name()
        self.users = list(users)
        self.table.setRowCount(len(self.users))
        for i, user in enumerate(self.users):
            for column, text in enumerate(
                (user.name, ROLE_WORDS[Role(user.role)].capitalize(), _when(user.created_at))
            ):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(i, column, item)
        names = [u.name for u in self.users]
        if chosen in names:
            self.table.selectRow(names.index(chosen))
        self._selection()

    def selected(self) -> Any | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or not 0 <= rows[0].row() < len(self.users):
            return None
        return self.users[rows[0].row()]

    def selected_name(self) -> str | None:
        user = self.selected()
        return None if user is None else str(user.name)

    def _selection(self) -> None:
        user = self.selected()
        other = user is not None and Role(user.role) is not Role.OWNER
        self.role_button.setEnabled(other)
        self.remove_button.setEnabled(other)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # --- changes ---------------------------------------------------------------------

    def add_user(self) -> AddUserDialog:
        dialog = AddUserDialog(self.vault, self.session, clock=self.clock, parent=self)
        dialog.added.connect(lambda added: self._changed(f"{added.name} can now unlock."))
        self.dialog = dialog
        dialog.open()
        return dialog

    def change_role(self) -> ChangeRoleDialog | None:
        user = self.selected()
        if user is None:
            return None
        name, vault, session = str(user.name), self.vault, self.session
        dialog = ChangeRoleDialog(name, Role(user.role), parent=self)
        dialog.work = lambda p, c: vault.change_role(
            session, name=name, role=dialog.chosen(), owner_passphrase=p, owner_code=c
        )
        dialog.done_ok.connect(lambda _r: self._changed(f"{name}'s role is changed."))
        self.dialog = dialog
        dialog.open()
        return dialog

    def remove_user(self) -> OwnerGateDialog | None:
        user = self.selected()
        if user is None:
            return None
        name, vault, session = str(user.name), self.vault, self.session
        dialog = OwnerGateDialog(
            "Remove user",
            f"Remove {name}'s login? They will no longer be able to unlock this vault on "
            "this computer. Their audit entries stay.",
            "Remove",
            parent=self,
        )
        dialog.work = lambda p, c: vault.remove_user(
            session, name=name, owner_passphrase=p, owner_code=c
        )
        dialog.done_ok.connect(lambda _r: self._removed(name))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _removed(self, name: str) -> None:
        self._changed(f"{name}'s login is removed.")
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Change the encryption key?")
        box.setText(f"{name}'s login is removed.")
        box.setInformativeText(ROTATE_AFTER_REMOVAL.format(name=name))
        buttons = QMessageBox.StandardButton
        box.setStandardButtons(buttons.No | buttons.Yes)
        box.button(buttons.Yes).setText("Change the encryption key…")
        box.button(buttons.No).setText("Not now")
        box.setDefaultButton(buttons.Yes)
        plain_buttons(box)
        box.accepted.connect(self.rotate)
        self.dialog = box
        box.open()

    def rename_owner(self) -> RenameOwnerDialog:
        owner = next((u for u in self.users if Role(u.role) is Role.OWNER), None)
        current = str(owner.name) if owner is not None else self.session.login.name
        vault, session = self.vault, self.session
        dialog = RenameOwnerDialog(current, parent=self)
        dialog.work = lambda p, c: vault.rename_owner(
            session, name=dialog.name.text().strip(), owner_passphrase=p, owner_code=c
        )
        dialog.done_ok.connect(
            lambda _r: self._changed("Your login is renamed; use the new name at the lock screen.")
        )
        from therapynotes.ui.form_drafts import tag  # noqa: PLC0415

        tag(dialog, RENAME_FORM, None)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _changed(self, text: str) -> None:
        self._say(text)
        self.refresh()


# --- kept forms (ui/form_drafts.py): the name and role typed into Add user, a new login name


def _in_users(window: Any, open_dialog: Callable[[UsersGroup], QDialog], fill: Any) -> None:
    window.show_view("settings")
    users = getattr(window.pages.get("settings"), "users", None)
    fill(open_dialog(users) if isinstance(users, UsersGroup) else None)


def register_forms() -> None:
    """At unlock (the owner's), before ui/form_drafts.offer_back looks for the openers."""
    from therapynotes.ui.form_drafts import OPENERS  # noqa: PLC0415
    from therapynotes.ui.users.add_user_dialog import ADD_FORM  # noqa: PLC0415

    OPENERS[ADD_FORM] = lambda w, _d, _p, fill: _in_users(w, UsersGroup.add_user, fill)
    OPENERS[RENAME_FORM] = lambda w, _d, _p, fill: _in_users(w, UsersGroup.rename_owner, fill)
