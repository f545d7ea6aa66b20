"""Settings → Users (issue 17), as the owner uses it with real logins on a real vault:
the list (arrow keys), Add user in four steps (the new user's passphrase, their QR and
confirmation code, the owner's confirmation), a half-filled Add user kept through Ctrl+L
(name and role back, no secret), Change role, Remove then the offer to change the key,
Rename my login."""

from __future__ import annotations

import pyotp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.conftest import STRONG
from tests.ui.conftest import Harness
from tests.ui.users_support import ASSISTANT, SUPERVISOR, Team, make_team
from tests.ui.waits import worker_done
from therapynotes.domain.roles import Role
from therapynotes.ui.rotate_key_dialog import RotateKeyDialog
from therapynotes.ui.users.add_user_dialog import AddUserDialog
from therapynotes.ui.users.users_group import UsersGroup

NEW_PW = "copper meadow falcon riddle"


@pytest.fixture
def team(harness: Harness) -> Team:
    return make_team(harness, supervisor_line=False)


def _users(h: Harness) -> UsersGroup:
    h.window.show_view("settings")
    group = h.window.pages["settings"].users  # type: ignore[attr-defined]
    assert isinstance(group, UsersGroup)
    h.qtbot.waitUntil(lambda: len(group.users) >= 1, timeout=20000)
    return group


def _names(group: UsersGroup) -> list[str]:
    return [group.table.item(r, 0).text() for r in range(group.table.rowCount())]


def _owner_code(h: Harness) -> str:
    return h.next_code()


def test_the_list_and_its_arrow_keys(harness: Harness, team: Team) -> None:
    harness.unlock_ok()
    group = _users(harness)
    harness.qtbot.waitUntil(lambda: len(group.users) == 3, timeout=20000)
    assert _names(group)[1:] == [ASSISTANT, SUPERVISOR]
    roles = [group.table.item(r, 1).text() for r in range(3)]
    assert roles == ["Owner", "Assistant", "Supervisor"]
    group.table.setFocus()
    group.table.selectRow(0)
    assert not group.remove_button.isEnabled()  # the owner is never removed here
    QTest.keyClick(group.table, Qt.Key.Key_Down)
    assert group.selected_name() == ASSISTANT and group.remove_button.isEnabled()
    QTest.keyClick(group.table, Qt.Key.Key_Down)
    assert group.selected_name() == SUPERVISOR
    assert team.secrets


def test_add_user_in_four_steps(harness: Harness) -> None:
    harness.unlock_ok()
    group = _users(harness)
    dialog = group.add_user()
    dialog.next.click()
    assert "name" in dialog.message.text()  # nothing typed: asks, does not move on
    dialog.name.setText("Pat Kim")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.SUPERVISOR.value))
    dialog.next.click()
    assert dialog.pages.currentIndex() == 1 and "Pat Kim" in dialog.passphrase_intro.text()
    dialog.rows.new.setText("short")
    dialog.rows.again.setText("short")
    dialog.next.click()
    assert dialog.pages.currentIndex() == 1 and dialog.message.isVisible()  # too weak
    dialog.rows.new.setText(NEW_PW)
    dialog.rows.again.setText(NEW_PW)
    dialog.next.click()
    assert dialog.pages.currentIndex() == 2
    assert dialog.qr.pixmap() is not None and not dialog.qr.pixmap().isNull()
    assert dialog.manual_key.text().replace(" ", "") == dialog.secret
    dialog.user_code.setText(
        "000000" if pyotp.TOTP(dialog.secret).at(harness.clock()) != "000000" else "111111"
    )
    dialog.next.click()
    assert dialog.pages.currentIndex() == 2 and "doesn't match" in dialog.message.text()
    dialog.user_code.setText(pyotp.TOTP(dialog.secret).at(harness.clock()))
    dialog.next.click()
    assert dialog.pages.currentIndex() == 3 and "a supervisor" in dialog.confirm_intro.text()
    dialog.owner_passphrase.setText(STRONG)
    dialog.owner_code.setText(_owner_code(harness))
    dialog.next.click()
    harness.qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    worker_done()
    harness.qtbot.waitUntil(lambda: "Pat Kim" in _names(group), timeout=20000)
    assert harness.ctx.vault.login_names()[1:] == ["Pat Kim"]
    assert dialog.secret == "" and dialog.rows.new.text() == ""  # nothing secret left
    # Pat unlocks with their own passphrase and authenticator.
    secret = next(u for u in group.users if u.name == "Pat Kim")
    assert secret.role == Role.SUPERVISOR


def test_a_wrong_owner_code_says_so_and_keeps_the_steps(harness: Harness) -> None:
    harness.unlock_ok()
    dialog = _users(harness).add_user()
    dialog.name.setText("Pat Kim")
    dialog.next.click()
    dialog.rows.new.setText(NEW_PW)
    dialog.rows.again.setText(NEW_PW)
    dialog.next.click()
    dialog.user_code.setText(pyotp.TOTP(dialog.secret).at(harness.clock()))
    dialog.next.click()
    dialog.owner_passphrase.setText("not the owner passphrase at all")
    dialog.owner_code.setText(_owner_code(harness))
    dialog.next.click()
    harness.qtbot.waitUntil(dialog.message.isVisible, timeout=20000)
    assert dialog.isVisible() and dialog.pages.currentIndex() == 3
    assert "Traceback" not in dialog.message.text() and len(dialog.message.text()) < 300
    assert harness.ctx.vault.login_names()[1:] == []


def test_a_half_filled_add_user_comes_back_after_ctrl_l(harness: Harness) -> None:
    harness.unlock_ok()
    dialog = _users(harness).add_user()
    dialog.name.setText("Pat Kim")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.SUPERVISOR.value))
    dialog.next.click()
    dialog.rows.new.setText(NEW_PW)
    dialog.rows.again.setText(NEW_PW)
    dialog.next.click()
    secret = dialog.secret
    window = harness.window
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    window.lock_action.trigger()  # Ctrl+L (the dialog is modal: its key goes to the action)
    assert window.session is None
    harness.flush_deletes()
    harness.unlock_ok()
    worker_done()
    back = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, AddUserDialog) and w.isVisible()
    ]
    assert len(back) == 1
    again = back[0]
    assert again.name.text() == "Pat Kim" and again.chosen_role() is Role.SUPERVISOR
    assert again.pages.currentIndex() == 0  # the secrets are typed again
    assert again.rows.new.text() == "" and again.secret == ""
    assert window.current_view() == "settings"
    again.reject()
    worker_done()
    vault_files = b"".join(
        p.read_bytes() for p in harness.ctx.vault.paths.root.rglob("*") if p.is_file()
    )
    assert NEW_PW.encode() not in vault_files and secret.encode() not in vault_files


def test_change_role_then_remove_offers_the_new_key(harness: Harness, team: Team) -> None:
    harness.unlock_ok()
    group = _users(harness)
    harness.qtbot.waitUntil(lambda: len(group.users) == 3, timeout=20000)
    group.table.selectRow(1)
    change = group.change_role()
    assert change is not None and change.chosen() is Role.ASSISTANT
    change.role.setCurrentIndex(change.role.findData(Role.SUPERVISOR.value))
    change.passphrase.setText(STRONG)
    change.code.setText(_owner_code(harness))
    change.ok.click()
    harness.qtbot.waitUntil(lambda: not change.isVisible(), timeout=20000)
    harness.qtbot.waitUntil(
        lambda: (
            group.table.item(1, 1) is not None and group.table.item(1, 1).text() == "Supervisor"
        ),
        timeout=20000,
    )
    group.table.selectRow(1)
    remove = group.remove_user()
    assert remove is not None and remove.windowTitle() == "Remove user"
    remove.passphrase.setText(STRONG)
    remove.code.setText(_owner_code(harness))
    remove.ok.click()
    harness.qtbot.waitUntil(lambda: isinstance(group.dialog, QMessageBox), timeout=20000)
    box = group.dialog
    assert isinstance(box, QMessageBox)
    assert "may have kept" in box.informativeText()  # the honest limit
    assert ASSISTANT not in harness.ctx.vault.login_names()
    box.button(QMessageBox.StandardButton.Yes).click()
    harness.qtbot.waitUntil(
        lambda: any(
            isinstance(w, RotateKeyDialog) and w.isVisible() for w in QApplication.topLevelWidgets()
        ),
        timeout=20000,
    )


def test_rename_my_login(harness: Harness, team: Team) -> None:
    harness.unlock_ok()
    group = _users(harness)
    dialog = group.rename_owner()
    dialog.name.setText("Dr Reyes")
    dialog.passphrase.setText(STRONG)
    dialog.code.setText(_owner_code(harness))
    dialog.ok.click()
    harness.qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    assert harness.ctx.vault.login_names()[0] == "Dr Reyes"
    assert team.secrets


def test_a_new_login_name_typed_comes_back_after_a_lock(harness: Harness, team: Team) -> None:
    from therapynotes.ui.users.owner_gate import RenameOwnerDialog  # noqa: PLC0415

    harness.unlock_ok()
    dialog = _users(harness).rename_owner()
    dialog.name.setText("Dr Reyes")
    dialog.passphrase.setText(STRONG)
    harness.window.lock_action.trigger()
    harness.flush_deletes()
    harness.unlock_ok()
    worker_done()
    back = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, RenameOwnerDialog) and w.isVisible()
    ]
    assert len(back) == 1 and back[0].name.text() == "Dr Reyes"
    assert back[0].passphrase.text() == ""  # never a secret
    assert team.secrets


def test_the_practice_help_points_at_a_profile_only_where_it_is_shown(
    harness: Harness, team: Team
) -> None:
    """An assistant's Settings has no clinician profile section: its practice help must
    not send them to one "above" (issue 17 follow-up)."""
    from PySide6.QtWidgets import QLabel  # noqa: PLC0415

    from tests.ui.users_support import unlock_as  # noqa: PLC0415

    def practice_help() -> str:
        harness.window.show_view("settings")
        page = harness.window.pages["settings"]
        practice = page.practice  # type: ignore[attr-defined]
        return next(
            label.text()
            for label in practice.findChildren(QLabel)
            if "clinician profile" in label.text()
        )

    harness.unlock_ok()
    assert hasattr(harness.window.pages["settings"], "profile")
    assert "the clinician profile above" in practice_help()
    harness.window.lock("manual")
    unlock_as(harness, team, ASSISTANT)
    assert not hasattr(harness.window.pages["settings"], "profile")
    said = practice_help()
    assert "above" not in said and "their clinician profile" in said
