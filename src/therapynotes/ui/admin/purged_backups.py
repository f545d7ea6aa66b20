"""Backups page: the backups that still hold a destroyed record (written before the
last purge; services/purge_ledger.py), and "Delete them now…", which never deletes the
newest verified backup until one written after the purge exists. Deleting runs off the
UI thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import cast

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from therapynotes.domain import formatting
from therapynotes.services import purge_ledger
from therapynotes.services.backups import BackupService, Listing
from therapynotes.services.session import VaultSession
from therapynotes.ui.admin.common import db_op
from therapynotes.ui.errors import show_error
from therapynotes.ui.ops import Op
from therapynotes.ui.pages import Card

MARK = "Yes · holds destroyed records"


class PurgedBackupsCard(Card):
    def __init__(
        self,
        root: Path,
        vault_id: str,
        *,
        session: VaultSession | None,
        refresh: Callable[[], None],
        parent: QWidget,
    ) -> None:
        super().__init__(
            "Older backups hold destroyed records", "", action="Delete them now…", parent=parent
        )
        self.root, self.vault_id, self._refresh = root, vault_id, refresh
        self.session = session
        self.gone_by: date | None = None
        self.holding: set[Path] = set()
        self.plan: list[Listing] = []
        self.rows: list[Listing] = []
        self.confirm: QMessageBox | None = None
        self.delete_button = cast(QPushButton, self.button)
        self.delete_button.clicked.connect(self.ask)
        self.setVisible(False)

    def update_rows(self, rows: list[Listing]) -> None:
        last = purge_ledger.last_purge(self.root)
        self.rows = rows
        self.holding = {b.path for b in rows if purge_ledger.holds_purged(b, last, self.vault_id)}
        self.plan = purge_ledger.forget_plan(rows, last, self.vault_id)
        n = len(self.holding)
        text = (
            f"{n} backup{'' if n == 1 else 's'} made before you destroyed a record still "
            f"{'holds' if n == 1 else 'hold'} it. "
        )
        if len(self.plan) < n:
            text += (
                "The newest is kept until a backup made after the destruction has been "
                "written and checked: back up now first."
            )
        else:
            text += "Normal backup rotation removes them in time, or delete them now."
        self.text.setText(text)
        self.gone_by = None
        if self.holding and self.session is not None:
            self._estimate(self.session, rows, text)
        self.delete_button.setEnabled(bool(self.plan))
        self.setVisible(bool(self.holding))

    def _estimate(self, session: VaultSession, rows: list[Listing], text: str) -> None:
        """When rotation alone will have deleted the last of them (daily backups assumed)."""
        last, vault_id = purge_ledger.last_purge(self.root), self.vault_id

        def estimate() -> date | None:
            policy = BackupService(session)._stored_retention()
            return purge_ledger.gone_by(rows, last, vault_id, today=date.today(), policy=policy)

        def show(day: date | None) -> None:
            self.gone_by = day
            if day is not None:
                when = formatting.day(day)
                self.text.setText(f"{text} With a backup every day, the last is gone by {when}.")

        db_op(self, session, estimate).success(show).run(database=True)

    def ask(self) -> None:
        n = len(self.plan)
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Delete older backups")
        box.setText(f"Delete {n} older backup{'' if n == 1 else 's'} holding destroyed records?")
        self.yes = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Keep them", QMessageBox.ButtonRole.RejectRole)
        box.buttonClicked.connect(lambda b: self.delete() if b is self.yes else None)
        self.confirm = box
        box.open()

    def delete(self) -> None:
        rows, last = self.rows, purge_ledger.last_purge(self.root)
        Op(self, lambda: purge_ledger.forget(rows, last, self.vault_id)).success(
            lambda _gone: self._refresh()
        ).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        show_error(self, exc)
