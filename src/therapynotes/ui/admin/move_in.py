"""First run, "Move from another computer or app": pick a TherapyNotes JSON export (made
by "Export all records…" or `therapynotes export --json`), check all of it before any
vault exists, create the vault as usual (passphrase, code, recovery key), then import
the export into it on the database worker before the app opens
(services/setup_flow.py `choose_import` / `import_export`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCommandLinkButton, QFileDialog, QWidget

from therapynotes.ui.errors import show_error
from therapynotes.ui.icons import icon
from therapynotes.ui.ops import Op

if TYPE_CHECKING:
    from therapynotes.ui.setup_wizard import SetupWizardView


def move_in_button(parent: QWidget, pick: Callable[[], None]) -> QCommandLinkButton:
    button = QCommandLinkButton("Move from another computer or app", parent)
    button.setDescription(
        "Bring in records exported from TherapyNotes elsewhere (the open JSON format)."
    )
    button.setIcon(icon("restore"))
    button.setAccessibleName("Move from another computer or app")
    button.clicked.connect(pick)
    return button


def pick_export_folder(parent: QWidget) -> Path | None:
    path = QFileDialog.getExistingDirectory(parent, "Choose the export folder", str(Path.home()))
    return Path(path) if path else None


def import_then_finish(view: SetupWizardView) -> None:
    """The new vault exists and is open: import, then open the app. A failed import
    leaves the new vault empty (the import is all or nothing) and says so."""
    flow = view.flow
    view.progress.setText("Bringing in your records…")
    view.progress.setVisible(True)

    def finish(_counts: object) -> None:
        if flow.result is not None:
            view.finished.emit(flow.result)

    def failed(exc: BaseException) -> None:
        flow.import_from = None
        show_error(view.window(), exc, title="Your records were not brought in")
        finish(None)

    Op(view, flow.import_export).busy(view._set_busy).success(finish).failure(failed).run(
        database=True
    )
