"""First-run wizard: thin Qt views over services.setup_flow.SetupFlow.

All decisions live in the flow; this module only shows the current step, passes what the
therapist typed, and runs the slow steps (creating the vault, the first unlock, a
restore) through ops.Op.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from therapynotes import APP_NAME
from therapynotes.errors import KEYRING_PROBLEMS
from therapynotes.services.setup_flow import Mode, SetupFlow, Step
from therapynotes.ui.admin.move_in import (
    import_then_finish,
    move_in_button,
    pick_export_folder,
)
from therapynotes.ui.authenticator import key_label, qr_label
from therapynotes.ui.emergency_kit import ask_kit_path, write_emergency_kit
from therapynotes.ui.errors import show_inline
from therapynotes.ui.icons import app_icon, icon
from therapynotes.ui.keyring_choice import PassphraseOnlyChoice
from therapynotes.ui.ops import Op
from therapynotes.ui.restore_pages import (
    RestoreChooseWidget,
    RestorePreviewWidget,
    RestoreProgress,
)
from therapynotes.ui.widgets import (
    GRID,
    StrengthMeter,
    body,
    busy_bar,
    code_field,
    hbox,
    heading,
    hide_on_edit,
    message_label,
    mono_font,
    password_field,
    vbox,
)

CREATE_STEPS = {
    Step.PASSPHRASE: 1,
    Step.TOTP: 2,
    Step.RECOVERY_SHOW: 3,
    Step.RECOVERY_CHECK: 3,
    Step.BACKUP_FOLDER: 4,
}
ORDINALS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth"
).split()
COLUMN_WIDTH = 70 * GRID


class SetupWizardView(QWidget):
    finished = Signal(object)  # SetupResult

    def __init__(self, flow: SetupFlow, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SetupWizardView")
        self.flow = flow
        self._busy = False
        self.pages: dict[Step, QWidget] = {}
        self._build()
        self.show_step()

    # --- frame -----------------------------------------------------------------------

    def _build(self) -> None:
        column = QWidget(self)
        column.setFixedWidth(COLUMN_WIDTH)
        column.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Maximum)
        self.progress = QLabel(column)
        self.progress.setAccessibleName("Step")
        self.stack = QStackedWidget(column)
        self.message = message_label(column)
        self.busy = busy_bar(column, keep_space=True)
        self.back_button = QPushButton("Back", column)
        self.skip_button = QPushButton("Skip for now", column)
        self.next_button = QPushButton("Next", column)
        self.next_button.setDefault(True)
        self.next_button.setAutoDefault(True)
        for button in (self.back_button, self.skip_button, self.next_button):
            button.setAccessibleName(button.text())

        buttons = hbox()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.next_button)

        layout = vbox(column, spacing=2 * GRID)
        layout.addWidget(self.progress)
        layout.addWidget(self.stack)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)

        outer = vbox(self, margins=4 * GRID)
        outer.addStretch(1)
        row = hbox()
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self._build_pages()

        self.back_button.clicked.connect(self.go_back)
        self.skip_button.clicked.connect(self.skip)
        self.next_button.clicked.connect(self.go_next)

    def _build_pages(self) -> None:
        for step, build in (
            (Step.CHOOSE, self._page_choose),
            (Step.PASSPHRASE, self._page_passphrase),
            (Step.TOTP, self._page_totp),
            (Step.RECOVERY_SHOW, self._page_recovery_show),
            (Step.RECOVERY_CHECK, self._page_recovery_check),
            (Step.BACKUP_FOLDER, self._page_backup_folder),
            (Step.RESTORE, self._page_restore),
            (Step.RESTORE_PREVIEW, self._page_restore_preview),
        ):
            page = QWidget(self.stack)
            build(page)
            page_layout = page.layout()
            if isinstance(page_layout, QVBoxLayout):
                page_layout.addStretch(1)
            self.pages[step] = page
            self.stack.addWidget(page)

    def show_step(self) -> None:
        step = self.flow.step
        if step is Step.DONE:
            if self.flow.import_from is not None and self.flow.session is not None:
                self._import_then_finish()
            elif self.flow.result is not None:
                self.finished.emit(self.flow.result)
            return
        self.stack.setCurrentWidget(self.pages[step])
        self._enter(step)
        number = CREATE_STEPS.get(step)
        self.progress.setText(f"Step {number} of 4" if number else "")
        self.progress.setVisible(number is not None)
        self.back_button.setVisible(self.flow.can_go_back())
        self.skip_button.setVisible(step is Step.BACKUP_FOLDER)
        self.next_button.setVisible(step is not Step.CHOOSE)
        self.next_button.setText(NEXT_TEXT.get(step, "Next"))
        self.next_button.setAccessibleName(self.next_button.text())
        show_inline(self.message, None)

    def _enter(self, step: Step) -> None:
        if step is Step.TOTP:
            pixmap = QPixmap()
            pixmap.loadFromData(self.flow.totp_qr_png(scale=5), "PNG")
            self.qr.setPixmap(pixmap)
            self.totp_key.setText(self.flow.totp_key_text())
            self.code.setFocus()
        elif step is Step.RECOVERY_SHOW:
            for label, group in zip(self.group_labels, self.flow.recovery_groups(), strict=True):
                label.setText(group)
        elif step is Step.RECOVERY_CHECK:
            n = self.flow.check_group
            self.check_prompt.setText(
                f"To make sure the key was kept, type its {ORDINALS[n]} group "
                f"(group {n + 1} of {len(self.group_labels)})."
            )
            self.check_field.clear()
            self.check_field.setFocus()
        elif step is Step.PASSPHRASE:
            self._offer_if_no_keyring(self.create_keyring)
            self.passphrase.setFocus()
        elif step is Step.RESTORE:
            self._offer_if_no_keyring(self.restore_choose.keyring)
        elif step is Step.RESTORE_PREVIEW:
            self.restore_preview.show_lines(self.flow.preview_lines())

    # --- navigation --------------------------------------------------------------------

    def go_back(self) -> None:
        if not self._busy and self.flow.can_go_back():
            self.flow.back()
            self.show_step()

    def skip(self) -> None:
        self._instant(lambda: self.flow.choose_backup_folder(None))

    def choose(self, mode: Mode) -> None:
        self._instant(lambda: self.flow.choose(mode))

    def go_next(self) -> None:
        if self._busy:
            return
        step = self.flow.step
        if step is Step.PASSPHRASE:
            self.flow.passphrase_only = self.create_keyring.chosen()
            p, c = self.passphrase.text(), self.confirm.text()
            try:
                self.flow.check_passphrase(p, c)
            except Exception as exc:  # noqa: BLE001 - shown inline, nothing else to do
                show_inline(self.message, exc)
                return
            self._slow(lambda: self.flow.submit_passphrase(p, c), self._passphrase_done)
        elif step is Step.TOTP:
            code = self.code.text()
            self._slow(lambda: self.flow.confirm_code(code), self._clear_code)
        elif step is Step.RECOVERY_SHOW:
            self._instant(self.flow.recovery_shown)
        elif step is Step.RECOVERY_CHECK:
            self._instant(lambda: self.flow.check_recovery_group(self.check_field.text()))
        elif step is Step.BACKUP_FOLDER:
            text = self.folder.text().strip()
            folder = Path(text) if text else None
            if folder is None:
                self.message.setText("Choose a folder, or skip this step for now.")
                self.message.setVisible(True)
                return
            self._instant(lambda: self.flow.choose_backup_folder(folder))
        elif step is Step.RESTORE:
            self._open_backup()
        elif step is Step.RESTORE_PREVIEW:
            self._restore()

    def _instant(self, action) -> None:  # type: ignore[no-untyped-def]
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - every failure is shown inline
            show_inline(self.message, exc)
            return
        self.show_step()

    def _slow(self, action, then) -> None:  # type: ignore[no-untyped-def]
        def done(_result: object) -> None:
            if then is not None:
                then()
            self.show_step()

        Op(self, action).busy(self._set_busy).success(done).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        if self.stack.currentWidget() is not self.pages.get(self.flow.step):
            self.show_step()  # the flow went back (a restore that failed)
        choice = self._keyring_choice()
        if isinstance(exc, KEYRING_PROBLEMS) and choice is not None:
            choice.offer(self.flow.keyring_words(exc))
            self.message.setText(self.flow.keyring_next_step())
            self.message.setVisible(True)
            return
        show_inline(self.message, exc)

    def _keyring_choice(self) -> PassphraseOnlyChoice | None:
        """The passphrase-only choice on the current page, if it has one."""
        if self.flow.step is Step.PASSPHRASE:
            return self.create_keyring
        if self.flow.step is Step.RESTORE:
            return self.restore_choose.keyring
        return None

    def _offer_if_no_keyring(self, choice: PassphraseOnlyChoice) -> None:
        """The instant check (no keyring, or a plaintext one); a locked keyring is found
        by the slow step and offered from `_failed`."""
        problem = self.flow.keyring_problem()
        if problem is not None:
            choice.offer(self.flow.keyring_words(problem))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        self.next_button.setEnabled(not busy)
        self.back_button.setEnabled(not busy)
        if busy:
            show_inline(self.message, None)

    def _passphrase_done(self) -> None:
        self.passphrase.clear()
        self.confirm.clear()

    def _clear_code(self) -> None:
        self.code.clear()

    # --- pages -----------------------------------------------------------------------

    def _page_choose(self, page: QWidget) -> None:
        logo = QLabel(page)
        logo.setPixmap(app_icon().pixmap(64, 64))
        logo.setAccessibleName(f"{APP_NAME} logo")
        create = QCommandLinkButton("Create a new vault", page)
        create.setDescription("Start fresh on this computer. Takes about two minutes.")
        create.setIcon(icon("lock"))
        create.setAccessibleName("Create a new vault")
        restore = QCommandLinkButton("Restore from a backup file", page)
        restore.setDescription("Bring your records back from a TherapyNotes backup file.")
        restore.setIcon(icon("restore"))
        restore.setAccessibleName("Restore from a backup file")
        create.clicked.connect(lambda: self.choose(Mode.CREATE))
        restore.clicked.connect(lambda: self.choose(Mode.RESTORE))
        self.move_in = move_in_button(page, self._pick_export)
        layout = vbox(page, spacing=2 * GRID)
        layout.addWidget(logo)
        layout.addWidget(heading(f"Welcome to {APP_NAME}"))
        layout.addWidget(
            body(
                "Your notes are kept encrypted on this computer, behind a passphrase and a "
                "code from your phone. Nothing is sent anywhere."
            )
        )
        layout.addSpacing(GRID)
        layout.addWidget(create)
        layout.addWidget(restore)
        layout.addWidget(self.move_in)

    def _page_passphrase(self, page: QWidget) -> None:
        self.passphrase = password_field("Passphrase", page)
        self.confirm = password_field("Passphrase again", page)
        self.meter = StrengthMeter(page)
        self.passphrase.textChanged.connect(self.meter.update_for)
        hide_on_edit(self.message, self.passphrase, self.confirm)
        self.passphrase.returnPressed.connect(self.confirm.setFocus)
        self.confirm.returnPressed.connect(self.go_next)
        self.create_keyring = PassphraseOnlyChoice(page)
        self.passphrase_only = self.create_keyring.checkbox
        form = QFormLayout()
        form.setSpacing(GRID)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.addRow("&Passphrase", self.passphrase)
        form.addRow(self.meter)
        form.addRow("&Type it again", self.confirm)
        layout = vbox(page, spacing=2 * GRID)
        layout.addWidget(heading("Choose a passphrase"))
        layout.addWidget(
            body(
                "You'll type it each time you unlock. A few unrelated words are easy to "
                "remember and hard to guess. Nobody can reset it for you."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.create_keyring)

    def _page_totp(self, page: QWidget) -> None:
        self.qr = qr_label(page, "QR code for your authenticator app")
        self.totp_key = key_label(page, "Key for typing into your authenticator app")
        self.totp_key.setWordWrap(True)
        self.code = code_field(page)
        self.code.returnPressed.connect(self.go_next)
        side = vbox(spacing=GRID)
        side.addWidget(
            body(
                "Open your authenticator app (for example Google Authenticator, Aegis or "
                "1Password), add an account and scan this code."
            )
        )
        side.addWidget(body("Can't scan? Type this key instead:"))
        side.addWidget(self.totp_key)
        side.addSpacing(GRID)
        prompt = QLabel("Then enter the &code it shows:", page)
        prompt.setBuddy(self.code)
        side.addWidget(prompt)
        side.addWidget(self.code)
        row = hbox(spacing=3 * GRID)
        row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(side, 1)
        layout = vbox(page, spacing=2 * GRID)
        layout.addWidget(heading("Add your phone"))
        layout.addLayout(row)

    def _page_recovery_show(self, page: QWidget) -> None:
        grid = QGridLayout()
        grid.setHorizontalSpacing(2 * GRID)
        grid.setVerticalSpacing(GRID)
        font = mono_font()
        font.setPointSizeF(font.pointSizeF() + 3)
        self.group_labels: list[QLabel] = []
        for i in range(14):
            label = QLabel(page)
            label.setFont(font)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setAccessibleName(f"Recovery key group {i + 1}")
            grid.addWidget(label, i // 7, i % 7)
            self.group_labels.append(label)
        kit = QPushButton(icon("note"), "Save Emergency Kit as PDF…", page)
        kit.setAccessibleName("Save Emergency Kit as PDF")
        kit.clicked.connect(self._pick_kit_file)
        kit_row = hbox()
        kit_row.addWidget(kit)
        kit_row.addStretch(1)
        layout = vbox(page, spacing=2 * GRID)
        layout.addWidget(heading("Write down your recovery key"))
        layout.addWidget(
            body(
                "If you forget your passphrase or move to a new computer, this key is the "
                "only way back in. Write it on paper and keep it somewhere safe, away from "
                "this computer. It is shown only this once."
            )
        )
        layout.addLayout(grid)
        layout.addLayout(kit_row)

    def _pick_kit_file(self) -> None:
        path = ask_kit_path(self)
        if path is not None:
            self.save_emergency_kit(path)

    def save_emergency_kit(self, path: Path) -> None:
        try:
            write_emergency_kit(
                path, recovery_key=self.flow.recovery_key(), vault_id=self.flow.vault_id()
            )
        except Exception as exc:  # noqa: BLE001 - shown inline
            show_inline(self.message, exc)
            return
        self.message.setText(f"Saved {path.name}. Print it, then delete the file.")
        self.message.setVisible(True)

    def _page_recovery_check(self, page: QWidget) -> None:
        self.check_prompt = body("", parent=page)
        self.check_field = QLineEdit(page)
        self.check_field.setFont(mono_font())
        self.check_field.setMaxLength(4)
        self.check_field.setFixedWidth(12 * GRID)
        self.check_field.setAccessibleName("Recovery key group")
        self.check_field.returnPressed.connect(self.go_next)
        layout = vbox(page, spacing=2 * GRID)
        layout.addWidget(heading("Check your recovery key"))
        layout.addWidget(self.check_prompt)
        layout.addWidget(self.check_field)

    def _page_backup_folder(self, page: QWidget) -> None:
        self.folder = QLineEdit(page)
        self.folder.setAccessibleName("Backup folder")
        self.folder.setPlaceholderText("No folder chosen")
        choose = QPushButton(icon("folder"), "Choose folder…", page)
        choose.setAccessibleName("Choose folder")
        choose.clicked.connect(self._pick_folder)
        row = hbox()
        row.addWidget(self.folder, 1)
        row.addWidget(choose)
        layout = vbox(page, spacing=2 * GRID)
        layout.addWidget(heading("Choose where backups go"))
        layout.addWidget(
            body(
                "Backups are encrypted files. Keep them on a USB drive or another disk, "
                "apart from this computer. You can skip this now and choose later under "
                "Backups; TherapyNotes will remind you."
            )
        )
        layout.addLayout(row)

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose where backups go")
        if folder:
            self.folder.setText(folder)

    def _page_restore(self, page: QWidget) -> None:
        self.restore_choose = RestoreChooseWidget(page)
        choose = self.restore_choose
        hide_on_edit(self.message, choose.secret, choose.new_passphrase, choose.confirm)
        vbox(page).addWidget(self.restore_choose)

    def _page_restore_preview(self, page: QWidget) -> None:
        self.restore_preview = RestorePreviewWidget(page)
        vbox(page).addWidget(self.restore_preview)
        self._restore_progress = RestoreProgress(self)
        self._restore_progress.moved.connect(self.restore_preview.on_progress)

    def _open_backup(self) -> None:
        choose = self.restore_choose
        path, secret = choose.chosen_file(), choose.secret.text()
        new = confirm = None
        if choose.use_recovery.isChecked():
            new, confirm = choose.new_passphrase.text(), choose.confirm.text()
        self.flow.passphrase_only = choose.keyring.chosen()
        self._slow(
            lambda: self.flow.open_backup(path, secret, new_passphrase=new, confirmation=confirm),
            choose.clear_secrets,
        )

    def _restore(self) -> None:
        emit = self._restore_progress.moved.emit
        self.restore_preview.on_progress("verify", 0, 0)
        self._slow(lambda: self.flow.restore(emit), None)

    # --- moving in from an export (issue 16; ui/admin/move_in.py) ---------------------

    def _pick_export(self) -> None:
        folder = pick_export_folder(self)
        if folder is not None:
            self.choose_import(folder)

    def choose_import(self, folder: Path) -> None:
        """Check the export folder off the UI thread, then go on as "Create"."""
        self._slow(lambda: self.flow.choose_import(folder), None)

    def _import_then_finish(self) -> None:
        import_then_finish(self)


NEXT_TEXT = {
    Step.PASSPHRASE: "Create vault",
    Step.TOTP: "Confirm code",
    Step.RECOVERY_SHOW: "I've written it down",
    Step.RECOVERY_CHECK: "Check",
    Step.BACKUP_FOLDER: "Use this folder",
    Step.RESTORE: "Open backup",
    Step.RESTORE_PREVIEW: "Restore",
}
