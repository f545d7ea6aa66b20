"""Issue 17 in the window, with real logins on a real vault: the lock screen's user
chooser, what an assistant's and a supervisor's windows hold (every action, shortcut and
tab walked), the supervisor's "To review" list and co-signing from the note."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QWidget,
)

from tests.conftest import STRONG
from tests.ui.conftest import Harness
from tests.ui.test_records_flow import live_texts
from tests.ui.users_support import (
    ASSISTANT,
    CLINICAL_CANARIES,
    PSYCHOTHERAPY_CANARY,
    SUPERVISOR,
    SUPERVISOR_PW,
    Team,
    make_team,
    unlock_as,
)
from tests.ui.waits import worker_done
from therapynotes import APP_NAME
from therapynotes.errors import WrongPassphrase
from therapynotes.services import review
from therapynotes.ui.chart_tabs.attachments import AttachmentsTab
from therapynotes.ui.chart_tabs.diagnoses import DiagnosesTab
from therapynotes.ui.chart_tabs.notes import NotesTab
from therapynotes.ui.chart_tabs.overview import HistoryTab
from therapynotes.ui.chart_tabs.plan import PlanTab
from therapynotes.ui.chart_tabs.sessions import SessionsTab
from therapynotes.ui.clients_page import ClientsPage
from therapynotes.ui.measures.panel import MeasuresPanel
from therapynotes.ui.note_editor import NoteEditorWidget
from therapynotes.ui.users.review_page import ReviewPage
from therapynotes.ui.users.review_panel import ReviewPanel

CLINICAL_WIDGETS = (
    NotesTab,
    PlanTab,
    DiagnosesTab,
    AttachmentsTab,
    SessionsTab,
    HistoryTab,
    NoteEditorWidget,
    MeasuresPanel,
)
ASSISTANT_TABS = {"Overview", "Billing"}
SAFE_KEYS = {"Ctrl+L", "Ctrl+Q", "F1"}  # lock, quit, the user guide


@pytest.fixture
def team(harness: Harness) -> Team:
    return make_team(harness)


def _open_first_client(h: Harness) -> ClientsPage:
    h.window.show_view("clients")
    page = h.window.pages["clients"]
    assert isinstance(page, ClientsPage)
    h.qtbot.waitUntil(lambda: page.list.model.rowCount() > 0, timeout=20000)
    page.open_client(page.list.model.rows[0].id)
    worker_done()
    h.qtbot.waitUntil(
        lambda: page.chart is not None and page.chart.chart is not None, timeout=20000
    )
    return page


def _tab_texts() -> set[str]:
    found = set()
    for tabs in QApplication.instance().allWidgets():  # type: ignore[union-attr]
        if isinstance(tabs, QTabWidget) and tabs.isVisible():
            found |= {tabs.tabText(i) for i in range(tabs.count())}
    return found


def _visible_clinical() -> list[str]:
    return [
        type(w).__name__
        for w in QApplication.allWidgets()
        if isinstance(w, CLINICAL_WIDGETS) and w.isVisible()
    ]


def _reachable_actions(window: QWidget) -> set[QAction]:
    """The window's own (shortcuts and the menu bar's menus), each visible widget's
    (context menus) and each visible button's menu."""
    found: set[QAction] = set(window.actions())
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    for menu in menus:
        found |= set(menu.actions())  # type: ignore[union-attr]
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        found |= set(widget.actions())
        if isinstance(widget, QPushButton) and widget.menu() is not None:
            found |= set(widget.menu().actions())
    return {a for a in found if a.menu() is None and not a.isSeparator()}


def _unnamed_controls(window: QWidget) -> list[QWidget]:
    kinds = (QAbstractButton, QLineEdit, QAbstractSpinBox, QPlainTextEdit)
    return [
        c
        for page in window.pages.values()  # type: ignore[attr-defined]
        for kind in kinds
        for c in page.findChildren(kind)
        if c.window() is window  # not a dialog's own buttons
        and not isinstance(c.parent(), (QLineEdit, QAbstractSpinBox))
        and not c.accessibleName()
    ]


def _walk_every_action(h: Harness, allowed_views: set[str]) -> list[str]:
    """Every menu item and every shortcut of the window, used as a person would: each
    enabled one is triggered (shortcuts by their keys); no page outside `allowed_views`
    shows and no dialog opens that is not Settings' own. Returns what was used."""
    window = h.window
    used = []
    actions = _reachable_actions(window)
    for action in sorted(actions, key=lambda a: a.text()):
        keys = action.shortcut().toString()
        if keys in SAFE_KEYS or action.text() in ("&Quit", "&Lock", "&User guide"):
            continue
        if not keys and not (action.isVisible() and action.isEnabled()):
            continue  # neither reachable from a menu nor by a key
        if keys:
            QTest.keySequence(window, QKeySequence(keys))
        elif action.isEnabled():
            action.trigger()
        QApplication.processEvents()
        worker_done()
        used.append(action.text() or keys)
        assert window.current_view() in allowed_views, (action.text(), keys)
        opened = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QDialog) and w.isVisible() and not isinstance(w, QMessageBox)
        ]
        assert [w.windowTitle() for w in opened if "About" not in w.windowTitle()] == [], (
            action.text()
        )
        for w in opened:
            w.reject()
    return used


def test_the_chooser_shows_only_with_several_logins_and_remembers_the_last(
    harness: Harness,
) -> None:
    view = harness.unlock_view
    assert not view.user.isVisible()  # one login: as before
    team = make_team(harness)
    view = harness.unlock_view
    assert view.user.isVisible()
    names = [view.user.itemText(i) for i in range(view.user.count())]
    assert names[1:] == [ASSISTANT, SUPERVISOR] and view.user.currentIndex() == 0
    unlock_as(harness, team, ASSISTANT)
    assert harness.ctx.settings.last_login == ASSISTANT
    QTest.keyClick(harness.window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert harness.window.session is None
    assert harness.window.windowTitle() == APP_NAME
    assert harness.unlock_view.user.currentText() == ASSISTANT  # remembered on this computer
    harness.ctx.settings.last_login = "Someone Gone"  # a login removed since
    harness.window.show_unlock()
    assert harness.unlock_view.user.currentIndex() == 0  # never a name that no longer exists


def test_a_wrong_passphrase_for_a_user_names_nothing(harness: Harness) -> None:
    team = make_team(harness)
    view = harness.unlock_view
    view.user.setCurrentIndex(view.logins.index(SUPERVISOR))
    harness.unlock("not the right passphrase at all")
    assert harness.window.session is None
    assert view.message.text() == WrongPassphrase().message
    assert SUPERVISOR not in view.message.text() and ASSISTANT not in view.message.text()
    assert team.secrets  # the team exists; the wrong passphrase was for a real login


def test_an_assistants_window_has_nothing_clinical(harness: Harness, team: Team) -> None:
    unlock_as(harness, team, ASSISTANT)
    window = harness.window
    assert set(window.pages) == {"schedule", "clients", "billing", "settings"}
    assert window.current_view() == "schedule"  # no Home: its cards are clinical
    assert f"{ASSISTANT} (assistant)" in window.windowTitle()
    assert f"{ASSISTANT} (assistant)" in window.state_label.text()
    hidden = [window.sidebar.isRowHidden(r) for r in range(window.sidebar.count())]
    assert hidden.count(False) == 4
    assert not any(a.isVisible() for a in window.admin_actions.values())
    assert not window.new_note_action.isEnabled()

    page = _open_first_client(harness)
    chart = page.chart
    assert chart is not None and chart.name.text() == "Quillon Canaryname"
    assert page.list.table.isColumnHidden(3)  # "Notes due" is counted from clinical notes
    assert {chart.tabs.tabText(i) for i in range(chart.tabs.count())} == ASSISTANT_TABS
    for i in range(chart.tabs.count()):
        chart.tabs.setCurrentIndex(i)
        worker_done()
    assert chart.records_button.isHidden() and chart.print_button.isHidden()
    assert not chart.overview.edit_button.isHidden()  # an assistant keeps contacts current
    assert not page.list.add_button.isHidden()
    chart.tabs.setCurrentWidget(chart.overview)
    QApplication.processEvents()
    overview = chart.overview  # no measures beside the details: Edit details right under them
    below = overview.schedule_line.mapTo(overview, overview.schedule_line.rect().bottomLeft())
    assert 0 < overview.edit_button.y() - below.y() < 10 * 8
    assert _tab_texts() <= ASSISTANT_TABS
    assert _visible_clinical() == []
    for view_id in window.pages:
        window.show_view(view_id)
        worker_done()
    assert [c.text() for c in _unnamed_controls(window)] == []
    used = _walk_every_action(harness, set(window.pages))
    assert {"&Settings…", "Clients", "Schedule"} <= set(used)
    assert _visible_clinical() == []
    seen = "\n".join(live_texts())
    assert [c for c in CLINICAL_CANARIES if c in seen] == []


def _comment_and_cosign(harness: Harness, panel: ReviewPanel) -> None:
    panel.comment.setPlainText("Consider a safety plan review next session.")
    panel.comment_button.click()
    worker_done()
    harness.qtbot.waitUntil(lambda: "safety plan" in panel.comment_list.text(), timeout=20000)
    assert panel.comment.toPlainText() == ""

    box = panel.cosign()
    assert isinstance(box, QMessageBox)
    assert "Dr. R. Lee, PhD" in box.informativeText()
    box.button(QMessageBox.StandardButton.Yes).click()
    worker_done()
    harness.qtbot.waitUntil(
        lambda: "Co-signed by Dr. R. Lee" in panel.signatures.text(), timeout=20000
    )
    assert not panel.cosign_button.isVisible()  # once per supervisor


def test_a_supervisor_reviews_and_cosigns_read_only(harness: Harness, team: Team) -> None:
    unlock_as(harness, team, SUPERVISOR)
    window = harness.window
    assert "review" in window.pages and "home" not in window.pages
    assert not {"billing", "backups", "schedule"} & set(window.pages)
    assert window.current_view() == "review"
    page = window.pages["review"]
    assert isinstance(page, ReviewPage)
    harness.qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=20000)  # n1, n3
    assert not window.new_note_action.isEnabled()
    assert not any(a.isVisible() for a in window.admin_actions.values())

    page.table.setFocus()
    page.table.selectRow(0)
    QTest.keyClick(page.table, Qt.Key.Key_Down)
    second = page.selected()
    assert second is not None and second.note_id == page.model.rows[1].note_id
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    worker_done()
    clients = window.pages["clients"]
    assert isinstance(clients, ClientsPage) and window.current_view() == "clients"
    chart = clients.chart
    assert chart is not None
    editor = chart.notes.editor
    harness.qtbot.waitUntil(
        lambda: editor.note is not None and editor.note.id == second.note_id, timeout=20000
    )
    assert editor.read_only and all(e.isReadOnly() for e in editor.editors.values())
    for button in (editor.sign_button, editor.addendum_button, editor.void_button):
        assert button.isHidden()
    assert chart.notes.new_button.isHidden() and clients.list.add_button.isHidden()
    assert chart.notes.private_toggle.isHidden()
    assert chart.overview.edit_button.isHidden()
    assert "Billing" not in {chart.tabs.tabText(i) for i in range(chart.tabs.count())}
    panel = chart.review_panel
    assert isinstance(panel, ReviewPanel)
    harness.qtbot.waitUntil(panel.cosign_button.isVisible, timeout=20000)
    assert panel.signatures.text() == "Not co-signed yet."

    _comment_and_cosign(harness, panel)
    assert window.session is not None
    cosigned = review.cosignatures(window.session, second.note_id)
    assert [c.login for c in cosigned] == [SUPERVISOR]

    window.show_view("review")
    harness.qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=20000)
    assert [c.text() for c in _unnamed_controls(window)] == []
    # Never the psychotherapy note, anywhere in the window.
    for view_id in window.pages:
        window.show_view(view_id)
        worker_done()
    _walk_every_action(harness, set(window.pages))
    assert PSYCHOTHERAPY_CANARY not in "\n".join(live_texts())


def test_the_owner_sees_the_cosignature_under_the_note(harness: Harness, team: Team) -> None:
    from tests.ui.users_support import unlock_below  # noqa: PLC0415

    lee = unlock_below(harness, SUPERVISOR, team.secrets)
    try:
        first = review.to_review(lee)[0]
        review.cosign(lee, first.note_id)
    finally:
        lee.lock()
    harness.unlock_ok()
    window = harness.window
    assert window.windowTitle() == APP_NAME and "owner" in window.state_label.text()
    assert "review" not in window.pages
    clients = window.pages["clients"]
    assert isinstance(clients, ClientsPage)
    window.show_view("clients")
    clients.open_note(first.client_id, first.note_id)
    worker_done()
    chart = clients.chart
    assert chart is not None and isinstance(chart.review_panel, ReviewPanel)
    panel = chart.review_panel
    harness.qtbot.waitUntil(
        lambda: "Co-signed by Dr. R. Lee" in panel.signatures.text(), timeout=20000
    )
    assert panel.isVisible() and not panel.comment.isVisible()  # the owner reads it
    assert SUPERVISOR_PW != STRONG


def test_the_smallest_window_fits_each_role(harness: Harness, team: Team) -> None:
    window = harness.window
    window.resize(window.minimumSize())
    for name in (ASSISTANT, SUPERVISOR):
        unlock_as(harness, team, name)
        _open_first_client(harness)
        for view_id in window.pages:
            window.show_view(view_id)
            worker_done()
            page = window.pages[view_id]
            assert page.width() <= window.width() and page.isVisible()
            hint = page.minimumSizeHint()
            assert hint.width() <= window.content.width() + 1, (name, view_id, hint)
        window.lock("manual")
        harness.qtbot.waitUntil(
            lambda: window.gate is not None and window.gate.isEnabled(), timeout=20000
        )


def test_a_supervisors_search_never_finds_a_psychotherapy_note(
    harness: Harness, team: Team
) -> None:
    from therapynotes.ui.search_view import SearchView  # noqa: PLC0415

    unlock_as(harness, team, SUPERVISOR)
    harness.window.show_view("search")
    view = harness.window.pages["search"]
    assert isinstance(view, SearchView)
    view.field.setText("Signedcanary")  # a record note: found
    view.run_search()
    harness.qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=20000)
    view.model.clear()
    view.field.setText(PSYCHOTHERAPY_CANARY)
    view.run_search()
    worker_done()
    assert view.model.rowCount() == 0
    assert PSYCHOTHERAPY_CANARY not in "\n".join(
        t for t in live_texts() if t != PSYCHOTHERAPY_CANARY
    )


def test_each_login_waits_on_its_own(harness: Harness, team: Team) -> None:
    view = harness.unlock_view
    view.user.setCurrentIndex(view.logins.index(ASSISTANT))
    for _ in range(12):
        if view.waiting:
            break
        harness.unlock("wrong horse battery staple")
    assert view.waiting and "Try again in" in view.message.text()
    assert not view.unlock_button.isEnabled()
    view.user.setCurrentIndex(0)  # the owner's tries are their own
    assert not view.waiting and view.unlock_button.isEnabled()
    assert not view.message.isVisible()
    harness.ctx.settings.last_login = ASSISTANT
    harness.window.show_unlock()  # a restart: the wait is read from their attempt log
    view = harness.unlock_view
    assert view.user.currentText() == ASSISTANT and view.waiting
    view.user.setCurrentIndex(0)
    harness.unlock_ok()
    assert harness.window.session is not None and harness.window.session.login.is_owner
    assert team.secrets


def test_the_audit_trail_filters_by_user(harness: Harness, team: Team) -> None:
    from therapynotes.ui.admin import menu  # noqa: PLC0415
    from therapynotes.ui.admin.audit_dialog import AuditTrailDialog  # noqa: PLC0415

    unlock_as(harness, team, SUPERVISOR)  # unlock, and review work under their name
    harness.window.lock("manual")
    harness.unlock_view.user.setCurrentIndex(0)  # the owner this time
    harness.unlock_ok()
    dialog = menu.open_audit_trail(harness.window)
    assert isinstance(dialog, AuditTrailDialog)
    harness.qtbot.waitUntil(lambda: bool(dialog.rows), timeout=20000)
    everyone = len(dialog.rows)
    users = [dialog.user.itemText(i) for i in range(dialog.user.count())]
    assert SUPERVISOR in users and users[0] == "Every user"
    dialog.user.setCurrentIndex(users.index(SUPERVISOR))
    harness.qtbot.waitUntil(
        lambda: bool(dialog.rows) and len(dialog.rows) < everyone, timeout=20000
    )
    assert {e.actor for e in dialog.rows} == {SUPERVISOR}
    assert dialog.table.item(0, 4).text() == SUPERVISOR
    dialog.reject()


def test_another_logins_lock_closes_the_vault_without_a_backup(
    harness: Harness, team: Team, tmp_path: Path
) -> None:
    """Backups are the owner's: with a backup folder set, an assistant's lock (their
    unlock changed the vault: its audit rows) closes the vault and backs nothing up."""
    folder = tmp_path / "usb"
    folder.mkdir()
    harness.ctx.settings.backup_folder = str(folder)
    unlock_as(harness, team, ASSISTANT)
    assert harness.window.backup_label.text() == ""
    harness.window.lock("manual")
    assert harness.window.session is None and not harness.window.backups.busy
    assert list(folder.iterdir()) == []


def test_the_owners_open_note_is_not_put_back_for_another_login(
    harness: Harness, team: Team
) -> None:
    harness.unlock_ok()
    window = harness.window
    page = _open_first_client(harness)
    assert page.chart is not None
    page.chart.show_notes()
    notes = page.chart.notes
    harness.qtbot.waitUntil(lambda: notes.model.rowCount() > 0, timeout=20000)
    notes.open_note(notes.model.rows[0].id)
    worker_done()
    assert window.ctx.settings.place(window.session.vault_id).get("note")  # type: ignore[union-attr]
    window.lock("manual")
    unlock_as(harness, team, SUPERVISOR)
    clients = window.pages["clients"]
    assert isinstance(clients, ClientsPage)
    worker_done()
    assert window.current_view() == "review" and clients.chart is None


def test_a_review_comment_being_typed_comes_back_after_a_lock(harness: Harness, team: Team) -> None:
    unlock_as(harness, team, SUPERVISOR)
    window = harness.window
    page = window.pages["review"]
    assert isinstance(page, ReviewPage)
    harness.qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=20000)
    item = page.model.rows[0]
    page.table.selectRow(0)
    page.open_selected()
    worker_done()
    clients = window.pages["clients"]
    assert isinstance(clients, ClientsPage) and clients.chart is not None
    panel = clients.chart.review_panel
    assert isinstance(panel, ReviewPanel)
    harness.qtbot.waitUntil(lambda: panel.note is not None, timeout=20000)
    panel.comment.setPlainText("Half a thought about the formulation")
    window.lock_action.trigger()
    assert window.session is None
    harness.flush_deletes()
    unlock_as(harness, team, SUPERVISOR)
    worker_done()
    clients = window.pages["clients"]
    assert isinstance(clients, ClientsPage)
    harness.qtbot.waitUntil(
        lambda: (
            clients.chart is not None
            and isinstance(clients.chart.review_panel, ReviewPanel)
            and clients.chart.review_panel.comment.toPlainText() != ""
        ),
        timeout=20000,
    )
    chart = clients.chart
    assert chart is not None and isinstance(chart.review_panel, ReviewPanel)
    assert chart.review_panel.comment.toPlainText() == "Half a thought about the formulation"
    assert chart.notes.editor.note is not None and chart.notes.editor.note.id == item.note_id


def test_each_logins_settings_are_their_own(harness: Harness, team: Team) -> None:
    from therapynotes.ui.users.login_settings import SigningLineGroup  # noqa: PLC0415
    from therapynotes.ui.users.users_group import UsersGroup  # noqa: PLC0415

    unlock_as(harness, team, SUPERVISOR)
    window = harness.window
    window.show_view("settings")
    panel = window.pages["settings"]
    assert panel.findChild(UsersGroup) is None
    assert not hasattr(panel, "locking") and not hasattr(panel, "backups")
    signing = panel.findChild(SigningLineGroup)
    assert isinstance(signing, SigningLineGroup)
    harness.qtbot.waitUntil(lambda: "Dr. R. Lee" in signing.line.text(), timeout=20000)
    signing.line.setText("Dr. R. Lee, PhD, supervisor")
    signing.save.click()
    worker_done()
    assert signing.message.text() == "Saved."
    assert review.signature(window.session) == "Dr. R. Lee, PhD, supervisor"  # type: ignore[arg-type]
    window.lock("manual")
    unlock_as(harness, team, ASSISTANT)
    window.show_view("settings")
    panel = window.pages["settings"]
    assert panel.findChild(UsersGroup) is None and panel.findChild(SigningLineGroup) is None
    assert hasattr(panel, "practice")  # the practice details are the front desk's too


def test_a_kept_form_goes_back_to_the_login_that_typed_it(harness: Harness, team: Team) -> None:
    from therapynotes.ui.client_dialog import ClientDialog  # noqa: PLC0415

    def open_add_client() -> list[ClientDialog]:
        return [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, ClientDialog) and w.isVisible()
        ]

    harness.unlock_ok()
    window = harness.window
    window.show_view("clients")
    page = window.pages["clients"]
    assert isinstance(page, ClientsPage)
    dialog = page.list.add_client()
    dialog.legal_name.setText("Ottoline Keptform")
    window.lock_action.trigger()
    unlock_as(harness, team, SUPERVISOR)
    worker_done()
    assert open_add_client() == []  # the owner's, not offered to the supervisor
    window.lock("manual")
    harness.qtbot.waitUntil(
        lambda: window.gate is not None and window.gate.isEnabled(), timeout=20000
    )
    harness.unlock_view.user.setCurrentIndex(0)
    harness.unlock_ok()
    worker_done()
    back = open_add_client()
    assert len(back) == 1 and back[0].legal_name.text() == "Ottoline Keptform"
