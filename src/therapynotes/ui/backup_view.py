"""The Backups page: folder, "Back up now" with progress and Cancel, the backups in the
folder, the last good backup and warnings in plain words.

Listing the folder (a drive may be slow) and the backup itself run off the GUI thread;
the page holds no record data, but like every page it is destroyed on lock.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path
from typing import cast

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from therapynotes.backup.schedule import BackupWarning
from therapynotes.services.backups import BackupResult, Listing, list_backups
from therapynotes.ui.backup_runner import BackupRunner, when
from therapynotes.ui.context import AppContext
from therapynotes.ui.errors import user_message
from therapynotes.ui.ops import Op
from therapynotes.ui.pages import Card, Page
from therapynotes.ui.widgets import GRID, body, hbox, message_label

PHASE_WORDS = {
    "snapshot": "Copying your records…",
    "check": "Checking the copy…",
    "encrypt": "Writing the backup…",
    "fsync": "Writing the backup…",
    "verify": "Checking the backup file…",
}

_Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    DATE = 0
    SIZE = 1
    VERIFIED = 2


HEADERS = {Column.DATE: "Date", Column.SIZE: "Size", Column.VERIFIED: "Verified"}


def size_words(size: int) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB"
    if size >= 1024**2:
        return f"{size / 1024**2:.1f} MB"
    return f"{max(1, size // 1024)} KB"


class BackupListModel(QAbstractTableModel):
    """Backups in the folder, newest first."""

    def __init__(self, vault_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault_id = vault_id
        self.rows: list[Listing] = []
        self.holding: set[Path] = set()  # backups holding a destroyed record (issue 16)

    def set_rows(self, rows: list[Listing]) -> None:
        self.beginResetModel()
        self.rows = sorted(rows, key=lambda r: (r.created_at, r.seq), reverse=True)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(Column)

    def verified(self, row: Listing) -> str:
        # A file only gets a backup name after it has been read back and verified.
        if not row.header_ok:
            return "Damaged"
        if row.path in self.holding:
            return "Yes · holds destroyed records"
        return "Yes" if row.vault_id == self.vault_id else "From another vault"

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        column = Column(index.column())
        if column is Column.DATE:
            return when(row.created_at.timestamp())
        if column is Column.SIZE:
            return size_words(row.size)
        return self.verified(row)

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[Column(section)]
        return None


class BackupsView(Page):
    view_id = "backups"

    def __init__(self, ctx: AppContext, runner: BackupRunner) -> None:
        super().__init__("Backups")
        self.ctx = ctx
        self.runner = runner
        self.attention = Card("Your backups need attention", "", parent=self)
        self.warning = self.attention.text
        self.warning.setAccessibleName("Backup warning")
        self.layout_.addWidget(self.attention)
        self._build_folder_card()
        self._build_run_card()
        self.model = BackupListModel(runner.session.vault_id if runner.session else "", self)
        self.table = QTableView(self)
        self.table.setAccessibleName("Backups in the folder")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setCornerButtonEnabled(False)
        for corner in self.table.findChildren(QAbstractButton):
            corner.setAccessibleName("Select all backups")  # Qt's own corner button
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(16 * GRID)
        for column in (Column.DATE, Column.SIZE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self._add_purged_card()
        self.empty = body("No backups in this folder yet.", parent=self)
        self.layout_.addWidget(self.empty)
        self.layout_.addWidget(self.table)
        self.layout_.addStretch(1)  # takes the room while the table is hidden
        runner.progress.connect(self._on_progress)
        runner.started.connect(self._on_started)
        runner.finished.connect(self._on_finished)
        runner.state_changed.connect(self.refresh)
        self.refresh()

    def _build_folder_card(self) -> None:
        self.folder_card = Card("Backup folder", "", action="Choose folder…", parent=self)
        self.folder_button = cast(QPushButton, self.folder_card.button)
        self.folder_button.clicked.connect(self._choose_folder)
        self.layout_.addWidget(self.folder_card)

    def _build_run_card(self) -> None:
        card = self.run_card = Card("Your backups", "", parent=self)
        self.last_good = card.text
        self.last_good.setAccessibleName("Last good backup")
        row = hbox()
        self.run_button = QPushButton("Back up now", card)
        self.run_button.setAccessibleName("Back up now")
        self.run_button.clicked.connect(self.back_up_now)
        self.progress_bar = QProgressBar(card)
        self.progress_bar.setAccessibleName("Backup progress")
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMinimumWidth(24 * GRID)
        self.cancel_button = QPushButton("Cancel", card)
        self.cancel_button.setAccessibleName("Cancel the backup")
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.phase = QLabel(card)
        self.phase.setAccessibleName("Backup step")
        for widget in (self.run_button, self.progress_bar, self.cancel_button, self.phase):
            row.addWidget(widget)
        row.addStretch(1)
        layout = cast(QVBoxLayout, card.layout())
        layout.addLayout(row)
        self.result = message_label(card)
        self.result.setAccessibleName("Backup result")
        layout.addWidget(self.result)
        self.layout_.addWidget(card)
        self._show_running(self.runner.busy)

    # --- actions ---------------------------------------------------------------------

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, "Choose a backup folder", self.ctx.settings.backup_folder or str(Path.home())
        )
        if path:
            self.set_folder(Path(path))

    def set_folder(self, folder: Path) -> None:
        self.ctx.settings.backup_folder = str(folder)
        self.ctx.settings.backup_reminder = False
        self.ctx.save_settings()
        self.runner.state_changed.emit()

    def back_up_now(self) -> None:
        self.result.setVisible(False)
        if self.runner.folder is None:
            self._say("Choose a backup folder first.")
        elif not self.runner.folder.is_dir():
            self._say(self.runner.warning_text(BackupWarning.DRIVE_MISSING))
        else:
            self.runner.start()

    # --- runner signals --------------------------------------------------------------

    def _show_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        for widget in (self.progress_bar, self.cancel_button, self.phase):
            widget.setVisible(running)
        if running:
            self.progress_bar.setRange(0, 0)
            self.phase.setText("Getting ready…")

    def _on_started(self) -> None:
        self.result.setVisible(False)
        self._show_running(True)

    def _on_progress(self, phase: str, done: int, total: int) -> None:
        self.phase.setText(PHASE_WORDS.get(phase, ""))
        if total > 0:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(1000 * min(done, total) / total))

    def _on_finished(self, outcome: object) -> None:
        self._show_running(False)
        if isinstance(outcome, BackupResult):
            self._say(f"Backed up and checked: {outcome.path.name}.")
        elif isinstance(outcome, BaseException):
            self._say(user_message(outcome))
        else:
            self._say("Backup cancelled. Nothing was written; earlier backups are unchanged.")

    def _say(self, text: str) -> None:
        self.result.setText(text)
        self.result.setVisible(True)

    # --- showing state ---------------------------------------------------------------

    def refresh(self) -> None:
        folder = self.runner.folder
        self.folder_card.text.setText(
            f"Backups go to {folder}"
            if folder
            else "No backup folder yet. Choose a folder "
            "on a drive you keep apart from this computer."
        )
        state = self.runner.state()
        self.last_good.setText(
            f"Last good backup: {when(state.last_good_at)}."
            if state.last_good_at is not None
            else "No backup yet."
        )
        warnings = self.runner.warnings()
        self.warning.setText("\n".join(self.runner.warning_text(w) for w in warnings))
        self.attention.setVisible(bool(warnings))
        self._show_running(self.runner.busy)
        if folder is None or not folder.is_dir():
            self._show_rows([])
            return
        Op(self, lambda: list_backups(folder)).success(self._show_rows).failure(
            lambda _exc: self._show_rows([])
        ).run()

    def _add_purged_card(self) -> None:
        """Issue 16: backups still holding a destroyed record (ui/admin/purged_backups.py)."""
        from therapynotes.ui.admin.purged_backups import PurgedBackupsCard  # noqa: PLC0415

        session = self.runner.session
        root = session.paths.root if session else self.ctx.vault.paths.root
        self.purged_card = PurgedBackupsCard(
            root, self.model.vault_id, session=session, refresh=self.refresh, parent=self
        )
        self.model.holding = self.purged_card.holding
        self.layout_.addWidget(self.purged_card)

    def _show_rows(self, rows: list[Listing]) -> None:
        self.purged_card.update_rows(rows)
        self.model.holding = self.purged_card.holding
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        self.table.setVisible(bool(rows))
        last = self.layout_.count() - 1
        self.layout_.setStretch(last - 1, 1 if rows else 0)  # the table, or
        self.layout_.setStretch(last, 0 if rows else 1)  # the empty space below the cards
