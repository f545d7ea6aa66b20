"""The main window: sidebar + content when unlocked; the unlock view or the first-run
wizard when locked. Owns the lock orchestration.

Lock order (security.md): save drafts through registered `DraftSaver`s → keep what open
record dialogs hold inside the vault (ui/form_drafts.py; offered back after unlock) →
close dialogs and popups → clear the clipboard if it holds our copy → wait for background work that
may use the database and drop its answers → destroy every content page (they
hold record data; created on unlock, deleteLater()'d here) → `session.lock(reason)`
closes the database and wipes keys → show a fresh unlock view, its passphrase field
focused (also once a backup the lock waited for has ended). The last view, the open
chart's ids (never names) and the splitter positions are kept in the bootstrap settings,
so unlocking returns to the same place.
The window title is the app's name; another login than the owner's adds who is unlocked
(a staff name and role, never a client's), and the status bar always says it (issue 17).
What each login's window holds is decided in ui/users/access.py.

Before the lock screen shows, only what it needs is imported (issue 18: a quick start);
the pages, the wizard and the form-draft keeping load when first used, and the sidebar
and the window's helpers are made just after the first paint (ui/window_start.py).
"""

from __future__ import annotations

import contextlib
import sys
import weakref
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QWidget,
)

from therapynotes import APP_NAME, __version__
from therapynotes.errors import TherapyNotesError
from therapynotes.settings import AppSettings, SecuritySettings, load_security
from therapynotes.ui import upgrade_notice
from therapynotes.ui.backup_runner import BackupRunner, status_words, warn_if_old
from therapynotes.ui.context import AppContext
from therapynotes.ui.icons import app_icon, icon
from therapynotes.ui.idle_watcher import IdleWatcher
from therapynotes.ui.ops import finish_for_lock, tracker
from therapynotes.ui.pages import PAGE_TITLES, WINDOW_VIEWS
from therapynotes.ui.record_navigation import RecordNavigation
from therapynotes.ui.unlock_view import UnlockView
from therapynotes.ui.widgets import GRID, plain_buttons
from therapynotes.ui.window_start import WindowStart

if TYPE_CHECKING:
    from therapynotes.services.session import VaultSession
    from therapynotes.services.setup_flow import SetupResult
    from therapynotes.ui.records_access import RecordsAccess
    from therapynotes.ui.users.access import WindowAccess


class DraftSaver(Protocol):
    """Anything holding unsaved edits (a note editor) registers itself with the window."""

    def save_draft(self) -> None: ...


class MainWindow(RecordNavigation, WindowStart, QMainWindow):
    locked = Signal(str)  # reason
    unlocked = Signal()

    def __init__(self, ctx: AppContext, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session: VaultSession | None = None
        self.access: WindowAccess | None = None  # what the unlocked login's window holds
        self.records: RecordsAccess | None = None  # the pages' record access while unlocked
        self.security = SecuritySettings()
        self.pages: dict[str, QWidget] = {}
        self.gate: QWidget | None = None
        self._draft_savers: weakref.WeakSet[DraftSaver] = weakref.WeakSet()
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        # The smallest size at which the three panes (clients, note list, note) and the
        # note's buttons show uncut (800x560 cut them; tests/ui/test_clipping.py).
        self.setMinimumSize(128 * GRID, 80 * GRID)

        self.idle = IdleWatcher(clock=ctx.clock, parent=self)
        self.idle.timed_out.connect(lambda: self.lock("idle"))
        self.idle.countdown.connect(self._show_countdown)
        self.backups = BackupRunner(
            folder=lambda: ctx.settings.backup_folder, clock=ctx.clock, parent=self
        )
        self.backups.state_changed.connect(self._show_backup_status)
        # The sidebar and the pages' stack, the clipboard guard, the reminders, the idle
        # checkpoints and the OS-lock listener: made by finish_start() (ui/window_start.py).
        self.central = QStackedWidget(self)
        self.setCentralWidget(self.central)
        self._build_actions()
        self._build_status_bar()
        self._restore_geometry()
        self._set_locked_ui(True)
        self.start_after_first_paint()  # the rest: ui/window_start.py
        if ctx.vault.setup_incomplete():
            self._restart_unfinished_setup()
        elif ctx.vault.exists():
            self.show_unlock()
        else:
            self.show_setup()

    # --- construction ----------------------------------------------------------------

    def _action(self, text: str, slot, shortcut: str | QKeySequence = "", icon_name: str = ""):  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even while menus are hidden
        return action

    def _build_actions(self) -> None:
        self.lock_action = self._action("&Lock", lambda: self.lock("manual"), "Ctrl+L", "lock")
        self.idle.lock_action = self.lock_action  # Ctrl+L in every dialog too
        self.quit_action = self._action("&Quit", self.close, "Ctrl+Q", "quit")
        self.new_note_action = self._action("&New note…", self.new_note, "Ctrl+N", "note")
        self.new_note_action.setToolTip("New note for the open client")
        self.settings_action = self._action(
            "&Settings…", lambda: self.show_view("settings"), "Ctrl+,", "settings"
        )
        self.view_actions: dict[str, QAction] = {}
        keys = {"home": "Ctrl+1", "clients": "Ctrl+2", "search": "Ctrl+K", "backups": "Ctrl+4"}
        keys["schedule"] = "Ctrl+3"  # the schedule (issue 13)
        for view_id in ("home", "schedule", "clients", "search", "backups"):
            self.view_actions[view_id] = self._action(
                PAGE_TITLES[view_id],
                lambda _=False, v=view_id: self.show_view(v),
                keys[view_id],
                view_id,
            )
        self.guide_action = self._action("&User guide", self.show_user_guide, "F1", "about")
        self.about_action = self._action(f"&About {APP_NAME}", self.show_about, "", "about")

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.lock_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.new_note_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.settings_action)
        view_menu = bar.addMenu("&View")
        for action in self.view_actions.values():
            view_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.guide_action)
        help_menu.addAction(self.about_action)
        self.record_actions = [
            self.settings_action,
            self.new_note_action,
            *self.view_actions.values(),
        ]
        self._build_admin_menu()

    def _build_admin_menu(self) -> None:
        """The Records menu (issue 16): retention, audit trail, export, old vaults."""
        from therapynotes.ui.admin import menu as admin_menu  # noqa: PLC0415

        self.admin_dialog: QDialog | None = None
        self.admin_actions = admin_menu.install(self)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.state_label = QLabel()
        self.state_label.setAccessibleName("Lock state")
        self.countdown_label = QLabel()
        self.countdown_label.setAccessibleName("Idle lock countdown")
        self.countdown_label.setVisible(False)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedSize(12 * GRID, GRID)
        self.busy.setAccessibleName("Working")
        self.busy.setVisible(False)
        self.backup_label = QLabel()
        self.backup_label.setAccessibleName("Backup status")
        status.addWidget(self.state_label)
        status.addWidget(self.countdown_label)
        status.addPermanentWidget(self.busy)
        status.addPermanentWidget(self.backup_label)
        tracker.became_busy.connect(self.busy.show)
        tracker.became_idle.connect(self.busy.hide)

    def _restore_geometry(self) -> None:
        settings = self.ctx.settings
        geometry = AppSettings.decode_blob(settings.window_geometry)
        if not (geometry and self.restoreGeometry(geometry)):
            self.resize(self._first_size())

    def _first_size(self) -> QSize:
        """1280x800 (where every list's columns fit and the note still gets the most
        room), or less on a screen with less room, never under the minimum size."""
        wanted = QSize(160 * GRID, 100 * GRID)
        screen = self.screen()
        room = screen.availableGeometry().size() if screen is not None else wanted
        if room.width() >= self.minimumWidth() and room.height() >= self.minimumHeight():
            wanted = wanted.boundedTo(room)
        return wanted

    # --- locked side -----------------------------------------------------------------

    def _replace_gate(self, widget: QWidget) -> None:
        old, self.gate = self.gate, widget
        self.central.addWidget(widget)
        self.central.setCurrentWidget(widget)
        if old is not None:
            self.central.removeWidget(old)
            old.deleteLater()

    def show_unlock(self) -> None:
        view = UnlockView(
            self.ctx.vault, clock=self.ctx.clock, last_login=self.ctx.settings.last_login
        )
        view.unlocked.connect(self._on_unlocked)
        self._replace_gate(view)
        view.setEnabled(self.backups.session is None)  # a lock waiting for its backup
        self._focus_gate()

    def _focus_gate(self) -> None:
        """The lock screen's passphrase field takes the keyboard (a disabled view, while
        the lock's backup runs, cannot: this runs again when it is enabled)."""
        if self.gate is not None and self.gate.isEnabled():
            self.gate.setFocus(Qt.FocusReason.OtherFocusReason)

    def _restart_unfinished_setup(self) -> None:
        try:
            aside = self.ctx.vault.set_aside_unfinished()
        except TherapyNotesError as exc:  # e.g. a read-only data folder
            self.show_unlock()
            self.statusBar().showMessage(exc.message)
            return
        self.show_setup()
        self.statusBar().showMessage(
            f"An earlier setup wasn't finished. It was set aside ({aside.name}); start again below."
        )

    def show_setup(self) -> None:
        from therapynotes.ui.setup_wizard import SetupWizardView  # noqa: PLC0415 - issue 18

        view = SetupWizardView(self.ctx.new_setup_flow())
        view.finished.connect(self._on_setup_finished)
        self._replace_gate(view)

    def _on_setup_finished(self, result: SetupResult) -> None:
        settings = self.ctx.settings
        settings.backup_folder = str(result.backup_folder) if result.backup_folder else ""
        settings.backup_reminder = result.backup_reminder
        self._save_settings()
        if result.session is not None:
            self._on_unlocked(result.session)
        else:
            self.show_unlock()

    # --- unlocked side ---------------------------------------------------------------

    def _on_unlocked(self, session: VaultSession) -> None:
        self.finish_start()
        self.session = session
        # The open chart and page are put back for the same login only (issue 17): not
        # the owner's last note in an assistant's window.
        same_login = self.ctx.settings.last_login in ("", session.login.name)
        self.ctx.settings.last_login = session.login.name  # chosen first next time
        self.security = load_security(session.conn)
        self.backups.attach(session)
        self._build_pages(session)
        self.apply_security(self.security)
        self.central.setCurrentWidget(self.shell)
        if self.gate is not None:
            self.central.removeWidget(self.gate)
            self.gate.deleteLater()
            self.gate = None
        self._set_locked_ui(False)
        self._fit_to_login(session)
        last_view = self.ctx.settings.last_view
        if (last_view not in self.pages or not same_login) and self.access is not None:
            last_view = self.access.first_view(WINDOW_VIEWS)
        if "clients" in self.pages and same_login:
            self.clients_page().restore_place()
        self.show_view(last_view)
        from therapynotes.ui.admin.menu import register_forms  # noqa: PLC0415 - issue 18
        from therapynotes.ui.form_drafts import offer_back  # noqa: PLC0415

        register_forms()  # the Records menu's kept forms (a hold or purge reason)
        records = self.records_access()
        if self.access is not None and self.access.keeps_forms:
            offer_back(self, records)
        if "schedule" in self.pages:  # whoever keeps the schedule (times only)
            self.reminders.attach(records)
        self.idle.start()
        self.checkpointer.attach(session)
        warn_if_old(self, self.backups)
        self.unlocked.emit()

    def _fit_to_login(self, session: VaultSession) -> None:
        """Only what this login's role may use (ui/users/window_roles.py)."""
        from therapynotes.ui.users.window_roles import fit_window  # noqa: PLC0415 - at unlock

        fit_window(self, session)

    def apply_security(self, security: SecuritySettings) -> None:
        self.security = security
        self.idle.set_timeout(security.idle_timeout_minutes * 60)
        self.clipboard.clear_seconds = security.clipboard_clear_seconds

    def show_view(self, view_id: str) -> None:
        if self.session is None or view_id not in self.pages:
            return
        # Loaded with the pages at unlock (ui/record_navigation.py).
        from therapynotes.ui.home_view import HomePage  # noqa: PLC0415
        from therapynotes.ui.schedule.week_view import SchedulePage  # noqa: PLC0415
        from therapynotes.ui.search_view import SearchView  # noqa: PLC0415
        from therapynotes.ui.settings_apply import may_leave_settings  # noqa: PLC0415

        if not may_leave_settings(self, view_id):  # unsaved Settings ask first (issue 16)
            return
        self.sidebar.setCurrentRow(WINDOW_VIEWS.index(view_id))
        page = self.pages[view_id]
        self.content.setCurrentWidget(page)
        self.ctx.settings.last_view = view_id
        if isinstance(page, SearchView):
            page.field.setFocus()
            page.field.selectAll()
        if isinstance(page, HomePage):
            page.refresh()
        if view_id == "billing":
            page.refresh()  # type: ignore[attr-defined]
        if isinstance(page, SchedulePage):
            page.refresh()
        if view_id == "review":  # a supervisor's list (issue 17)
            page.refresh()  # type: ignore[attr-defined]
            page.setFocus()

    def current_view(self) -> str:
        return self.ctx.settings.last_view

    def _on_sidebar_row(self, row: int) -> None:
        if 0 <= row < len(WINDOW_VIEWS) and self.session is not None:
            view_id = WINDOW_VIEWS[row]
            if self.pages.get(view_id) is not self.content.currentWidget():
                self.show_view(view_id)

    # --- locking ---------------------------------------------------------------------

    def register_draft_saver(self, saver: DraftSaver) -> None:
        self._draft_savers.add(saver)

    def lock(self, reason: str = "manual") -> None:
        session = self.session
        if session is None:
            return
        for saver in list(self._draft_savers):
            with contextlib.suppress(Exception):  # a failed draft save must not stop a lock
                saver.save_draft()
        if self.pages and self.access is not None and self.access.keeps_forms:
            from therapynotes.ui.form_drafts import keep_open_forms  # noqa: PLC0415 - issue 18

            with contextlib.suppress(Exception):  # nor may keeping what a dialog holds
                keep_open_forms(self.records_access())
        self.reminders.attach(None)  # reminders while locked name nobody
        ours = QApplication.activeWindow()  # the app has the keyboard: keep it after the lock
        self._close_dialogs()
        self.clipboard.clear_if_ours()
        self.idle.stop()
        self.checkpointer.attach(None)  # the lock's close_db checkpoints instead
        finish_for_lock()  # work in flight may still be using the database
        self._remember_layout()  # before the pages holding splitters go
        self._destroy_pages()
        self.records = None
        self.session = None
        from therapynotes.backup.schedule import Trigger  # noqa: PLC0415 - issue 18

        # Backs up first when something changed; the vault closes when that ends.
        trigger = Trigger.QUIT if reason == "quit" else Trigger.LOCK
        self.backups.lock_when_done(reason, trigger, after=self._vault_closed)
        self._set_locked_ui(True)
        self.show_unlock()
        if ours is not None and ours is not self:  # a dialog had it; it is closed now
            self.activateWindow()
        self._save_settings()
        self.locked.emit(reason)

    def _close_dialogs(self) -> None:
        popup = QApplication.activePopupWidget()
        while popup is not None:
            popup.close()
            next_popup = QApplication.activePopupWidget()
            popup = None if next_popup is popup else next_popup
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog):
                if widget.isVisible():
                    widget.reject()
                widget.deleteLater()

    def _destroy_pages(self) -> None:
        from therapynotes.ui.records_access import clear_caches  # noqa: PLC0415 - issue 18

        self.central.setCurrentWidget(self.shell)
        for page in self.pages.values():
            clear = getattr(page, "clear", None)
            if callable(clear):
                with contextlib.suppress(Exception):  # clearing must never stop a lock
                    clear()
            self.content.removeWidget(page)
            clear_caches()
            page.hide()
            page.deleteLater()
        self.pages.clear()

    def _set_locked_ui(self, locked: bool) -> None:
        self.lock_action.setEnabled(not locked)
        for action in self.record_actions:
            action.setEnabled(not locked)
        self.state_label.setText("Locked" if locked else "Unlocked")
        if locked:
            self.setWindowTitle(APP_NAME)
        self.countdown_label.setVisible(False)
        self._show_backup_status()

    def _show_backup_status(self) -> None:
        text, tip = status_words(self.backups)
        self.backup_label.setText(text)
        self.backup_label.setToolTip(tip)

    def _vault_closed(self) -> None:
        if self.gate is not None:
            self.gate.setEnabled(True)
            self._focus_gate()

    def _show_countdown(self, seconds: int) -> None:
        self.countdown_label.setVisible(seconds >= 0)
        if seconds >= 0:
            self.countdown_label.setText(f"Locked in {seconds} s")

    # --- window events ---------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if (
            event.type() == QEvent.Type.WindowStateChange
            and self.isMinimized()
            and self.security.lock_on_minimize
        ):
            self.lock("minimized")

    def save_window_state(self) -> None:
        settings = self.ctx.settings
        settings.window_geometry = AppSettings.encode_blob(bytes(self.saveGeometry().data()))
        self._remember_layout()
        self._save_settings()

    def _save_settings(self) -> None:
        """Write the non-secret settings (geometry, ids, backup folder); a config folder
        that cannot be written (read-only, full, not a folder) loses only those and must
        never stop a lock, a quit or a finished setup."""
        try:
            self.ctx.save_settings()
        except OSError as exc:
            self.statusBar().showMessage(
                f"Settings file not saved ({type(exc).__name__}); your records are not affected.",
                10_000,
            )

    def _remember_layout(self) -> None:
        """Every remembered splitter's position into the settings (ui/splitters.py)."""
        from therapynotes.ui.splitters import remember_all  # noqa: PLC0415 - issue 18

        with contextlib.suppress(Exception):  # a layout must never stop a lock or a quit
            remember_all(self)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        upgrading = upgrade_notice.running(self.gate)  # an unlock's or a recovery's
        if upgrading is not None:
            event.ignore()  # ask first: waiting is safe, and so is quitting at once
            upgrading.ask_before_quitting(self, self.quit_during_upgrade)
            return
        self.save_window_state()
        wizard = sys.modules.get("therapynotes.ui.setup_wizard")  # loaded if it was shown
        if wizard is not None and isinstance(self.gate, wizard.SetupWizardView):
            self.gate.flow.abandon()  # a vault opened by the wizard is locked, not left open
        self.lock("quit")
        if self.backups.busy:  # a last backup first; the window closes when it ends
            self.backups.finished.connect(self.close, Qt.ConnectionType.SingleShotConnection)
            event.ignore()
            return
        self.clipboard.clear_if_ours()
        self.idle.stop()
        event.accept()

    def quit_during_upgrade(self) -> None:
        """Quit now, as a kill would: the upgrade step in flight rolls back and runs again
        at the next unlock (tests/trust's kill walks); the vault is not open yet."""
        self.save_window_state()
        upgrade_notice.end_process(0)

    def show_user_guide(self) -> None:
        from therapynotes.ui.user_guide import UserGuideDialog  # noqa: PLC0415 - on demand

        UserGuideDialog(self).show()

    def show_about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle(f"About {APP_NAME}")
        box.setIconPixmap(app_icon().pixmap(64, 64))
        box.setText(f"{APP_NAME} {__version__}")
        box.setInformativeText(
            "Encrypted, local-first notes for solo psychotherapists. Your records stay on "
            "this computer."
        )
        plain_buttons(box)
        box.open()
