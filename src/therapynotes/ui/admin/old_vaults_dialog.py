"""Old vaults: the folders set aside beside this vault (kept after a restore, an
unfinished first run, left by an interrupted restore), with their dates and whether this
computer's keyring still opens them; "Remove…" deletes one with its keyring entry after
a confirmation (services/old_vaults.py says why both go together). Listing reads the
keyring and removing deletes a folder tree, so both run off the UI thread."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton, QWidget

from therapynotes.domain import formatting
from therapynotes.services import old_vaults
from therapynotes.services.old_vaults import OldVault
from therapynotes.ui.admin.common import fill, selected_row, word_table
from therapynotes.ui.errors import show_inline
from therapynotes.ui.ops import Op
from therapynotes.ui.widgets import GRID, body, busy_bar, hbox, heading, message_label, vbox

_STAMP = re.compile(r"-(\d{8}T\d{6})$")
KIND_WORDS = {
    old_vaults.KEPT_AFTER_RESTORE: "Kept after a restore",
    old_vaults.UNFINISHED_SETUP: "Unfinished first run",
    old_vaults.INTERRUPTED_RESTORE: "Left by an interrupted restore",
}


@dataclass(frozen=True)
class Listed:
    old: OldVault
    when: str
    keyring: str


def set_aside_on(path: Path) -> str:
    """When the folder was set aside: from its name's stamp (UTC), else its own time."""
    match = _STAMP.search(path.name)
    if match:
        stamp = match.group(1)  # 20261204T151500: a compact ISO 8601 instant (UTC)
        moment = datetime.fromisoformat(
            f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}"
        ).replace(tzinfo=UTC)
    else:
        try:
            moment = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError:
            return ""
    return formatting.day_time(moment)


def listing(root: Path) -> list[Listed]:
    return [
        Listed(o, set_aside_on(o.path), old_vaults.entry_state(o)) for o in old_vaults.find(root)
    ]


class OldVaultsDialog(QDialog):
    HEADERS = ("Set aside", "Why", "Folder", "This computer's keyring")

    def __init__(
        self, root: Path, *, clock: Callable[[], float] = time.time, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        self.setWindowTitle("Old vaults")
        self.setAccessibleName("Old vaults")
        self.root = root
        self.rows: list[Listed] = []
        self.loaded = False
        self.confirm: QMessageBox | None = None
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(heading("Old vaults", size_delta=3))
        layout.addWidget(
            body(
                "When you restore a backup, the records that were here are kept aside, "
                "still encrypted, in case you need to go back. Remove them once you are "
                "sure you don't.",
                parent=self,
            )
        )
        self.table = word_table(self, self.HEADERS, "Old vaults")
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.empty = body("There are no old vaults on this computer.", parent=self)
        layout.addWidget(self.empty)
        layout.addStretch(1)
        self.busy = busy_bar(self, name="Working", keep_space=True)
        layout.addWidget(self.busy)
        self.message = message_label(self)
        self.message.setAccessibleName("Old vaults message")
        layout.addWidget(self.message)
        row = hbox()
        self.look_button = QPushButton("Look inside…", self)
        self.look_button.setAccessibleName("Look inside the old vault")
        self.look_button.setToolTip("Open it read-only with its own passphrase and code")
        self.look_button.clicked.connect(self.ask_look)
        row.addWidget(self.look_button)
        self.remove_button = QPushButton("Remove…", self)
        self.remove_button.setAccessibleName("Remove")
        self.remove_button.setAccessibleName("Remove old vault")
        self.remove_button.clicked.connect(self.ask_remove)
        self.close_button = QPushButton("Close", self)
        self.close_button.setAccessibleName("Close")
        self.close_button.clicked.connect(self.reject)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.resize(100 * GRID, 50 * GRID)
        self._selection_changed()
        self.refresh()

    def refresh(self) -> None:
        Op(self, lambda: listing(self.root)).busy(self.busy.setVisible).success(self._show).failure(
            lambda exc: show_inline(self.message, exc)
        ).run()

    def _show(self, rows: list[Listed]) -> None:
        self.rows, self.loaded = rows, True
        fill(
            self.table,
            [(r.when, KIND_WORDS.get(r.old.kind, r.old.kind), r.old.name, r.keyring) for r in rows],
        )
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self._selection_changed()

    def selected(self) -> Listed | None:
        index = selected_row(self.table)
        return None if index is None or index >= len(self.rows) else self.rows[index]

    def _selection_changed(self) -> None:
        chosen = self.selected()
        self.remove_button.setEnabled(chosen is not None)
        self.look_button.setEnabled(chosen is not None and chosen.old.keys == "ok")

    def ask_look(self) -> None:
        from therapynotes.ui.admin.old_vault_look_dialog import LookDialog  # noqa: PLC0415

        chosen = self.selected()
        if chosen is None:
            return
        self.look_dialog = LookDialog(self.root, chosen.old.name, clock=self.clock, parent=self)
        self.look_dialog.open()

    def ask_remove(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Remove old vault")
        box.setText(
            f"Remove the vault set aside {chosen.when}? Its folder and its keyring entry are "
            "deleted; the records in it can then only come back from a backup."
        )
        self.remove_yes = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Keep it", QMessageBox.ButtonRole.RejectRole)
        box.buttonClicked.connect(
            lambda button: self.remove(chosen.old.name) if button is self.remove_yes else None
        )
        self.confirm = box
        box.open()

    def remove(self, name: str) -> None:
        def done(removed: old_vaults.RemovedVault) -> None:
            self.message.setText(
                f"Removed {removed.path.name}"
                + (" and its keyring entry." if removed.entry_removed else ".")
            )
            self.message.setVisible(True)
            self.refresh()

        Op(self, lambda: old_vaults.remove(self.root, name)).busy(self.busy.setVisible).success(
            done
        ).failure(lambda exc: show_inline(self.message, exc)).run()
