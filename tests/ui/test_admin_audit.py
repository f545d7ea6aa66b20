"""The audit trail in the window (issue 16): filtered by kind and client, details of an
entry, Verify with progress on an intact and on a tampered chain, and a CSV for an
auditor that names records by id only."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import pytest

from tests.support.pdf import pdf_text
from tests.support.records import add_client
from tests.ui.conftest import Harness
from therapynotes.domain.ids import ClientId
from therapynotes.services.records import RecordsService
from therapynotes.ui.admin import menu
from therapynotes.ui.admin.audit_dialog import AuditTrailDialog

WAIT = 20000


@pytest.fixture
def trail(unlocked: Harness) -> tuple[Harness, AuditTrailDialog, ClientId]:
    session = unlocked.window.session
    assert session is not None
    records = RecordsService(session, clock=unlocked.clock)
    a = add_client(records, "Xavier Canaryname")
    add_client(records, "Other Person")
    unlocked.records_settled()
    dialog = menu.open_audit_trail(unlocked.window)
    assert isinstance(dialog, AuditTrailDialog)
    unlocked.qtbot.waitUntil(lambda: dialog.client.count() == 3 and bool(dialog.rows), timeout=WAIT)
    return unlocked, dialog, a


def test_filter_and_details(trail: tuple[Harness, AuditTrailDialog, ClientId]) -> None:
    h, dialog, a = trail
    kinds = {e.kind for e in dialog.rows}
    assert {"vault.created", "unlock.ok", "record.created"} <= kinds
    dialog.kind.setCurrentIndex(dialog.kind.findData("record.created"))
    h.qtbot.waitUntil(lambda: {e.kind for e in dialog.rows} == {"record.created"}, timeout=WAIT)
    assert len(dialog.rows) == 2
    dialog.client.setCurrentIndex(dialog.client.findData(int(a)))
    h.qtbot.waitUntil(lambda: len(dialog.rows) == 1, timeout=WAIT)
    assert dialog.table.item(0, 1).text() == "Record added"
    assert dialog.table.item(0, 2).text() == "Xavier Canaryname"
    dialog.table.selectRow(0)
    assert dialog.detail.text() == "record: client"
    # a range ending before today has nothing
    dialog.until.set_iso("2001-01-01")
    h.qtbot.waitUntil(lambda: dialog.rows == [], timeout=WAIT)


def test_verify_intact_then_tampered(trail: tuple[Harness, AuditTrailDialog, ClientId]) -> None:
    h, dialog, _a = trail
    dialog.verify_button.click()
    h.qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT)
    assert dialog.report is not None and dialog.report.ok
    assert "intact" in dialog.message.text()
    assert dialog.progress.value() == dialog.progress.maximum() == dialog.report.rows
    session = h.window.session
    assert session is not None
    with session.db_lock:
        triggers = [
            r[0]
            for r in session.conn.execute(
                "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_log'"
            )
        ]
        for name in triggers:
            session.conn.execute(f"DROP TRIGGER {name}")
        session.conn.execute("UPDATE audit_log SET kind = 'lock' WHERE seq = 2")
    dialog.report = None
    dialog.verify_button.click()
    h.qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT)
    assert dialog.report is not None and not dialog.report.ok
    assert "broken at entry 2" in dialog.message.text()


def test_csv_for_an_auditor(
    trail: tuple[Harness, AuditTrailDialog, ClientId], tmp_path: Path
) -> None:
    h, dialog, a = trail
    target = tmp_path / "trail.csv"
    before = len(dialog.rows)
    dialog.export_to(target)
    h.qtbot.waitUntil(lambda: "written to trail.csv" in dialog.message.text(), timeout=WAIT)
    data = target.read_bytes()
    assert b"Canaryname" not in data and b"Other Person" not in data
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    rows = list(csv.reader(data.decode().splitlines()))
    assert rows[0] == ["seq", "time_utc", "actor", "kind", "event", "subject", "detail"]
    assert len(rows) == before + 1
    assert [r[5] for r in rows if r[3] == "record.created"][0] == f"client:{a}"
    h.qtbot.waitUntil(lambda: bool(dialog.rows) and dialog.rows[0].kind == "export", timeout=WAIT)
    assert dialog.rows[0].detail["format"] == "csv"


def test_pdf_for_an_auditor(
    trail: tuple[Harness, AuditTrailDialog, ClientId], tmp_path: Path
) -> None:
    h, dialog, a = trail
    target = tmp_path / "trail.pdf"
    dialog.kind.setCurrentIndex(dialog.kind.findData("record.created"))
    h.qtbot.waitUntil(lambda: len(dialog.rows) == 2, timeout=WAIT)
    dialog.export_to(target)
    h.qtbot.waitUntil(lambda: "written to trail.pdf" in dialog.message.text(), timeout=WAIT)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = pdf_text(target)
    assert "Audit trail" in text and "2 entries" in text and f"client:{a}" in text
    assert "Canaryname" not in text and "Other Person" not in text
    assert "Record added" in text
