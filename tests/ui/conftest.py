"""Fixtures for the desktop app tests: a window over an isolated vault and a fake clock."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QThreadPool
from pytestqt.qtbot import QtBot

from tests.conftest import STRONG, FakeClock
from therapynotes.services.vault import VaultService
from therapynotes.services.vault_create import CreatedVault
from therapynotes.settings import AppSettings
from therapynotes.ui import collector
from therapynotes.ui.context import AppContext
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.unlock_view import UnlockView


@dataclass
class Harness:
    window: MainWindow
    ctx: AppContext
    clock: FakeClock
    created: CreatedVault | None
    qtbot: QtBot

    def code(self, offset: float = 0) -> str:
        assert self.created is not None
        return str(pyotp.TOTP(self.created.totp_secret).at(self.clock() + offset))

    def next_code(self) -> str:
        """A code from a fresh 30-s step (codes are never accepted twice)."""
        self.clock.advance(30)
        return self.code()

    @property
    def unlock_view(self) -> UnlockView:
        gate = self.window.gate
        assert isinstance(gate, UnlockView)
        return gate

    def unlock(self, passphrase: str = STRONG, code: str | None = None) -> None:
        # a lock that started a backup keeps the unlock screen disabled until it ends
        self.qtbot.waitUntil(lambda: self.window.gate is not None and self.window.gate.isEnabled())
        view = self.unlock_view
        view.passphrase.setText(passphrase)
        view.code.setText(code if code is not None else self.next_code())
        view.unlock_button.click()
        self.qtbot.waitUntil(
            lambda: not view._busy and QThreadPool.globalInstance().activeThreadCount() == 0
        )

    def unlock_ok(self) -> None:
        self.unlock()
        self.qtbot.waitUntil(lambda: self.window.session is not None)

    def records_settled(self) -> None:
        """Wait for record work on the database worker (Home's counts, a save) to land."""
        from therapynotes.ui.ops import database_pool, tracker  # noqa: PLC0415

        self.qtbot.waitUntil(
            lambda: tracker.running() == 0 and database_pool().activeThreadCount() == 0
        )

    def flush_deletes(self) -> None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()


def make_ctx(vault_dir: Path, clock: FakeClock, config_dir: Path) -> AppContext:
    return AppContext(
        vault=VaultService(vault_dir, clock=clock),
        settings=AppSettings.load(config_dir),
        config_dir=config_dir,
        clock=clock,
        listen_to_os=False,
    )


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def harness(qtbot: QtBot, vault_dir: Path, clock: FakeClock, config_dir: Path) -> Harness:
    """A main window over an existing vault, showing the unlock view."""
    created = VaultService(vault_dir, clock=clock).create(STRONG)
    ctx = make_ctx(vault_dir, clock, config_dir)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    return Harness(window, ctx, clock, created, qtbot)


@pytest.fixture
def unlocked(harness: Harness) -> Harness:
    harness.unlock_ok()
    return harness


@pytest.fixture(autouse=True, scope="package")
def _collect_on_the_ui_thread(qapp):  # type: ignore[no-untyped-def]
    """As the app does (ui/collector.py): garbage holding widgets is freed on the UI
    thread, never on a worker (one whole-suite run deadlocked that way). Only for the UI
    tests: the others spin no event loop, so they keep CPython's own collection."""
    collector.install(qapp)
    yield
    collector.uninstall(qapp)


@pytest.fixture(autouse=True)
def _drain_thread_pool():  # type: ignore[no-untyped-def]
    yield
    QThreadPool.globalInstance().waitForDone(5000)


# --- Settings' one Save (issue 16: ui/settings_apply.py) -----------------------------------


def save_settings(h: Harness) -> None:
    """Press Settings' *Save changes* and wait until every changed section is saved."""
    panel = h.window.pages["settings"]
    forms = panel.forms  # type: ignore[attr-defined]
    assert forms.dirty(), "nothing to save"
    assert forms.save()
    h.qtbot.waitUntil(lambda: not forms.saving, timeout=20000)
    assert panel.save_bar.status.text() == "Saved."  # type: ignore[attr-defined]
