"""The main window's record side: building the pages after unlock (they hold record
data and die at lock) and moving between them (Ctrl+N, a note due on Home, a search
result). A mixin of MainWindow (ui/main_window.py), which owns locking.

The pages' modules load at the first unlock, not before the lock screen shows (issue 18:
a quick start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from therapynotes.domain.ids import ClientId, NoteId, SessionId
from therapynotes.ui.pages import WINDOW_VIEWS

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow, QStackedWidget

    from therapynotes.services.session import VaultSession
    from therapynotes.settings import SecuritySettings
    from therapynotes.ui.backup_runner import BackupRunner
    from therapynotes.ui.clients_page import ClientsPage
    from therapynotes.ui.context import AppContext
    from therapynotes.ui.records_access import RecordsAccess
    from therapynotes.ui.users.access import WindowAccess

    _Window = QMainWindow
else:
    _Window = object


class RecordNavigation(_Window):
    """Needs from MainWindow: ctx, session, pages, content, backups, show_view,
    apply_security."""

    if TYPE_CHECKING:
        ctx: AppContext
        session: VaultSession | None
        pages: dict[str, QWidget]
        content: QStackedWidget
        backups: BackupRunner
        records: RecordsAccess | None
        access: WindowAccess | None

        def show_view(self, view_id: str) -> None: ...

        def apply_security(self, security: SecuritySettings) -> None: ...

    def _build_pages(self, session: VaultSession) -> None:
        # Imports marked PLC0415: loaded at the first unlock (see the module docstring)
        from therapynotes.ui.backup_view import BackupsView  # noqa: PLC0415
        from therapynotes.ui.clients_page import ClientsPage  # noqa: PLC0415
        from therapynotes.ui.home_view import HomePage  # noqa: PLC0415
        from therapynotes.ui.records_access import RecordsAccess  # noqa: PLC0415
        from therapynotes.ui.search_view import SearchView  # noqa: PLC0415
        from therapynotes.ui.settings_dialog import SettingsPanel  # noqa: PLC0415
        from therapynotes.ui.users.access import WindowAccess  # noqa: PLC0415

        records = RecordsAccess(session, clock=self.ctx.clock)
        self.records = records
        self.access = WindowAccess(session.login)
        for view_id in self.access.views(WINDOW_VIEWS):  # only this login's (issue 17)
            if view_id == "home":
                home = HomePage(self.ctx, session, records)
                home.due_chosen.connect(self._open_due)
                home.risk_chosen.connect(self._open_overview)
                home.today_schedule.chart_requested.connect(self._open_client)
                home.today_schedule.note_requested.connect(self._open_due)
                page: QWidget = home
            elif view_id == "schedule":
                page = self._schedule_page(session, records)
            elif view_id == "clients":
                page = ClientsPage(self.ctx, session, records)
            elif view_id == "search":
                search = SearchView(self.ctx, session, records)
                search.open_requested.connect(self._open_found)
                page = search
            elif view_id == "settings":
                panel = SettingsPanel(
                    self.ctx.vault, session, app_settings=self.ctx.settings, backups=self.backups
                )
                panel.security_changed.connect(self.apply_security)
                page = panel
            elif view_id == "billing":
                page = self._billing_page(records)
            elif view_id == "backups":
                page = BackupsView(self.ctx, self.backups)
            elif view_id == "review":
                page = self._review_page(records)
            else:
                raise ValueError(f"no page for {view_id!r}")
            page.setProperty("holdsRecords", True)
            self.pages[view_id] = page
            self.content.addWidget(page)

    def _review_page(self, records: RecordsAccess) -> QWidget:
        """A supervisor's "To review" (issue 17): Enter opens the note in its chart."""
        from therapynotes.ui.users.review_page import ReviewPage  # noqa: PLC0415 - at unlock

        review = ReviewPage(records)
        review.note_chosen.connect(self._open_reviewed)
        return review

    def _open_reviewed(self, client_id: int, note_id: int) -> None:
        self.show_view("clients")
        self.clients_page().open_note(ClientId(client_id), NoteId(note_id))

    def records_access(self) -> RecordsAccess:
        """The unlocked session's record access, shared by the pages."""
        assert self.records is not None  # noqa: S101 - only called while unlocked
        return self.records

    def _billing_page(self, records: RecordsAccess) -> QWidget:
        """The Billing page (ui/billing/page.py); an unpaid balance opens the chart's
        Billing tab."""
        from therapynotes.ui.billing.page import BillingPage  # noqa: PLC0415 - at unlock

        billing = BillingPage(records)
        billing.client_chosen.connect(self._open_billing)
        return billing

    def _open_billing(self, client_id: int) -> None:
        self.show_view("clients")
        chart = self.clients_page().open_client(ClientId(client_id))
        if chart is not None:
            chart.when_loaded(lambda: chart.tabs.setCurrentWidget(chart.billing))

    def _schedule_page(self, session: VaultSession, records: RecordsAccess) -> QWidget:
        """The Schedule (issue 13): a block opens its chart, Write note its note."""
        from therapynotes.ui.schedule.week_view import SchedulePage  # noqa: PLC0415 - at unlock

        schedule = SchedulePage(self.ctx, session, records)
        schedule.chart_requested.connect(self._open_client)
        schedule.note_requested.connect(self._open_due)
        return schedule

    def _open_client(self, client_id: int) -> None:
        self.show_view("clients")
        self.clients_page().open_client(ClientId(client_id))

    def clients_page(self) -> ClientsPage:
        from therapynotes.ui.clients_page import ClientsPage  # noqa: PLC0415 - at unlock

        page = self.pages["clients"]
        assert isinstance(page, ClientsPage)  # noqa: S101 - built by _build_pages
        return page

    def new_note(self) -> None:
        """Ctrl+N: a new note for the open client."""
        if self.session is None or self.access is None or not self.access.writes_notes:
            return
        page = self.clients_page()
        if page.chart is None:
            self.show_view("clients")
            self.statusBar().showMessage("Open a client's chart first, then start a note.", 5000)
            return
        self.show_view("clients")
        page.new_note()

    def _open_found(self, client_id: int, note_id: int, words: list[str]) -> None:
        """A search hit: its note, scrolled to the words found and highlighted."""
        self.show_view("clients")
        page = self.clients_page()
        if note_id:
            page.find_in_note(ClientId(client_id), NoteId(note_id), words)
        page.open_note(ClientId(client_id), NoteId(note_id) if note_id else None)

    def _open_overview(self, client_id: int) -> None:
        """A safety flag on Home: the client's Overview, where it is addressed."""
        self.show_view("clients")
        chart = self.clients_page().open_client(ClientId(client_id))
        if chart is not None:
            chart.tabs.setCurrentWidget(chart.overview)

    def _open_due(self, client_id: int, session_id: int) -> None:
        self.show_view("clients")
        self.clients_page().open_session_note(ClientId(client_id), SessionId(session_id))
