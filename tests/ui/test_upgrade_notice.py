"""The first unlock after an update: the lock screen says what the one-time upgrade is
doing (one sentence, the step count, the busy bar) while it runs on the worker, and goes
back to normal after; closing the window meanwhile asks first; a recovery shows it in its
dialog. Real vaults on disk (the frozen schema-4 fixture; one the app made at schema 15);
m0016's rebuild is held at its start so the test can look."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from tests.conftest import STRONG, STRONG2, FakeClock
from tests.support.cheap_kdf import ENABLE_LINE
from tests.support.upgrade_vault import schema_15_vault
from tests.ui.conftest import Harness, make_ctx
from therapynotes.errors import VaultCorrupt
from therapynotes.services.vault import VaultService
from therapynotes.store import migrations
from therapynotes.store.connection import Connection
from therapynotes.store.migrations import UpgradeStep
from therapynotes.store.migrations import m0016_search_prefixes as m16
from therapynotes.ui import upgrade_notice
from therapynotes.ui.errors import user_message
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.reset_totp_dialog import ResetTotpDialog
from therapynotes.ui.unlock_view import RecoveryDialog
from therapynotes.ui.upgrade_notice import SENTENCE

FIXTURE = Path(__file__).parents[1] / "fixtures" / "vault-schema-4"
FIXTURE_VERSION = 4
WAIT = 20_000


class Held:
    """m0016's prepare waits at its start until released (or fails, if told to)."""

    def __init__(self, mp: pytest.MonkeyPatch, *, fail: bool = False) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        original = m16.prepare

        def held(conn: Connection) -> None:
            self.started.set()
            self.release.wait(60)
            if fail:
                raise VaultCorrupt("the search index was not rebuilt")
            original(conn)

        mp.setattr(m16, "prepare", held)


@pytest.fixture
def old_vault(
    qtbot: QtBot, vault_dir: Path, clock: FakeClock, config_dir: Path
) -> Iterator[Harness]:
    shutil.copytree(FIXTURE, vault_dir)
    window = MainWindow(make_ctx(vault_dir, clock, config_dir))
    qtbot.addWidget(window)
    window.show()
    yield Harness(window, window.ctx, clock, None, qtbot)


def _start_unlock(h: Harness) -> None:
    secret = (h.ctx.vault.paths.root / "totp-secret.txt").read_text().strip()
    h.clock.advance(30)
    view = h.unlock_view
    view.passphrase.setText(STRONG)
    view.code.setText(pyotp.TOTP(secret).at(h.clock()))
    view.unlock_button.click()


def _expected_while_rebuilding() -> str:
    total = migrations.latest_version() - FIXTURE_VERSION
    number = m16.VERSION - FIXTURE_VERSION
    return SENTENCE.format(count=f"step {number} of {total}", what="making search faster")


def test_the_lock_screen_says_what_the_upgrade_does_then_opens(
    old_vault: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h, held = old_vault, Held(monkeypatch)
    view = h.unlock_view
    h.qtbot.waitUntil(lambda: view.isVisible() and view.isEnabled(), timeout=WAIT)
    QApplication.processEvents()
    before = view.passphrase.mapTo(h.window, QPoint(0, 0))
    try:
        _start_unlock(h)
        h.qtbot.waitUntil(held.started.is_set, timeout=WAIT)
        h.qtbot.waitUntil(
            lambda: view.notice.label.text() == _expected_while_rebuilding(), timeout=WAIT
        )
        assert view.notice.label.isVisible() and view.notice.upgrading
        QApplication.processEvents()
        assert view.passphrase.mapTo(h.window, QPoint(0, 0)) == before  # nothing moved
        assert "Don't close the app." in view.notice.label.text()
        assert view.busy.isVisible() and view.busy.maximum() == 0  # indeterminate
        assert not view.unlock_button.isEnabled() and not view.passphrase.isEnabled()
    finally:
        held.release.set()
    h.qtbot.waitUntil(lambda: h.window.session is not None, timeout=WAIT)
    assert migrations.current_version(h.window.session.conn) == migrations.latest_version()
    # Locked again: an ordinary unlock shows no notice at all.
    h.window.lock("test")
    h.qtbot.waitUntil(lambda: h.window.gate is not None and h.window.gate.isEnabled(), timeout=WAIT)
    again = h.unlock_view
    heard: list[object] = []
    again.notice.stepped.connect(heard.append)
    _start_unlock(h)
    h.qtbot.waitUntil(lambda: h.window.session is not None, timeout=WAIT)
    assert heard == [] and not again.notice.upgrading


def test_a_failed_upgrade_goes_back_to_the_ordinary_lock_screen(
    old_vault: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h, held = old_vault, Held(monkeypatch, fail=True)
    view = h.unlock_view
    try:
        _start_unlock(h)
        h.qtbot.waitUntil(view.notice.label.isVisible, timeout=WAIT)
    finally:
        held.release.set()
    h.qtbot.waitUntil(lambda: not view._busy, timeout=WAIT)
    assert h.window.session is None
    assert not view.notice.upgrading
    assert not view.busy.isVisible() and view.unlock_button.isEnabled()
    # The message line that held the sentence now says what went wrong, and only that.
    assert view.message.isVisible()
    assert view.message.text() == user_message(VaultCorrupt("the search index was not rebuilt"))


def _asking(h: Harness) -> QMessageBox:
    boxes = [b for b in h.window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    return boxes[0]


def _button(box: QMessageBox, text: str) -> QPushButton:
    found = [b for b in box.findChildren(QPushButton) if b.text() == text]
    assert len(found) == 1
    return found[0]


def test_closing_during_the_upgrade_asks_first(
    old_vault: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h, held = old_vault, Held(monkeypatch)
    ended: list[int] = []
    monkeypatch.setattr(upgrade_notice, "end_process", ended.append)
    view = h.unlock_view
    try:
        _start_unlock(h)
        h.qtbot.waitUntil(lambda: view.notice.upgrading, timeout=WAIT)
        h.window.close()
        assert h.window.isVisible() and ended == []
        box = _asking(h)
        assert "safe to wait" in box.text() and "nothing is lost" in box.informativeText()
        assert box.defaultButton() is _button(box, "Keep waiting")
        _button(box, "Keep waiting").click()
        h.qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT)
        assert h.window.isVisible() and ended == [] and view.notice.upgrading
        h.window.close()
        _button(_asking(h), "Quit now").click()
        assert ended == [0]
        h.window.close()  # asked once more; the upgrade ending closes the question
        box = _asking(h)
    finally:
        held.release.set()
    h.qtbot.waitUntil(lambda: h.window.session is not None, timeout=WAIT)
    h.qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT)


def _upgrade_from_a_dialog(
    qtbot: QtBot,
    vault_dir: Path,
    clock: FakeClock,
    config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    open_dialog: Callable[[Harness], Any],
) -> tuple[Harness, Any, str]:
    """A dialog of the lock screen that opens the vault (recovery key, new phone), filled
    and submitted by `open_dialog` on a schema-15 vault: it shows the upgrade's sentence,
    and closing the window meanwhile asks (Keep waiting). Returns when the upgrade may
    go on, with the harness, the dialog and the sentence it showed."""
    _, created = schema_15_vault(vault_dir, clock)
    window = MainWindow(make_ctx(vault_dir, clock, config_dir))
    qtbot.addWidget(window)
    window.show()
    h, held = Harness(window, window.ctx, clock, created, qtbot), Held(monkeypatch)
    ended: list[int] = []
    monkeypatch.setattr(upgrade_notice, "end_process", ended.append)
    try:
        dialog = open_dialog(h)
        total = migrations.latest_version() - m16.VERSION + 1
        expected = SENTENCE.format(count=f"step 1 of {total}", what="making search faster")
        h.qtbot.waitUntil(lambda: dialog.message.text() == expected, timeout=WAIT)
        assert dialog.message.isVisible() and dialog.busy.isVisible()
        window.close()  # asks here too
        assert window.isVisible() and ended == []
        _button(_asking(h), "Keep waiting").click()
    finally:
        held.release.set()
    return h, dialog, expected


def test_a_recovery_shows_the_upgrade_in_its_dialog(
    qtbot: QtBot,
    vault_dir: Path,
    clock: FakeClock,
    config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def recover(h: Harness) -> RecoveryDialog:
        h.unlock_view.recovery_button.click()
        dialog = h.unlock_view.findChild(RecoveryDialog)
        assert dialog is not None
        assert h.created is not None
        dialog.key.setText(h.created.recovery_key)
        dialog.new.setText(STRONG2)
        dialog.confirm.setText(STRONG2)
        dialog.ok.click()
        return dialog

    h, _, _ = _upgrade_from_a_dialog(
        qtbot, vault_dir, clock, config_dir, monkeypatch, open_dialog=recover
    )
    h.qtbot.waitUntil(lambda: h.window.session is not None, timeout=WAIT)
    assert migrations.current_version(h.window.session.conn) == migrations.latest_version()


def test_a_new_phone_shows_the_upgrade_in_its_dialog(
    qtbot: QtBot,
    vault_dir: Path,
    clock: FakeClock,
    config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lost-phone dialog opens the vault too, so it says what a one-time upgrade
    does, and closing the window meanwhile asks, as for an unlock."""

    def new_phone(h: Harness) -> ResetTotpDialog:
        h.unlock_view.new_phone_button.click()
        dialog = h.unlock_view.findChild(ResetTotpDialog)
        assert dialog is not None
        assert h.created is not None
        dialog.passphrase.setText(STRONG)
        dialog.key.setText(h.created.recovery_key)
        dialog.ok.click()
        return dialog

    h, dialog, expected = _upgrade_from_a_dialog(
        qtbot, vault_dir, clock, config_dir, monkeypatch, open_dialog=new_phone
    )
    h.qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=WAIT)  # the new QR
    assert not dialog.notice.upgrading and expected not in dialog.message.text()


HELD_IN_A_CHILD = (
    ENABLE_LINE
    + """
import sys, threading, pyotp
from pathlib import Path
from PySide6.QtCore import QTimer
from therapynotes.store.migrations import UpgradeStep
from therapynotes.store.migrations import m0016_search_prefixes as m16
m16.prepare = lambda conn: threading.Event().wait()  # held for good: the signal ends it
from therapynotes.app import close_on_signals, make_application, build_window
app = make_application([])
window = build_window(vault_dir=Path(sys.argv[1]), config_dir=Path(sys.argv[2]))
close_on_signals(window)
window.show()
view = window.gate
view.passphrase.setText(sys.argv[3])
view.code.setText(pyotp.TOTP(sys.argv[4]).now())
view.try_unlock()
def ready():
    if view.notice.upgrading and "making search faster" in view.message.text():
        print("upgrading", flush=True)
    else:
        QTimer.singleShot(50, ready)
ready()
sys.exit(app.exec())
"""
)


def test_sigterm_during_the_upgrade_quits_at_once_and_the_next_unlock_finishes_it(
    tmp_path: Path,
) -> None:
    """No one to ask at a logout or shutdown: the app ends at once; the step in flight
    rolled back, and the next unlock runs it again to the end."""
    vault = tmp_path / "vault"
    shutil.copytree(FIXTURE, vault)
    secret = (vault / "totp-secret.txt").read_text().strip()
    repo = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": f"{repo}{os.pathsep}{repo / 'src'}",
        "QT_QPA_PLATFORM": "offscreen",
    }
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", HELD_IN_A_CHILD, str(vault), str(tmp_path / "config"), STRONG,
         secret],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().strip() == b"upgrading"
    child.send_signal(signal.SIGTERM)
    try:
        _, err = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()  # still held: it did not quit
        child.communicate()
        raise
    assert child.returncode == 0, err.decode(errors="replace")
    assert b"Traceback" not in err
    later = VaultService(vault, clock=lambda: time.time() + 30)
    heard: list[UpgradeStep] = []
    code = pyotp.TOTP(secret).at(time.time() + 30)
    session = later.unlock(STRONG, code, progress=heard.append)
    try:
        assert migrations.current_version(session.conn) == migrations.latest_version()
        assert m16.has_prefixes(session.conn, "notes_fts")
    finally:
        session.lock("test")
    assert [s.version for s in heard if s.done is None] == list(
        range(m16.VERSION, migrations.latest_version() + 1)
    )
