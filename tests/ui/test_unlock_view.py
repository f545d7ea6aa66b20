"""The lock screen: messages, backoff countdown, recovery key path."""

from __future__ import annotations

from tests.conftest import STRONG, STRONG2
from tests.ui.conftest import Harness
from therapynotes.errors import TotpRejected, WrongPassphrase
from therapynotes.ui.errors import user_message
from therapynotes.ui.unlock_view import RecoveryDialog


def test_wrong_passphrase_says_so_and_clears_the_field(harness: Harness) -> None:
    harness.unlock("wrong horse battery staple")
    view = harness.unlock_view
    assert harness.window.session is None
    assert view.message.isVisible()
    assert view.message.text() == WrongPassphrase().message
    assert "Caps Lock" in view.message.text()
    assert view.passphrase.text() == "" and view.code.text() == ""


def test_wrong_code_says_so(harness: Harness) -> None:
    good = harness.next_code()
    harness.unlock(STRONG, "000000" if good != "000000" else "111111")
    assert harness.window.session is None
    assert harness.unlock_view.message.text() == TotpRejected().message


def test_missing_fields_are_named_before_any_work(harness: Harness) -> None:
    view = harness.unlock_view
    view.unlock_button.click()
    assert view.message.text() == "Enter your passphrase."
    view.passphrase.setText(STRONG)
    view.code.setText("12")
    view.unlock_button.click()
    assert "6-digit code" in view.message.text()


def test_backoff_countdown_then_unlock(harness: Harness) -> None:
    view = harness.unlock_view
    for _ in range(5):
        harness.unlock("wrong horse battery staple")
    assert view.waiting
    assert not view.unlock_button.isEnabled()
    assert "Try again in 30 s" in view.message.text()
    harness.clock.advance(12)
    view.tick()
    assert "Try again in 18 s" in view.message.text()
    view.unlock_button.click()  # ignored while waiting
    assert harness.window.session is None
    harness.clock.advance(19)
    view.tick()
    assert not view.waiting and view.unlock_button.isEnabled()
    assert not view.message.isVisible()
    harness.unlock_ok()


def test_backoff_survives_a_new_unlock_view(harness: Harness) -> None:
    for _ in range(5):
        harness.unlock("wrong horse battery staple")
    harness.window.show_unlock()  # a restart builds a fresh view from the attempt file
    assert harness.unlock_view.waiting
    assert "Try again in" in harness.unlock_view.message.text()


def test_keyring_problem_is_explained(harness: Harness, memkeyring) -> None:  # type: ignore[no-untyped-def]
    memkeyring.store.clear()  # this computer is no longer bound
    harness.unlock()
    text = harness.unlock_view.message.text()
    assert "recovery key" in text.lower()
    assert harness.window.session is None


def test_recovery_key_path_unlocks_with_a_new_passphrase(harness: Harness) -> None:
    assert harness.created is not None
    harness.unlock_view.recovery_button.click()
    dialog = harness.unlock_view.findChild(RecoveryDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.key.setText(harness.created.recovery_key)
    dialog.new.setText(STRONG2)
    dialog.confirm.setText(STRONG2 + "x")
    dialog.ok.click()
    assert "not the same" in dialog.message.text()
    dialog.confirm.setText(STRONG2)
    dialog.ok.click()
    harness.qtbot.waitUntil(lambda: harness.window.session is not None)
    harness.window.lock()
    harness.unlock(STRONG2)
    harness.qtbot.waitUntil(lambda: harness.window.session is not None)


def test_unexpected_errors_show_only_their_type() -> None:
    message = user_message(ValueError("client Jane Doe said ..."))
    assert "ValueError" in message and "Jane" not in message


def test_lost_phone_path_enrols_a_new_authenticator(harness: Harness) -> None:
    import pyotp

    from therapynotes.ui.reset_totp_dialog import ResetTotpDialog

    assert harness.created is not None
    harness.unlock_view.new_phone_button.click()
    dialog = harness.unlock_view.findChild(ResetTotpDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.passphrase.setText(STRONG2)
    dialog.key.setText(harness.created.recovery_key)
    dialog.ok.click()
    harness.qtbot.waitUntil(lambda: "passphrase didn't match" in dialog.message.text())
    dialog.passphrase.setText(STRONG)
    dialog.ok.click()
    harness.qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1)
    assert dialog.qr.pixmap() is not None and not dialog.qr.pixmap().isNull()
    new_secret = dialog.manual_key.text().replace(" ", "")
    assert new_secret and new_secret != harness.created.totp_secret
    assert dialog.passphrase.text() == "" and dialog.key.text() == ""
    dialog.accept()
    assert dialog.manual_key.text() == ""
    harness.clock.advance(30)
    harness.unlock(code=str(pyotp.TOTP(new_secret).at(harness.clock())))
    harness.qtbot.waitUntil(lambda: harness.window.session is not None)


def test_unexpected_errors_in_the_app_print_no_record_text(
    qtbot,
    capsys,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    import sys

    from PySide6.QtWidgets import QMessageBox, QWidget

    from therapynotes.ui.errors import install_excepthook

    monkeypatch.delenv("THERAPYNOTES_DEBUG", raising=False)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    parent = QWidget()
    qtbot.addWidget(parent)
    hook = install_excepthook(parent)
    try:
        raise KeyError("Jane Doe, suicidal ideation")
    except KeyError as exc:
        hook(type(exc), exc, exc.__traceback__)
    err = capsys.readouterr().err
    assert "KeyError" in err and "Jane" not in err and "Traceback" not in err
    box = parent.findChild(QMessageBox)
    assert box is not None and "KeyError" in box.text() and "Jane" not in box.text()
