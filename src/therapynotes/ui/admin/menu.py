"""The "Records" menu of the main window: the record-keeping dialogs of ui/admin/.
Each action opens its dialog over the open session (disabled while locked); a lock
closes them with every other dialog.

The menu is built before the lock screen shows, so its dialogs (and what they import)
load when opened; the kept forms are registered at unlock (issue 18).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog

if TYPE_CHECKING:
    from therapynotes.services.session import VaultSession
    from therapynotes.store.form_drafts import FormDraft
    from therapynotes.ui.admin.retention_dialog import RetentionDialog
    from therapynotes.ui.form_drafts import Fill
    from therapynotes.ui.main_window import MainWindow
    from therapynotes.ui.record_navigation import RecordNavigation


def _open(window: MainWindow, make: Callable[[VaultSession], QDialog]) -> QDialog | None:
    if window.session is None:
        return None
    dialog = make(window.session)
    window.admin_dialog = dialog
    dialog.open()
    return dialog


def open_retention(window: MainWindow) -> QDialog | None:
    from therapynotes.ui.admin.retention_dialog import RetentionDialog  # noqa: PLC0415

    return _open(window, lambda s: RetentionDialog(s, clock=window.ctx.clock, parent=window))


def open_audit_trail(window: MainWindow) -> QDialog | None:
    from therapynotes.ui.admin.audit_dialog import AuditTrailDialog  # noqa: PLC0415

    return _open(window, lambda s: AuditTrailDialog(s, clock=window.ctx.clock, parent=window))


def open_export(window: MainWindow) -> QDialog | None:
    from therapynotes.ui.admin.export_dialog import ExportDialog  # noqa: PLC0415

    return _open(window, lambda s: ExportDialog(s, clock=window.ctx.clock, parent=window))


def open_old_vaults(window: MainWindow) -> QDialog | None:
    from therapynotes.ui.admin.old_vaults_dialog import OldVaultsDialog  # noqa: PLC0415

    root = window.ctx.vault.paths.root
    return _open(window, lambda _s: OldVaultsDialog(root, clock=window.ctx.clock, parent=window))


def open_rehearsal(window: MainWindow) -> QDialog | None:
    from therapynotes.ui.admin.rehearsal_dialog import RehearsalDialog  # noqa: PLC0415

    folder = window.ctx.settings.backup_folder or ""
    return _open(
        window, lambda s: RehearsalDialog(s, folder, clock=window.ctx.clock, parent=window)
    )


ENTRIES: tuple[tuple[str, Callable[[MainWindow], QDialog | None]], ...] = (
    ("Records &retention…", open_retention),
    ("&Audit trail…", open_audit_trail),
    ("&Export all records…", open_export),
    ("&Old vaults…", open_old_vaults),
    ("Recovery re&hearsal…", open_rehearsal),
)


def install(window: MainWindow) -> dict[str, QAction]:
    """Add the Records menu before Help; its actions join the window's record actions."""
    bar = window.menuBar()
    menus = [a for a in bar.actions() if a.menu() is not None]
    menu = bar.addMenu("&Records")
    if menus:  # keep Help last
        bar.insertMenu(menus[-1], menu)
    actions: dict[str, QAction] = {}
    for text, opener in ENTRIES:
        action = QAction(text, window)
        action.triggered.connect(lambda _=False, o=opener: o(window))
        menu.addAction(action)
        actions[text.replace("&", "").rstrip("…")] = action
        window.record_actions.append(action)
    return actions


# --- kept forms (ui/form_drafts.py): a lock keeps the reason typed in a hold or purge ----


def _reopen_in_retention(
    window: RecordNavigation, draft: FormDraft, then: Callable[[RetentionDialog], None]
) -> None:
    from therapynotes.ui.admin.retention_dialog import RetentionDialog  # noqa: PLC0415

    dialog = open_retention(cast("MainWindow", window))
    if not isinstance(dialog, RetentionDialog) or draft.client_id is None:
        return
    client = int(draft.client_id)

    def when_every() -> None:
        dialog.select_client(client)
        if dialog.selected() is not None:
            then(dialog)

    def first_load() -> None:
        dialog.after_load(when_every)
        dialog.show_which.setCurrentIndex(1)  # every client: a held one is not "due"

    dialog.after_load(first_load)


def _hold_form(window: RecordNavigation, d: FormDraft, p: dict[str, int], fill: Fill) -> None:
    _reopen_in_retention(window, d, lambda r: fill(r.ask_hold(held=bool(p.get("held", 1)))))


def _purge_form(window: RecordNavigation, d: FormDraft, _p: dict[str, int], fill: Fill) -> None:
    _reopen_in_retention(window, d, lambda r: r.ask_purge(fill))


def register_forms() -> None:
    """At unlock, before ui/form_drafts.offer_back looks for the openers."""
    from therapynotes.ui.admin.retention_dialog import HOLD_FORM, PURGE_FORM  # noqa: PLC0415
    from therapynotes.ui.form_drafts import OPENERS  # noqa: PLC0415

    OPENERS[HOLD_FORM] = _hold_form
    OPENERS[PURGE_FORM] = _purge_form
