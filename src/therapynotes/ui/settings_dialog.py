"""Settings: locking, clipboard, passphrase, recovery key and encryption key.

`SettingsPanel` is the Settings page of the main window. Security settings are stored
inside the vault (settings.py), each change is written to the audit log, and
`security_changed` tells the main window to apply them once saved. Every section of
values is saved through one bar under the page (ui/settings_apply.py: *Save changes*,
*Discard changes*, asked before leaving, kept at a lock).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLayout,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QWidget,
)

from therapynotes.errors import PassphrasesDiffer
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.settings import AppSettings, SecuritySettings
from therapynotes.ui.backup_runner import BackupRunner
from therapynotes.ui.billing.settings_practice import PracticeSettingsGroup
from therapynotes.ui.emergency_kit import NewRecoveryKeyDialog
from therapynotes.ui.errors import show_inline
from therapynotes.ui.form_drafts import tag_page
from therapynotes.ui.icons import icon
from therapynotes.ui.ops import Op
from therapynotes.ui.reset_totp_dialog import ResetTotpDialog
from therapynotes.ui.rotate_key_dialog import RotateKeyDialog
from therapynotes.ui.schedule.settings_group import ScheduleSettingsGroup
from therapynotes.ui.settings_apply import SaveBar, SettingsForms, SettingsSection
from therapynotes.ui.settings_backups import BackupSettingsGroup
from therapynotes.ui.settings_locking import LockingSettingsGroup
from therapynotes.ui.settings_profile import ProfileSettingsGroup
from therapynotes.ui.settings_records import RecordSettingsGroup
from therapynotes.ui.snippets.settings_group import SnippetSettingsGroup
from therapynotes.ui.spelling.settings_group import SpellingSettingsGroup
from therapynotes.ui.templates.settings_group import TemplateSettingsGroup
from therapynotes.ui.widgets import (
    GRID,
    NewPassphraseRows,
    body,
    busy_bar,
    hbox,
    heading,
    message_label,
    ok_cancel,
    password_field,
    plain_buttons,
    vbox,
)


class SettingsPanel(QWidget):
    security_changed = Signal(object)  # SecuritySettings
    finished = Signal(int)  # unsaved changes gone (saved or discarded): a kept draft drops

    def __init__(
        self,
        vault: VaultService,
        session: VaultSession,
        *,
        app_settings: AppSettings | None = None,
        backups: BackupRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SettingsPanel")
        self.vault = vault
        self.session = session
        self.app_settings = app_settings  # where backups go, for the Emergency Kit
        self.backup_runner = backups  # to offer a fresh backup after the key changed
        self.key_dialog: NewRecoveryKeyDialog | None = None
        self.signing: QWidget | None = None  # a supervisor's signing line (issue 17)
        self._build_layout()

    def _build_layout(self) -> None:
        from therapynotes.ui.users.access import WindowAccess  # noqa: PLC0415 - at unlock

        self.access = WindowAccess(self.session.login)  # issue 17: the sections by role
        # The sections scroll rather than squeeze when the window is short (a laptop
        # screen at 200 % scaling): a squeezed QFormLayout clips its fields.
        content = QWidget(self)
        content.setObjectName("SettingsContent")
        scroll = QScrollArea(self)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = vbox(self)
        outer.addWidget(scroll, 1)
        layout = vbox(content, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(heading("Settings"))
        self.message = message_label(self)
        if self.access.owner:
            self._owner_sections(layout)
        else:
            self._login_sections(layout)
        layout.addWidget(self.message)
        layout.addStretch(1)
        scroll.setWidget(content)
        self._add_save_bar(outer, scroll)

    def _owner_sections(self, layout: QLayout) -> None:
        self.locking = LockingSettingsGroup(self.session, self)
        self.locking.applied.connect(self.security_changed.emit)
        # the fields, as the window and tests know them
        self.idle, self.minimize = self.locking.idle, self.locking.minimize
        self.clipboard = self.locking.clipboard
        keys = self._security_group()
        layout.addWidget(self.locking)
        self.profile = ProfileSettingsGroup(self.session, self)
        layout.addWidget(self.profile)
        self._add_practice(layout)
        self.records = RecordSettingsGroup(self.session, self)
        layout.addWidget(self.records)
        self.backups = BackupSettingsGroup(self.session, self)
        layout.addWidget(self.backups)
        self.templates = TemplateSettingsGroup(self.session, self)  # issue 19
        layout.addWidget(self.templates)
        self.snippets = SnippetSettingsGroup(self.session, self)
        layout.addWidget(self.snippets)
        self.spelling = SpellingSettingsGroup(self.session, self)
        layout.addWidget(self.spelling)
        if self.app_settings is not None:  # the schedule (issue 13)
            self.schedule = ScheduleSettingsGroup(self.app_settings, self)
            layout.addWidget(self.schedule)
        layout.addWidget(self._this_computer())
        self._add_users(layout)
        layout.addWidget(keys)

    def _add_users(self, layout: QLayout) -> None:
        """Settings → Users (issue 17): the owner's logins (ui/users/users_group.py)."""
        from therapynotes.ui.users.users_group import UsersGroup  # noqa: PLC0415 - at unlock

        clock = self.vault.clock
        self.users = UsersGroup(
            self.vault, self.session, clock=clock, rotate=self.change_encryption_key, parent=self
        )
        layout.addWidget(self.users)

    def _login_sections(self, layout: QLayout) -> None:
        """Another login's Settings (issue 17): who they are, and only the sections
        their role may use (ui/users/login_settings.py)."""
        from therapynotes.ui.users.login_settings import add_login_sections  # noqa: PLC0415

        add_login_sections(self, layout)

    def _add_save_bar(self, outer: QLayout, scroll: QScrollArea) -> None:
        """Issue 16: one Save for every section of values (ui/settings_apply.py)."""
        self.save_bar = SaveBar(self)
        outer.addWidget(self.save_bar)
        sections = [
            s
            for s in (
                getattr(self, "locking", None),  # the owner's sections (issue 17)
                getattr(self, "profile", None),
                getattr(self, "practice", None),
                getattr(self, "records", None),
                getattr(self, "backups", None),
                getattr(self, "spelling", None),
                getattr(self, "schedule", None),
            )
            if isinstance(s, SettingsSection)
        ]
        self.forms = SettingsForms(
            self, scroll, self.save_bar, sections, on_clean=lambda: self.finished.emit(0)
        )
        tag_page(self, "settings")

    # --- unsaved changes (issue 16) ------------------------------------------------------

    def has_unsaved(self) -> bool:
        return bool(self.forms.dirty())

    def form_state(self) -> dict[str, object]:
        return self.forms.form_state()

    def restore_state(self, state: dict[str, object]) -> None:
        self.forms.restore_state(state)

    def may_leave(self, proceed: Callable[[], None]) -> bool:
        """True when nothing is unsaved; else asks Save / Discard / stay, and calls
        `proceed` once saved or discarded."""
        if not self.has_unsaved():
            return True
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Unsaved changes")
        box.setText("Save your changes to Settings before you leave?")
        box.setInformativeText(self.save_bar.status.text())
        buttons = QMessageBox.StandardButton
        box.setStandardButtons(buttons.Save | buttons.Discard | buttons.Cancel)
        box.button(buttons.Save).setText("Save changes")
        box.button(buttons.Discard).setText("Discard changes")
        box.button(buttons.Cancel).setText("Keep editing")
        box.setDefaultButton(buttons.Save)
        plain_buttons(box)
        self.leave_box = box

        def answered(button: int) -> None:
            if button == buttons.Save:
                self.forms.save(then=proceed)
            elif button == buttons.Discard:
                self.forms.discard()
                proceed()

        box.finished.connect(answered)
        box.open()
        return False

    def _add_practice(self, layout: QLayout) -> None:
        """Practice and billing (ui/billing/settings_practice.py)."""
        self.practice = PracticeSettingsGroup(self.session, self)
        layout.addWidget(self.practice)

    def _this_computer(self) -> QGroupBox:
        """Issue 16: the device checks (ui/admin/this_computer.py)."""
        from therapynotes.ui.admin.this_computer import ThisComputerGroup  # noqa: PLC0415

        settings = self.app_settings
        self.this_computer = ThisComputerGroup(
            self.vault.paths.root,
            self,
            backup_folder=lambda: settings.backup_folder if settings is not None else "",
        )
        return self.this_computer

    def _security_group(self) -> QGroupBox:
        keys = QGroupBox("Security", self)
        change = QPushButton(icon("lock"), "Change passphrase…", keys)
        change.setAccessibleName("Change passphrase")
        renew = QPushButton(icon("key"), "Make a new recovery key…", keys)
        renew.setAccessibleName("Make a new recovery key")
        key_layout = vbox(keys, margins=2 * GRID)
        key_layout.addWidget(
            body(
                "Changing the passphrase doesn't change old backups: they still open with "
                "the passphrase they were made with."
            )
        )
        row = hbox()
        row.addWidget(change)
        row.addWidget(renew)
        self.new_phone = QPushButton(icon("key"), "Set up a new phone…", keys)
        self.new_phone.setAccessibleName("Set up a new phone for the second step")
        row.addWidget(self.new_phone)
        row.addStretch(1)
        key_layout.addLayout(row)
        key_layout.addWidget(
            body(
                "Changing the encryption key re-encrypts all your records with a new key, "
                "for when an old backup and its passphrase (or an old recovery key) may be "
                "in someone else's hands. It asks you to confirm before it starts."
            )
        )
        self.rotate = QPushButton(icon("key"), "Change the encryption key…", keys)
        self.rotate.setAccessibleName("Change the encryption key")
        self.rotate.clicked.connect(self.change_encryption_key)
        row = hbox()
        row.addWidget(self.rotate)
        row.addStretch(1)
        key_layout.addLayout(row)
        change.clicked.connect(self.change_passphrase)
        renew.clicked.connect(self.new_recovery_key)
        self.new_phone.clicked.connect(self.set_up_new_phone)
        return keys

    def change_encryption_key(self) -> None:
        folder = self.app_settings.backup_folder if self.app_settings is not None else ""
        RotateKeyDialog(
            self.vault,
            self.session,
            backups=self.backup_runner,
            backup_folder=folder,
            parent=self,
        ).open()

    def set_up_new_phone(self) -> None:
        ResetTotpDialog(self.vault, session=self.session, parent=self).open()

    def current(self) -> SecuritySettings:
        return self.locking.current()

    def change_passphrase(self) -> None:
        ChangePassphraseDialog(self.vault, self.session, parent=self).open()

    def new_recovery_key(self) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Make a new recovery key")
        box.setText(
            "Make a new recovery key? Your current recovery key will stop working for this "
            "vault. Backups already made still open with the key they were made with."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Cancel | QMessageBox.StandardButton.Yes)
        box.button(QMessageBox.StandardButton.Yes).setText("Make a new key")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(self._make_key)
        plain_buttons(box)
        box.open()

    def _make_key(self) -> None:
        vault, session = self.vault, self.session
        Op(self, lambda: vault.new_recovery_key(session)).success(self._show_key).run()

    def _show_key(self, text: str) -> None:
        folder = self.app_settings.backup_folder if self.app_settings is not None else ""
        self.key_dialog = NewRecoveryKeyDialog(
            text, vault_id=self.session.vault_id, backup_folder=folder, parent=self
        )
        self.key_dialog.open()


class ChangePassphraseDialog(QDialog):
    def __init__(
        self, vault: VaultService, session: VaultSession, *, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.vault = vault
        self.session = session
        self.setWindowTitle("Change passphrase")
        self.setMinimumWidth(56 * GRID)
        self.old = password_field("Current passphrase", self)
        self.rows = NewPassphraseRows(self)
        self.new, self.again = self.rows.new, self.rows.again
        self.message = message_label(self)
        self.rows.hides(self.message)
        self.busy = busy_bar(self)
        self.buttons, self.ok = ok_cancel(self, "Change passphrase")
        form = QFormLayout()
        form.setSpacing(GRID)
        form.addRow("C&urrent passphrase", self.old)
        self.rows.add_to(form)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

    def submit(self) -> None:
        old = self.old.text()
        try:
            new = self.rows.value()
        except PassphrasesDiffer as exc:
            show_inline(self.message, exc)
            return
        vault, session = self.vault, self.session
        Op(self, lambda: vault.change_passphrase(session, old, new)).busy(self._set_busy).success(
            lambda _r: self._done()
        ).failure(lambda exc: show_inline(self.message, exc)).run()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.ok.setEnabled(not busy)

    def _done(self) -> None:
        self.old.clear()  # no passphrase left in a dialog that lives on hidden
        self.rows.clear()
        self.accept()
        box = QMessageBox(self.parentWidget())
        box.setWindowTitle("Passphrase changed")
        box.setText(
            "Your passphrase is changed. Backups made before today still open with the old "
            "passphrase."
        )
        plain_buttons(box)
        box.open()
