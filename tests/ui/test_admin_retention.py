"""Records retention in the window (issue 16): the due list from a real vault, a legal
hold placed and released with a reason, a purge refused before the retention date
without a reason, done with one, and done after the date with the two confirmations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.records import add_client
from tests.ui.conftest import Harness
from therapynotes.domain.enums import Modality
from therapynotes.domain.ids import ClientId
from therapynotes.records_errors import ClientNotFound
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.store import audit
from therapynotes.ui.admin import menu
from therapynotes.ui.admin.retention_dialog import RetentionDialog

WAIT = 20000


def _seen(records: RecordsService, client: ClientId, when: datetime) -> None:
    records.log_session(
        [client],
        starts_at=when - timedelta(minutes=45),
        ends_at=when,
        service_code="90834",
        modality=Modality.IN_PERSON,
    )


@pytest.fixture
def practice(unlocked: Harness) -> tuple[Harness, ClientId, ClientId]:
    session = unlocked.window.session
    assert session is not None
    records = RecordsService(session, clock=unlocked.clock)
    now = datetime.fromtimestamp(unlocked.clock(), UTC)
    old = add_client(records, "Olive Oldfield", intake_date="2010-01-04")
    _seen(records, old, now - timedelta(days=365 * 9))
    recent = add_client(records, "Rita Recent")
    _seen(records, recent, now - timedelta(days=3))
    return unlocked, old, recent


def _dialog(h: Harness) -> RetentionDialog:
    dialog = menu.open_retention(h.window)
    assert isinstance(dialog, RetentionDialog)
    h.qtbot.waitUntil(
        lambda: not dialog.busy.isVisible() and dialog.rule.text() != "", timeout=WAIT
    )
    return dialog


def _names(dialog: RetentionDialog) -> list[str]:
    return [row.name for row in dialog.rows]


def _every(h: Harness, dialog: RetentionDialog) -> None:
    dialog.show_which.setCurrentIndex(1)
    h.qtbot.waitUntil(lambda: len(dialog.rows) == 2, timeout=WAIT)


def test_due_list_and_legal_hold(practice: tuple[Harness, ClientId, ClientId]) -> None:
    h, old, _recent = practice
    dialog = _dialog(h)
    assert _names(dialog) == ["Olive Oldfield"]
    assert "7 years after the last service" in dialog.rule.text()
    assert dialog.table.item(0, 3).text() == "Due for destruction"
    dialog.select_client(old)
    assert dialog.hold_button.isEnabled() and not dialog.release_button.isEnabled()
    dialog.hold_button.click()
    reason = dialog.reason_dialog
    assert reason is not None
    reason.ok_button.click()  # no reason: refused in place
    assert reason.isVisible() and "reason" in reason.message.text()
    reason.reason_field.setText("  subpoena   received ")
    reason.ok_button.click()
    h.qtbot.waitUntil(lambda: dialog.rows == [], timeout=WAIT)  # held: no longer due
    assert "Legal hold placed for Olive Oldfield" in dialog.message.text()
    _every(h, dialog)
    dialog.select_client(old)
    assert dialog.selected() is not None and dialog.selected().state == "On legal hold"  # type: ignore[union-attr]
    assert not dialog.purge_button.isEnabled()
    dialog.release_button.click()
    assert dialog.reason_dialog is not None
    dialog.reason_dialog.reason_field.setText("case settled")
    dialog.reason_dialog.ok_button.click()
    h.qtbot.waitUntil(
        lambda: (
            [r.state for r in dialog.rows if r.status.client_id == old] == ["Due for destruction"]
        ),
        timeout=WAIT,
    )
    session = h.window.session
    assert session is not None
    holds = [e for e in audit.entries(session.conn) if e.kind == "retention.hold"]
    assert [(e.detail["held"], e.detail["reason"]) for e in holds] == [
        (True, "subpoena received"),
        (False, "case settled"),
    ]


def _purge_through(h: Harness, dialog: RetentionDialog, client: ClientId, reason: str) -> None:
    dialog.select_client(client)
    dialog.purge_button.click()
    h.qtbot.waitUntil(lambda: dialog.purge_dialog is not None, timeout=WAIT)
    purge = dialog.purge_dialog
    assert purge is not None
    if reason:
        purge.reason_field.setText(reason)
    purge.continue_button.click()
    assert purge.stack.currentIndex() == 0  # the box is not ticked yet
    purge.understood.setChecked(True)
    purge.continue_button.click()
    assert purge.stack.currentIndex() == 1
    purge.destroy_button.click()
    h.qtbot.waitUntil(lambda: not purge.isVisible(), timeout=WAIT)


def test_purge_after_the_retention_date(practice: tuple[Harness, ClientId, ClientId]) -> None:
    h, old, recent = practice
    dialog = _dialog(h)
    _purge_through(h, dialog, old, "")
    h.qtbot.waitUntil(lambda: dialog.rows == [], timeout=WAIT)
    assert "was destroyed" in dialog.message.text()
    session = h.window.session
    assert session is not None
    records = RecordsService(session, clock=h.clock)
    with pytest.raises(ClientNotFound):
        records.get_client(old)
    assert records.get_client(recent).display_name == "Rita Recent"
    purged = [e for e in audit.entries(session.conn) if e.kind == "retention.purged"]
    assert len(purged) == 1 and "reason" not in purged[0].detail


def test_purge_refused_before_the_date_without_a_reason(
    practice: tuple[Harness, ClientId, ClientId],
) -> None:
    h, _old, recent = practice
    dialog = _dialog(h)
    _every(h, dialog)
    dialog.select_client(recent)
    dialog.purge_button.click()
    h.qtbot.waitUntil(lambda: dialog.purge_dialog is not None, timeout=WAIT)
    purge = dialog.purge_dialog
    assert purge is not None and purge.early
    purge.understood.setChecked(True)
    purge.continue_button.click()
    assert purge.stack.currentIndex() == 0
    assert "needs a reason" in purge.first_message.text()
    purge.reject()
    session = h.window.session
    assert session is not None
    assert RetentionService(session, clock=h.clock).status(recent).client_id == recent
    # with the reason, the same record goes, and the audit row keeps the date overridden
    _purge_through(h, dialog, recent, "client's written request")
    h.qtbot.waitUntil(lambda: len(dialog.rows) == 1, timeout=WAIT)
    with pytest.raises(ClientNotFound):
        RecordsService(session, clock=h.clock).get_client(recent)
    purged = [e for e in audit.entries(session.conn) if e.kind == "retention.purged"]
    assert purged[-1].detail["reason"] == "client's written request"
    assert "before_retention_date" in purged[-1].detail


def test_lock_closes_the_dialog(practice: tuple[Harness, ClientId, ClientId]) -> None:
    h, _old, _recent = practice
    dialog = _dialog(h)
    h.window.lock("manual")
    h.qtbot.waitUntil(lambda: h.window.session is None, timeout=WAIT)
    assert not dialog.isVisible()
    assert not h.window.admin_actions["Records retention"].isEnabled()


def test_a_lock_keeps_the_reasons_typed(practice: tuple[Harness, ClientId, ClientId]) -> None:
    """The hold's reason and an early purge's reason come back after a lock, over the
    same client, kept only inside the vault meanwhile."""
    h, old, recent = practice
    dialog = _dialog(h)
    dialog.select_client(old)
    hold = dialog.ask_hold(held=True)
    assert hold is not None
    hold.reason_field.setText("Lockcanary subpoena")
    h.window.lock("idle")
    h.qtbot.waitUntil(lambda: h.window.session is None, timeout=WAIT)
    files = b"".join(p.read_bytes() for p in h.ctx.vault.paths.root.iterdir() if p.is_file())
    assert b"Lockcanary" not in files
    h.unlock_ok()
    h.qtbot.waitUntil(
        lambda: (
            isinstance(h.window.admin_dialog, RetentionDialog)
            and h.window.admin_dialog.reason_dialog is not None
            and h.window.admin_dialog.reason_dialog.isVisible()
        ),
        timeout=WAIT,
    )
    again = h.window.admin_dialog
    assert isinstance(again, RetentionDialog) and again.reason_dialog is not None
    assert again.reason_dialog.reason_field.text() == "Lockcanary subpoena"
    assert again.reason_dialog.row.status.client_id == old and again.reason_dialog.held
    again.reason_dialog.ok_button.click()
    h.qtbot.waitUntil(
        lambda: [r.state for r in again.rows if r.status.client_id == old] == ["On legal hold"],
        timeout=WAIT,
    )

    again.select_client(recent)
    again.ask_purge()
    h.qtbot.waitUntil(lambda: again.purge_dialog is not None, timeout=WAIT)
    assert again.purge_dialog is not None
    again.purge_dialog.reason_field.setText("written request, kept")
    h.window.lock("idle")
    h.qtbot.waitUntil(lambda: h.window.session is None, timeout=WAIT)
    h.unlock_ok()
    h.qtbot.waitUntil(
        lambda: (
            isinstance(h.window.admin_dialog, RetentionDialog)
            and h.window.admin_dialog.purge_dialog is not None
            and h.window.admin_dialog.purge_dialog.isVisible()
        ),
        timeout=WAIT,
    )
    third = h.window.admin_dialog
    assert isinstance(third, RetentionDialog) and third.purge_dialog is not None
    assert third.purge_dialog.reason_field.text() == "written request, kept"
    assert third.purge_dialog.row.status.client_id == recent
