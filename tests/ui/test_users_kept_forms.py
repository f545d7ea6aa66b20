"""Nothing an assistant types is lost (issue 17 follow-up): their half-filled Add client
and appointment are kept through a lock (the Lock action, and idle) in vault.db, the file
their key opens, never in clinical.db; they come back after the assistant unlocks again,
and to nobody else. The owner's clinical dialogs still land in clinical.db."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from PySide6.QtCore import QTime
from PySide6.QtWidgets import QApplication, QDialog

from tests.conftest import STRONG
from tests.support.pages import count_hits, data_keys
from tests.ui.conftest import Harness
from tests.ui.users_support import ASSISTANT, SUPERVISOR, Team, make_team, unlock_as
from tests.ui.waits import worker_done
from therapynotes.services.records import RecordsService
from therapynotes.store.connection import clinical_path
from therapynotes.ui.billing.dialogs import PaymentDialog
from therapynotes.ui.chart_tabs.plan import PlanDialog
from therapynotes.ui.client_dialog import ClientDialog
from therapynotes.ui.clients_page import ClientsPage
from therapynotes.ui.schedule.booking_dialog import BookingDialog
from therapynotes.ui.schedule.week_view import SchedulePage

WAIT = 20000
ADD = "Addcanary"
BOOK = "Bookcanary"
PLAN = "Plancanarykept"
D = TypeVar("D", bound=QDialog)


@pytest.fixture
def team(harness: Harness) -> Team:
    return make_team(harness)


def _shown(kind: type[D]) -> list[D]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def _back(h: Harness, kind: type[D]) -> D:
    h.qtbot.waitUntil(lambda: len(_shown(kind)) == 1, timeout=WAIT)
    return _shown(kind)[0]


def _clients(h: Harness) -> ClientsPage:
    page = h.window.pages["clients"]
    assert isinstance(page, ClientsPage)
    return page


def _schedule(h: Harness) -> SchedulePage:
    h.window.show_view("schedule")
    page = h.window.pages["schedule"]
    assert isinstance(page, SchedulePage)
    h.qtbot.waitUntil(lambda: page.week is not None, timeout=WAIT)
    return page


def _lock_by_action(h: Harness) -> None:
    assert h.window.lock_action.isEnabled()
    h.window.lock_action.trigger()


def _lock_when_idle(h: Harness) -> None:
    h.records_settled()
    h.clock.advance(h.window.idle.timeout_seconds + 1)
    h.window.idle.tick()


LOCKS: dict[str, Callable[[Harness], None]] = {"lock": _lock_by_action, "idle": _lock_when_idle}


def _locked(h: Harness) -> None:
    """The vault closed; no dialog left on screen."""
    assert h.window.session is None
    h.flush_deletes()
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog)]
    h.qtbot.waitUntil(lambda: h.window.gate is not None and h.window.gate.isEnabled(), timeout=WAIT)


def _hits_per_file(h: Harness, needles: list[str]) -> tuple[dict[bytes, int], dict[bytes, int]]:
    """Each canary's count in vault.db and in clinical.db, read below the app with the
    owner's keys while the window is locked."""
    session = h.ctx.vault.unlock(STRONG, h.next_code())
    try:
        keys = data_keys(session)
        for schema in ("main", "clinical"):
            session.conn.execute(f"PRAGMA {schema}.wal_checkpoint(TRUNCATE)").fetchall()
        raw = [n.encode() for n in needles]
        vault = count_hits(session.paths.db, keys[:32], raw)
        clinical = count_hits(clinical_path(session.paths.db), keys[32:], raw)
    finally:
        session.lock()
    return vault, clinical


def _kept(h: Harness) -> list[str]:
    return [d.kind for d in _clients(h).records.call(lambda s: s.form_drafts())]


def _half_fill_add_client_and_booking(h: Harness) -> None:
    h.window.show_view("clients")
    add = _clients(h).list.add_client()
    add.legal_name.setText(f"Bea {ADD}")
    add.phone.setText("555 0100")
    booking = _schedule(h).book()
    assert booking is not None
    booking.memo.setPlainText(f"bring the intake forms {BOOK}")
    booking.start.setTime(QTime(14, 30))


@pytest.mark.parametrize("how", sorted(LOCKS))
def test_an_assistants_typing_comes_back_after_a_lock(
    harness: Harness, team: Team, how: str
) -> None:
    h = harness
    unlock_as(h, team, ASSISTANT)
    _half_fill_add_client_and_booking(h)
    LOCKS[how](h)
    _locked(h)
    vault, clinical = _hits_per_file(h, [ADD, BOOK])
    assert vault == {ADD.encode(): 1, BOOK.encode(): 1}  # kept where their key reaches
    assert clinical == {ADD.encode(): 0, BOOK.encode(): 0}  # never beside clinical text

    unlock_as(h, team, ASSISTANT)
    add = _back(h, ClientDialog)
    assert add.windowTitle() == "Add client"
    assert (add.legal_name.text(), add.phone.text()) == (f"Bea {ADD}", "555 0100")
    booking = _back(h, BookingDialog)
    assert booking.memo.toPlainText() == f"bring the intake forms {BOOK}"
    assert booking.start.time() == QTime(14, 30)
    assert sorted(_kept(h)) == ["appointment.book", "client.add"]  # until saved or cancelled
    booking.reject()
    add.accept()  # Add client saved: the client is theirs to see
    h.records_settled()
    h.qtbot.waitUntil(lambda: _kept(h) == [], timeout=WAIT)
    worker_done()
    names = [c.display_name for c in _clients(h).records.service.list_clients()]
    assert f"Bea {ADD}" in names


def test_the_assistants_typing_returns_to_them_only(harness: Harness, team: Team) -> None:
    """The supervisor and the owner unlock over the assistant's kept forms: nothing of
    theirs opens, the forms stay; the owner's own clinical form lands in clinical.db and
    comes back to the owner as before."""
    h = harness
    unlock_as(h, team, ASSISTANT)
    _half_fill_add_client_and_booking(h)
    _lock_by_action(h)
    _locked(h)

    unlock_as(h, team, SUPERVISOR)
    worker_done()
    assert _shown(ClientDialog) == [] and _shown(BookingDialog) == []
    session = h.window.session
    assert session is not None
    kinds = [d.kind for d in RecordsService(session, clock=h.clock).form_drafts()]
    assert sorted(kinds) == ["appointment.book", "client.add"]
    _lock_by_action(h)
    _locked(h)

    h.unlock_view.user.setCurrentIndex(0)  # the owner
    h.unlock_ok()
    worker_done()
    assert _shown(ClientDialog) == [] and _shown(BookingDialog) == []
    h.window.show_view("clients")
    chart = _clients(h).open_client(team.chart.client)
    assert chart is not None
    h.qtbot.waitUntil(lambda: chart.chart is not None, timeout=WAIT)
    chart.tabs.setCurrentWidget(chart.plan)
    dialog = chart.plan.new_version()
    assert dialog is not None
    dialog.problem.setText(f"Sleep {PLAN}")
    _lock_when_idle(h)
    _locked(h)
    vault, clinical = _hits_per_file(h, [PLAN, ADD])
    assert (vault[PLAN.encode()], clinical[PLAN.encode()]) == (0, 1)  # clinical text
    assert (vault[ADD.encode()], clinical[ADD.encode()]) == (1, 0)  # still the assistant's

    h.unlock_view.user.setCurrentIndex(0)
    h.unlock_ok()
    back = _back(h, PlanDialog)
    assert back.problem.text() == f"Sleep {PLAN}"
    assert _shown(ClientDialog) == []
    back.reject()
    h.qtbot.waitUntil(lambda: sorted(_kept(h)) == ["appointment.book", "client.add"], timeout=WAIT)


def _open_chart(h: Harness, team: Team):  # type: ignore[no-untyped-def]
    h.window.show_view("clients")
    chart = _clients(h).open_client(team.chart.client)
    assert chart is not None
    h.qtbot.waitUntil(lambda: chart.chart is not None, timeout=WAIT)
    return chart


def _edit_details(h: Harness, team: Team, canary: str) -> Callable[[], None]:
    chart = _open_chart(h, team)
    chart.tabs.setCurrentWidget(chart.overview)
    dialog = chart.overview.edit()
    assert isinstance(dialog, ClientDialog)
    dialog.phone.setText(canary)

    def check() -> None:
        back = _back(h, ClientDialog)
        assert back.windowTitle() != "Add client" and back.phone.text() == canary
        back.reject()

    return check


def _payment(h: Harness, team: Team, canary: str) -> Callable[[], None]:
    chart = _open_chart(h, team)
    chart.tabs.setCurrentWidget(chart.billing)
    h.qtbot.waitUntil(lambda: chart.billing.ledger is not None, timeout=WAIT)
    dialog = chart.billing.take_payment()
    assert dialog is not None
    dialog.amount.setText("40.00")
    dialog.reference.setText(canary)

    def check() -> None:
        back = _back(h, PaymentDialog)
        assert (back.amount.text(), back.reference.text()) == ("40.00", canary)
        back.reject()

    return check


def _practice(h: Harness, _team: Team, canary: str) -> Callable[[], None]:
    h.window.show_view("settings")
    practice = h.window.pages["settings"].practice  # type: ignore[attr-defined]
    practice.name.setText(f"Practice {canary}")

    def check() -> None:
        h.qtbot.waitUntil(lambda: h.window.current_view() == "settings", timeout=WAIT)
        page = h.window.pages["settings"]
        assert page.practice.name.text() == f"Practice {canary}"  # type: ignore[attr-defined]
        assert page.has_unsaved()  # type: ignore[attr-defined]

    return check


WALK: dict[str, Callable[[Harness, Team, str], Callable[[], None]]] = {
    "Editcanary": _edit_details,
    "Paycanary": _payment,
    "Practicecanary": _practice,
}


def test_the_assistants_other_forms_are_kept_in_vault_db_only(harness: Harness, team: Team) -> None:
    """Walk the assistant's other forms (Edit details, Take payment, Settings' practice
    details), one lock each: the typing is kept in vault.db, never in clinical.db, and
    comes back."""
    h = harness
    for canary, fill in WALK.items():
        unlock_as(h, team, ASSISTANT)
        check = fill(h, team, canary)
        _lock_by_action(h)
        _locked(h)
        vault, clinical = _hits_per_file(h, [canary])
        assert (vault[canary.encode()], clinical[canary.encode()]) == (1, 0), canary
        unlock_as(h, team, ASSISTANT)
        check()
        _lock_by_action(h)  # Settings' unsaved changes are kept again: fine
        _locked(h)


def test_every_kept_dialog_is_decided_shared_or_clinical() -> None:
    """Each kind a lock keeps and an unlock reopens (every opener) is listed as shared
    (vault.db) or clinical (clinical.db): a new dialog must be decided, not defaulted
    (docs/formats.md "Form drafts" lists them)."""
    import re  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    import therapynotes.ui.measures.panel  # noqa: F401, PLC0415 - registers its openers
    from therapynotes.store.form_drafts import CLINICAL_KINDS, SHARED_KINDS  # noqa: PLC0415
    from therapynotes.ui.admin import menu  # noqa: PLC0415
    from therapynotes.ui.form_drafts import OPENERS  # noqa: PLC0415
    from therapynotes.ui.users import review_panel, users_group  # noqa: PLC0415

    for module in (menu, review_panel, users_group):
        module.register_forms()
    assert set(OPENERS) == SHARED_KINDS | CLINICAL_KINDS
    doc = (Path(__file__).parents[2] / "docs" / "formats.md").read_text("utf-8")
    section = doc[doc.index("## Form drafts") : doc.index("## Spelling")]
    assert set(re.findall(r"`([a-z_]+(?:\.[a-z_]+)?)`", section)) >= set(OPENERS)


class _ClinicalForm(QDialog):
    """A clinical form somehow open in an assistant's window (none is, by design)."""

    def form_state(self) -> dict[str, str]:
        return {"text": "clinical"}

    def restore_state(self, _state: dict[str, str]) -> None:
        return


def test_a_clinical_form_open_for_an_assistant_does_not_cost_their_others(
    harness: Harness, team: Team
) -> None:
    from therapynotes.ui.form_drafts import tag  # noqa: PLC0415

    h = harness
    unlock_as(h, team, ASSISTANT)
    h.window.show_view("clients")
    add = _clients(h).list.add_client()
    add.legal_name.setText(f"Bea {ADD}")
    odd = _ClinicalForm(h.window)
    tag(odd, "note.new", team.chart.client)
    odd.show()
    _lock_by_action(h)
    _locked(h)
    unlock_as(h, team, ASSISTANT)
    assert _back(h, ClientDialog).legal_name.text() == f"Bea {ADD}"
    assert _kept(h) == ["client.add"]


def _boxes() -> list[str]:
    from PySide6.QtWidgets import QMessageBox  # noqa: PLC0415

    return [w.text() for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]


def test_an_assistants_chart_asks_for_no_measures(harness: Harness, team: Team) -> None:
    """The assistant's chart (opened, then put back after a lock) never asks for the
    measures it does not show: no refusal box over it, no refusal in the audit log."""
    from therapynotes.store import audit  # noqa: PLC0415
    from therapynotes.store.audit import AuditKind  # noqa: PLC0415

    h = harness
    unlock_as(h, team, ASSISTANT)
    _open_chart(h, team)
    worker_done()
    h.records_settled()
    assert _boxes() == []
    _lock_by_action(h)
    _locked(h)
    unlock_as(h, team, ASSISTANT)  # the chart is put back where they left it
    h.qtbot.waitUntil(lambda: _clients(h).chart is not None, timeout=WAIT)
    worker_done()
    h.records_settled()
    assert _boxes() == []
    _lock_by_action(h)
    _locked(h)
    session = h.ctx.vault.unlock(STRONG, h.next_code())
    try:
        refused = [e for e in audit.entries(session.conn) if e.kind is AuditKind.ACCESS_REFUSED]
    finally:
        session.lock()
    assert refused == []
