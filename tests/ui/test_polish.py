"""Small things a therapist notices on the first day (issue 12): no Qt warnings at run
time, the passphrase rule said once and kept current, the user guide in Help."""

from __future__ import annotations

import re
from pathlib import Path

from pytestqt.logging import QtLoggingPlugin
from pytestqt.qtbot import QtBot

from tests.conftest import STRONG, FakeClock
from tests.ui.conftest import Harness, make_ctx
from therapynotes.errors import WeakPassphrase
from therapynotes.security.passphrase import MIN_LENGTH, RULE
from therapynotes.services.setup_flow import Mode, Step
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.search_view import DEBOUNCE_MS, SearchView
from therapynotes.ui.settings_dialog import ChangePassphraseDialog
from therapynotes.ui.setup_wizard import SetupWizardView


def _search(h: Harness) -> SearchView:
    h.window.show_view("search")
    view = h.window.pages["search"]
    assert isinstance(view, SearchView)
    return view


def test_search_filters_and_lock_log_no_qt_warnings(
    unlocked: Harness, qtlog: QtLoggingPlugin, qtbot: QtBot
) -> None:
    """A filter's signal argument (a list index, -1 when a lock clears the list; True from
    a checkbox) once became QTimer.start(msec): "negative intervals" warnings and a
    debounce of 1 ms instead of DEBOUNCE_MS."""
    view = _search(unlocked)
    unlocked.records_settled()
    view.private.setChecked(True)
    assert view.timer.isActive() and view.timer.interval() == DEBOUNCE_MS
    view.kind.setCurrentIndex(2)
    assert view.timer.interval() == DEBOUNCE_MS
    unlocked.window.idle.timed_out.emit()  # an idle lock clears the search
    assert unlocked.window.session is None
    messages = [r.message for r in qtlog.records]
    assert not [m for m in messages if "QTimer" in m or "negative" in m], messages


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


def test_passphrase_rule_is_one_message_kept_current(
    qtbot: QtBot, vault_dir: Path, clock: FakeClock, config_dir: Path
) -> None:
    """The meter said "12 or more characters" while the rule is 10; after Next refused a
    weak passphrase, "too weak" stayed on screen once the passphrase had become strong."""
    assert _numbers(RULE) == {str(MIN_LENGTH)}
    assert not _numbers(WeakPassphrase().message)  # the reason comes from the rule
    window = MainWindow(make_ctx(vault_dir, clock, config_dir))
    qtbot.addWidget(window)
    window.show()
    wizard = window.gate
    assert isinstance(wizard, SetupWizardView)
    wizard.choose(Mode.CREATE)
    assert wizard.meter.label.text() == RULE
    wizard.passphrase.setText("short")
    assert RULE in wizard.meter.label.text()
    wizard.confirm.setText("short")
    wizard.next_button.click()
    assert wizard.message.isVisible() and RULE in wizard.message.text()
    assert wizard.flow.step is Step.PASSPHRASE
    wizard.passphrase.setText(STRONG)
    assert wizard.meter.acceptable
    assert not wizard.message.isVisible() and "weak" not in wizard.message.text()


def test_change_passphrase_refusal_clears_as_the_user_types(unlocked: Harness) -> None:
    session = unlocked.window.session
    assert session is not None
    dialog = ChangePassphraseDialog(unlocked.ctx.vault, session, parent=unlocked.window)
    dialog.show()
    dialog.old.setText(STRONG)
    dialog.new.setText(STRONG + " plus")
    dialog.again.setText(STRONG)
    dialog.submit()
    assert dialog.message.isVisible()
    dialog.again.setText(STRONG + " plus")
    assert not dialog.message.isVisible()
    dialog.close()


def test_help_opens_the_user_guide_inside_the_app(unlocked: Harness) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtWidgets import QApplication

    from therapynotes.ui.user_guide import USER_GUIDE, UserGuideDialog

    repo = Path(__file__).resolve().parents[2]
    assert USER_GUIDE.read_text(encoding="utf-8") == (repo / "docs" / "user-guide.md").read_text(
        encoding="utf-8"
    )  # shipped with the app, the same text as docs/
    help_menu = next(a.menu() for a in unlocked.window.menuBar().actions() if a.text() == "&Help")
    entry = next(a for a in help_menu.actions() if a.text() == "&User guide")
    entry.trigger()
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, UserGuideDialog))
    browser = dialog.browser
    assert browser.toPlainText().startswith("TherapyNotes user guide")
    assert "\n# " not in browser.toPlainText()  # shown as Markdown, not as source
    browser.follow(QUrl("#lost-phone-the-6-digit-code"))  # the contents' links
    assert browser.textCursor().block().text() == "Lost phone (the 6-digit code)"
    browser.follow(QUrl("restore-guide.md"))
    assert "restoring my records" in browser.toPlainText().splitlines()[0]
    dialog.close()
