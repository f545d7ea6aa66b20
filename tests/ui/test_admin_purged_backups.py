"""The Backups page after a purge (issue 16): the backups written before it are marked
as holding destroyed records; "Delete them now…" is refused for the newest until a
backup made after the purge exists, then deletes exactly the older ones."""

from __future__ import annotations

from pathlib import Path

from tests.support.records import add_client
from tests.ui.conftest import Harness
from tests.ui.test_backups import _back_up, _drive, _view
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.ui.admin.purged_backups import MARK

WAIT = 20000


def test_backups_page_marks_and_forgets_purged(unlocked: Harness, tmp_path: Path) -> None:
    h = unlocked
    session = h.window.session
    assert session is not None
    client = add_client(RecordsService(session, clock=h.clock), "To Be Destroyed")
    view = _view(h)
    view.set_folder(_drive(tmp_path))
    _back_up(h, view)
    h.clock.advance(120)
    _back_up(h, view)
    h.qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=WAIT)
    assert not view.purged_card.isVisibleTo(view)
    h.clock.advance(120)
    with session.db_lock:
        RetentionService(session, clock=h.clock).purge(client, before_retention_date="test")
    view.refresh()
    h.qtbot.waitUntil(lambda: len(view.purged_card.holding) == 2, timeout=WAIT)
    verified = [view.model.data(view.model.index(r, 2)) for r in range(2)]
    assert verified == [MARK, MARK]
    assert len(view.purged_card.plan) == 1  # the newest stays until a newer one exists
    assert "back up now first" in view.purged_card.text.text()
    h.qtbot.waitUntil(lambda: view.purged_card.gone_by is not None, timeout=WAIT)
    assert "the last is gone by" in view.purged_card.text.text()
    newest_before = max(view.model.rows, key=lambda r: r.created_at).path
    view.purged_card.ask()
    assert view.purged_card.confirm is not None
    view.purged_card.yes.click()
    h.qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=WAIT)
    assert [r.path for r in view.model.rows] == [newest_before]
    h.clock.advance(120)
    _back_up(h, view)
    h.qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=WAIT)
    assert len(view.purged_card.plan) == 1 and view.purged_card.delete_button.isEnabled()
    view.purged_card.delete()
    h.qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=WAIT)
    assert view.model.rows[0].path != newest_before
    assert not view.purged_card.isVisibleTo(view)
    assert view.model.data(view.model.index(0, 2)) == "Yes"
