"""Clipboard clearing, the background helper, settings storage."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.ui.conftest import save_settings
from therapynotes.errors import WrongPassphrase
from therapynotes.ui.clipboard import CONCEALED_HINTS, SecureClipboard
from therapynotes.ui.ops import Op, tracker


def test_copy_carries_concealed_hints_and_clears_after_timeout(qtbot: QtBot) -> None:
    clip = SecureClipboard(clear_seconds=1)
    clip.copy("ABCD-EFGH")
    mime = QGuiApplication.clipboard().mimeData()
    assert mime.text() == "ABCD-EFGH"
    for fmt in CONCEALED_HINTS:
        assert mime.hasFormat(fmt)
    assert bytes(mime.data("x-kde-passwordManagerHint").data()) == b"secret"
    assert clip.holds_ours()
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "", timeout=3000)


def test_clipboard_left_alone_when_the_user_copied_something_else() -> None:
    clip = SecureClipboard(clear_seconds=30)
    clip.copy("ours")
    QGuiApplication.clipboard().setText("the therapist's own text")
    assert not clip.clear_if_ours()
    assert QGuiApplication.clipboard().text() == "the therapist's own text"


def test_clipboard_cleared_on_lock(unlocked) -> None:  # type: ignore[no-untyped-def]
    unlocked.window.clipboard.copy("copied from a note")
    unlocked.window.lock("manual")
    assert QGuiApplication.clipboard().text() == ""


def test_clipboard_clear_time_comes_from_settings(unlocked) -> None:  # type: ignore[no-untyped-def]
    window = unlocked.window
    window.show_view("settings")
    window.pages["settings"].clipboard.setValue(45)
    save_settings(unlocked)
    assert window.clipboard.clear_seconds == 45


def test_op_runs_off_the_gui_thread_and_returns_by_signal(qtbot: QtBot) -> None:
    gui = threading.get_ident()
    seen: dict[str, object] = {}
    busy: list[bool] = []
    parent = QWidget()
    Op(parent, threading.get_ident).busy(busy.append).success(
        lambda worker: seen.update(worker=worker, callback=threading.get_ident())
    ).run()
    qtbot.waitUntil(lambda: "worker" in seen)
    assert seen["worker"] != gui and seen["callback"] == gui
    assert busy == [True, False]
    assert tracker.running() == 0


def test_busy_indicator_shows_while_work_runs(unlocked) -> None:  # type: ignore[no-untyped-def]
    """Two argument-less signals drive it (no bool through the binding, issue 20)."""
    window = unlocked.window
    unlocked.records_settled()
    assert not window.busy.isVisible()
    gate = threading.Event()
    answers: list[object] = []
    Op(window, gate.wait).success(answers.append).run()
    assert window.busy.isVisible()
    gate.set()
    unlocked.qtbot.waitUntil(lambda: answers == [True], timeout=20000)
    assert not window.busy.isVisible()


@pytest.mark.parametrize("answer", [True, False, None, 0])
def test_op_answers_true_false_and_none_as_they_are(qtbot: QtBot, answer: object) -> None:
    got: list[object] = []
    Op(QWidget(), lambda: answer).success(got.append).run(database=True)
    qtbot.waitUntil(lambda: got != [], timeout=20000)
    assert got == [answer] and type(got[0]) is type(answer)


def test_op_failure_reaches_the_callback(qtbot: QtBot) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        raise WrongPassphrase

    Op(QWidget(), work).failure(errors.append).run()
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], WrongPassphrase)


def test_op_answer_dropped_when_the_asking_view_is_gone(qtbot: QtBot) -> None:
    gate = threading.Event()
    called: list[object] = []
    parent = QWidget()
    Op(parent, gate.wait).success(called.append).failure(called.append).run()
    parent.deleteLater()
    qtbot.wait(10)
    gate.set()
    qtbot.waitUntil(lambda: tracker.running() == 0)
    assert called == []


@pytest.mark.parametrize("minutes", [1, 60])
def test_idle_timeout_bounds(unlocked, minutes: int) -> None:  # type: ignore[no-untyped-def]
    panel = unlocked.window.pages["settings"]
    panel.idle.setValue(minutes + (1 if minutes == 1 else -1))
    panel.idle.setValue(minutes)
    if panel.forms.dirty():
        save_settings(unlocked)
    assert unlocked.window.idle.timeout_seconds == minutes * 60
    panel.idle.setValue(minutes + (1 if minutes == 60 else -1))
    assert panel.idle.value() == minutes  # the spin box enforces 1-60
