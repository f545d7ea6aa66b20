"""Clients are shown by full name (preferred name in brackets) wherever two could be
confused, sorted by what is shown; the chart header shows name, age and date of birth;
search says "first 50 of N" when it stopped at 50."""

from __future__ import annotations

from datetime import date

import pytest

from tests.ui.conftest import Harness
from tests.ui.test_records_flow import clients, settled
from therapynotes import APP_NAME
from therapynotes.domain.models import ClientFields
from therapynotes.ui.clients_page import COMPACT_LIST
from therapynotes.ui.search_view import LIMIT, SearchView

WAIT = 20000


def _add(h: Harness, legal: str, preferred: str = "", **extra: str) -> int:
    service = clients(h).records.service
    return int(
        service.create_client(ClientFields(legal_name=legal, preferred_name=preferred, **extra))  # type: ignore[arg-type]
    )


def test_list_shows_full_names_sorted_as_shown(unlocked: Harness) -> None:
    unlocked.window.show_view("clients")
    page = clients(unlocked)
    _add(unlocked, "Bea Jones")
    _add(unlocked, "Adam Smith", "Zed")  # once listed as "Zed", sorted under A
    _add(unlocked, "alan Brook")
    page.list.refresh()
    unlocked.qtbot.waitUntil(lambda: page.list.model.rowCount() == 3, timeout=WAIT)
    shown = [page.list.proxy.index(r, 0).data() for r in range(page.list.proxy.rowCount())]
    assert shown == ["Adam Smith (Zed)", "alan Brook", "Bea Jones"]


def test_chart_header_names_the_client_with_age_and_date_of_birth(unlocked: Harness) -> None:
    unlocked.window.show_view("clients")
    page = clients(unlocked)
    client = _add(
        unlocked, "Alexandra Rivera", "Alex", pronouns="she/her", date_of_birth="1985-03-14"
    )
    page.list.refresh()
    chart = settled(unlocked, page.open_client(client))  # type: ignore[arg-type]
    today = date.fromtimestamp(unlocked.clock())  # noqa: DTZ012 - the app's local day
    age = today.year - 1985 - ((today.month, today.day) < (3, 14))
    assert chart.name.text() == "Alexandra Rivera (Alex)"
    assert chart.born.text() == f"she/her · {age} years · born 14 Mar 1985"
    assert unlocked.window.windowTitle() == APP_NAME  # never the client's name


def test_search_hits_and_client_filter_show_full_names(unlocked: Harness) -> None:
    _add(unlocked, "Alexandra Rivera", "Alex")
    _add(unlocked, "Alexander Stone", "Alex")
    unlocked.window.show_view("search")
    view = unlocked.window.pages["search"]
    assert isinstance(view, SearchView)
    unlocked.qtbot.waitUntil(lambda: view.client.count() == 3, timeout=WAIT)
    assert [view.client.itemText(i) for i in range(view.client.count())] == [
        "All clients",
        "Alexander Stone (Alex)",
        "Alexandra Rivera (Alex)",
    ]
    view.field.setText("Alex")
    view.run_search()
    unlocked.qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=WAIT)
    assert {view.model.index(r, 0).data() for r in range(2)} == {
        "Alexander Stone (Alex)",
        "Alexandra Rivera (Alex)",
    }
    assert view.status.text().startswith("2 results.")


def test_search_says_first_50_of_n(unlocked: Harness) -> None:
    service = clients(unlocked).records.service
    client = service.create_client(ClientFields(legal_name="Ada Many"))
    for i in range(LIMIT + 7):
        note = service.start_note(client, "freeform", sections={"text": f"Rumination {i}"})
        service.sign_note(note)
    unlocked.window.show_view("search")
    view = unlocked.window.pages["search"]
    assert isinstance(view, SearchView)
    view.field.setText("rumination")
    view.run_search()
    unlocked.qtbot.waitUntil(lambda: view.model.rowCount() == LIMIT, timeout=WAIT)
    assert view.status.text().startswith(f"First {LIMIT} of {LIMIT + 7} results")


@pytest.mark.parametrize("rows_first", [True, False])  # False: a chart reopened at unlock
def test_names_beside_an_open_chart_are_not_cut_short(unlocked: Harness, rows_first: bool) -> None:
    unlocked.window.resize(1400, 700)
    unlocked.window.show_view("clients")
    page = clients(unlocked)
    first = _add(unlocked, "Alexandra Rivera-Montgomery", "Alex")
    _add(unlocked, "Alexander Stone-Whitfield", "Alex")
    page.list.refresh()
    if rows_first:
        unlocked.qtbot.waitUntil(lambda: page.list.model.rowCount() == 2, timeout=WAIT)
    settled(unlocked, page.open_client(first))  # type: ignore[arg-type]
    unlocked.records_settled()
    table = page.list.table
    assert table.isColumnHidden(1) and page.list.model.rowCount() == 2
    widest = max(
        table.fontMetrics().horizontalAdvance(r.display_name) for r in page.list.model.rows
    )
    assert table.columnWidth(0) >= widest + 8
    # a width the therapist drags to is theirs: a later refresh leaves it
    page._dragged(0, 1)
    page.splitter.setSizes([COMPACT_LIST, 800])
    page.list.refresh()
    unlocked.records_settled()
    assert page.splitter.sizes()[0] == COMPACT_LIST
