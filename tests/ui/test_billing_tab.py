"""The chart's Billing tab on real widgets over a real vault: sessions are charged at
the fee on their date, a payment is taken (a bad amount is refused in the dialog), a
charge is written off, every document is made as a PDF where the therapist saves it,
and a payment being typed survives a lock."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from tests.support.billing import session_on
from tests.support.pdf import pdf_text
from tests.ui.conftest import Harness, save_settings
from tests.ui.test_dialogs_survive_lock import _back, _idle_lock_and_unlock, _kept, _save
from tests.ui.test_records_flow import clients, settled
from therapynotes.domain.billing import Practice
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import ClientFields
from therapynotes.services.billing import BillingService
from therapynotes.store import audit
from therapynotes.ui.billing.dialogs import PaymentDialog
from therapynotes.ui.billing.page import BillingPage, FeeColumn
from therapynotes.ui.billing.settings_practice import PracticeSettingsGroup
from therapynotes.ui.chart_tabs.billing import BillingTab, LedgerColumn
from therapynotes.ui.client_view import ClientChartView

CANARY = "Tabcanary"


def _practice(h: Harness) -> tuple[ClientChartView, ClientId]:
    h.window.show_view("clients")
    page = clients(h)
    service = page.records.service
    ada = service.create_client(
        ClientFields(legal_name="Ada Billing", date_of_birth="1988-04-02", address="9 Elm Rd")
    )
    service.add_diagnosis(ada, "F41.1", primary=True, onset_date="2026-01-01")
    billing = BillingService(service.session, clock=h.clock)
    billing.set_practice(Practice("Elm Counselling", tax_id="12-3456789"))
    billing.set_fee("90834", 150_00, effective_from="2026-01-01")
    first = session_on(service, ada, "2026-03-02")
    session_on(service, ada, "2026-03-09")
    note = service.start_note(ada, "freeform", session_id=first, sections={"text": CANARY})
    service.sign_note(note)
    page.list.refresh()
    return settled(h, page.open_client(ada)), ada


def _billing(h: Harness, chart: ClientChartView) -> BillingTab:
    tab = chart.billing
    chart.tabs.setCurrentWidget(tab)
    h.qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=20000)
    return tab


def _status(tab: BillingTab) -> list[tuple[str, str]]:
    return [(r.entry.entry_date, r.charge.status) for r in tab.model.rows if r.charge is not None]


def test_billing_tab_charges_takes_a_payment_and_writes_off(unlocked: Harness) -> None:
    h = unlocked
    chart, _ = _practice(h)
    tab = _billing(h, chart)
    assert tab.balance.text() == "Balance due: $300.00"
    assert [chart.tabs.tabText(i) for i in range(chart.tabs.count())][-2:] == ["Billing", "History"]

    dialog = tab.take_payment()
    assert dialog is not None
    dialog.amount.setText("12.345")
    dialog.ok.click()
    assert dialog.isVisible() and "two decimals" in dialog.message.text()
    dialog.amount.setText("-3")
    dialog.ok.click()
    assert dialog.isVisible() and "negative" in dialog.message.text()
    dialog.amount.setText("200")
    dialog.reference.setText("cheque 1042")
    dialog.method.setCurrentIndex(dialog.method.findData("cheque"))
    dialog.ok.click()
    h.qtbot.waitUntil(lambda: tab.balance.text() == "Balance due: $100.00", timeout=20000)
    assert _status(tab) == [("2026-03-09", "partly paid"), ("2026-03-02", "paid")]
    entries = [tab.model.display(r, LedgerColumn.ENTRY) for r in tab.model.rows]
    assert any(e.startswith("Payment: Cheque · cheque 1042") for e in entries)

    tab.select_entry(next(r.entry.id for r in tab.model.rows if r.charge and r.charge.open))
    assert tab.buttons["Write off"].isEnabled()
    off = tab.write_off()
    assert off is not None and off.amount.text() == "100.00"
    off.ok.click()
    assert off.isVisible() and "reason" in off.message.text()
    off.reason.setText("sliding scale")
    off.ok.click()
    h.qtbot.waitUntil(lambda: tab.balance.text() == "Nothing owed.", timeout=20000)
    assert _status(tab)[0] == ("2026-03-09", "paid")

    # The cheque bounced: Correct… cancels the payment by a new entry, with a reason.
    tab.select_entry(next(r.entry.id for r in tab.model.rows if r.entry.kind.value == "payment"))
    assert tab.buttons["Correct"].isEnabled()
    fix = tab.correct()
    assert fix is not None
    fix.ok.click()
    assert fix.isVisible() and "reason" in fix.message.text()
    fix.reason.setText("cheque bounced")
    fix.ok.click()
    h.qtbot.waitUntil(lambda: tab.balance.text() == "Balance due: $200.00", timeout=20000)
    kinds = [r.entry.kind.value for r in tab.model.rows]
    assert kinds.count("reversal") == 1 and len(kinds) == 5  # nothing edited or deleted


def test_each_document_is_saved_where_asked(unlocked: Harness, tmp_path: Path) -> None:
    h = unlocked
    chart, _ = _practice(h)
    tab = _billing(h, chart)
    tab.ask_save_path = lambda kind: tmp_path / f"{kind}.pdf"  # type: ignore[method-assign]
    payment = tab.take_payment()
    assert payment is not None
    payment.amount.setText("150")
    payment.ok.click()
    h.qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=20000)
    tab.select_entry(next(r.entry.id for r in tab.model.rows if r.charge is None))
    assert tab.buttons["Receipt"].isEnabled()
    tab.receipt()
    for opener in (tab.superbill, tab.statement, tab.estimate):
        dialog = opener()
        assert dialog is not None
        dialog.date_from.set_iso("2026-01-01")
        dialog.date_to.set_iso("2026-12-31")
        dialog.ok.click()
    for kind in ("receipt", "superbill", "statement", "estimate"):
        path = tmp_path / f"{kind}.pdf"
        h.qtbot.waitUntil(path.exists, timeout=20000)
        h.qtbot.waitUntil(lambda p=path: "Ada Billing" in pdf_text(p), timeout=20000)
        text = pdf_text(path)
        assert CANARY not in text, kind
    superbill = " ".join(pdf_text(tmp_path / "superbill.pdf").split())
    assert "2026-03-02 11 90834 F41.1 1 $150.00 $150.00" in superbill
    assert "Good Faith Estimate" in pdf_text(tmp_path / "estimate.pdf")
    h.qtbot.waitUntil(lambda: getattr(tab, "saved_box", None) is not None, timeout=20000)
    rows = tab.billing.call(lambda b: audit.entries(b.conn))
    exports = [e.detail.get("kind") for e in rows if e.kind == "export"]
    assert sorted(exports) == ["estimate", "receipt", "statement", "superbill"]


def test_a_payment_being_typed_survives_a_lock(unlocked: Harness) -> None:
    h = unlocked
    chart, _ = _practice(h)
    tab = _billing(h, chart)
    dialog = tab.take_payment()
    assert dialog is not None
    dialog.amount.setText("75.50")
    dialog.reference.setText("card 4242")
    _idle_lock_and_unlock(h)
    back = _back(h, PaymentDialog)
    assert (back.amount.text(), back.reference.text()) == ("75.50", "card 4242")
    assert _kept(h) == 1
    _save(h, back)
    h.qtbot.waitUntil(lambda: _kept(h) == 0, timeout=20000)
    page = clients(h)
    view = page.chart
    assert view is not None
    h.qtbot.waitUntil(lambda: view.billing.balance.text() == "Balance due: $224.50",
                      timeout=20000)  # fmt: skip
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, PaymentDialog)
                and w.isVisible()]  # fmt: skip


def test_practice_details_in_settings(unlocked: Harness) -> None:
    h = unlocked
    session = h.window.session
    assert session is not None
    h.window.show_view("settings")
    group = h.window.pages["settings"].practice  # type: ignore[attr-defined]
    forms = h.window.pages["settings"].forms  # type: ignore[attr-defined]
    group.name.setText("Elm Counselling")
    group.address.setPlainText("9 Elm Rd\nSpringfield, IL")
    group.tax_id.setText("12-3456789")
    group.npi.setText("1234567890")
    assert not forms.save()  # refused, the message under the practice NPI
    assert "NPI is not valid" in group.notes[group.npi].text()
    group.npi.setText("1234567893")
    group.place.setCurrentIndex(group.place.findData("10"))
    group.years.setValue(10)
    save_settings(h)
    billing = BillingService(session)
    with session.db_lock:
        assert billing.practice() == Practice(
            "Elm Counselling", "9 Elm Rd\nSpringfield, IL", "", "12-3456789", "1234567893", "10"
        )
        assert billing.retention_years() == 10
    again = PracticeSettingsGroup(session)
    h.qtbot.addWidget(again)
    assert (again.name.text(), again.place.currentData(), again.years.value()) == (
        "Elm Counselling", "10", 10
    )  # fmt: skip


def test_billing_page_sets_fees_and_home_lists_old_unpaid_balances(unlocked: Harness) -> None:
    h = unlocked
    chart, ada = _practice(h)
    h.window.show_view("home")
    home = h.window.pages["home"]
    card = home.unpaid_card  # type: ignore[attr-defined]
    h.qtbot.waitUntil(lambda: "Ada Billing $300.00" in card.text.text(), timeout=20000)

    h.window.show_view("billing")
    page = h.window.pages["billing"]
    assert isinstance(page, BillingPage)
    h.qtbot.waitUntil(lambda: page.unpaid_model.rowCount() == 1, timeout=20000)
    assert page.fee_model.rowCount() == 1
    dialog = page.set_fee()
    dialog.code.setCurrentIndex(dialog.code.findData("no_show"))
    dialog.amount.setText("1,000.001")
    dialog.ok.click()
    assert dialog.isVisible() and "two decimals" in dialog.message.text()
    dialog.amount.setText("60")
    dialog.client.setCurrentIndex(dialog.client.findData(int(ada)))
    dialog.start.set_iso("2026-01-01")
    dialog.ok.click()
    h.qtbot.waitUntil(lambda: page.fee_model.rowCount() == 2, timeout=20000)
    shown = [page.fee_model.display(r, c) for r in page.fee_model.rows for c in FeeColumn]
    assert shown[4:] == ["No-show fee", "Ada Billing", "1 Jan 2026", "$60.00"]
    # An unpaid balance opens the chart's Billing tab.
    page.client_chosen.emit(int(ada))
    h.qtbot.waitUntil(lambda: chart.tabs.currentWidget() is chart.billing, timeout=20000)
