"""Settings → "Change the encryption key…": re-encrypt the vault under a new data key
(services/rotation.py).

Pages, in order: what it does and the secrets it needs (passphrase, and the recovery key
to keep it, or a new one) → the new recovery key, shown and confirmed as written down
*before* anything changes (only when a new one was asked for) → a second, explicit
"Change the key now" step → progress → done, with "Back up now".

The slow parts run off the UI thread: Argon2id through `Op`, the rotation itself on the
database worker (it holds the session's connection lock while it copies and switches).
While it runs, scheduled backups wait; a running backup makes it refuse to start.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from therapynotes.services.rotation import (
    BackupInProgress,
    KeyRotation,
    RotationPlan,
    RotationResult,
    RotationUnfinished,
)
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.ui.backup_runner import BackupRunner
from therapynotes.ui.emergency_kit import ask_kit_path, write_emergency_kit
from therapynotes.ui.errors import show_error, show_inline
from therapynotes.ui.icons import icon
from therapynotes.ui.ops import Op
from therapynotes.ui.widgets import (
    GRID,
    body,
    busy_bar,
    hbox,
    heading,
    message_label,
    mono_font,
    ok_cancel,
    password_field,
    plain_buttons,
    vbox,
)

EXPLAIN = (
    "Re-encrypts all your records with a brand-new key. Do this if an old backup and the "
    "passphrase it was made with (or an old recovery key) may be in someone else's hands: "
    "afterwards they can no longer read the records on this computer. If you think your "
    "current passphrase is known, change it first. Your passphrase and your phone stay "
    "the same."
)
CONFIRM = (
    "TherapyNotes will copy all your records under the new key, check the copy, then "
    "switch to it and remove the old file. It takes a few seconds for most practices; "
    "TherapyNotes can't be used meanwhile. If the computer stops halfway, nothing is "
    "lost: the change is finished or undone the next time TherapyNotes opens."
)
DONE = (
    "Your records are now encrypted with a new key. Backups made before now still open "
    "with the passphrase and recovery key they were made with, and still hold the old "
    "key: make a fresh backup now, and delete old backups you think someone else may have."
)
PHASES = {
    "copy": "Copying your records under the new key…",
    "check": "Checking the copy…",
    "switch": "Switching over…",
}

ASK, NEW_KEY, CONFIRM_PAGE, WORKING, DONE_PAGE = range(5)


class _Progress(QObject):
    """Emitted from the worker thread; Qt queues it to the GUI thread."""

    moved = Signal(str, int, int)


class RotateKeyDialog(QDialog):
    def __init__(
        self,
        vault: VaultService,
        session: VaultSession,
        *,
        backups: BackupRunner | None = None,
        backup_folder: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.vault = vault
        self.session = session
        self.backups = backups
        self.backup_folder = backup_folder
        self.plan: RotationPlan | None = None
        self.working = False
        self.setWindowTitle("Change the encryption key")
        self.setMinimumWidth(64 * GRID)
        self._bridge = _Progress(self)
        self._bridge.moved.connect(self._on_progress)
        self.pages = QStackedWidget(self)
        for page in (
            self._ask_page(),
            self._key_page(),
            self._confirm_page(),
            self._working_page(),
            self._done_page(),
        ):
            self.pages.addWidget(page)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(self.pages)

    # --- pages -------------------------------------------------------------------------

    def _ask_page(self) -> QWidget:
        page = QWidget(self)
        self.passphrase = password_field("Passphrase", page)
        self.key = QLineEdit(page)
        self.key.setFont(mono_font())
        self.key.setPlaceholderText("ABCD-EFGH-…")
        self.key.setAccessibleName("Recovery key")
        self.make_new = QCheckBox(
            "I don't have my recovery key, or it may have leaked: make a new one", page
        )
        self.make_new.setAccessibleName("Make a new recovery key")
        self.make_new.toggled.connect(lambda on: self.key.setEnabled(not on))
        self.message = message_label(page)
        self.busy = busy_bar(page)
        self.ask_buttons, self.ok = ok_cancel(page, "Continue")
        form = QFormLayout()
        form.setSpacing(GRID)
        form.addRow("&Passphrase", self.passphrase)
        form.addRow("Recovery &key", self.key)
        form.addRow("", self.make_new)
        layout = vbox(page, spacing=2 * GRID)
        layout.addWidget(body(EXPLAIN, parent=page))
        layout.addWidget(
            body(
                "Type your passphrase, and your recovery key from the Emergency Kit to keep "
                "it (it is needed to lock the new key with it).",
                parent=page,
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.ask_buttons)
        self.ask_buttons.accepted.connect(self.check_secrets)
        self.ask_buttons.rejected.connect(self.reject)
        return page

    def _key_page(self) -> QWidget:
        page = QWidget(self)
        self.new_key = QLabel(page)
        self.new_key.setFont(mono_font())
        self.new_key.setWordWrap(True)
        self.new_key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.new_key.setAccessibleName("New recovery key")
        save = QPushButton(icon("note"), "Save Emergency Kit as PDF…", page)
        save.setAccessibleName("Save Emergency Kit as PDF")
        save.clicked.connect(self._save_kit)
        self.written = QCheckBox("I have written down or saved the new recovery key", page)
        self.written.setAccessibleName("I have the new recovery key")
        self.kit_message = message_label(page)
        buttons, self.key_ok = ok_cancel(page, "Continue")
        self.key_ok.setEnabled(False)
        self.written.toggled.connect(self.key_ok.setEnabled)
        buttons.accepted.connect(lambda: self.pages.setCurrentIndex(CONFIRM_PAGE))
        buttons.rejected.connect(self.reject)
        row = hbox()
        row.addWidget(save)
        row.addStretch(1)
        layout = vbox(page, spacing=2 * GRID)
        layout.addWidget(
            body(
                "Your new recovery key. Write it down, or save the Emergency Kit and print "
                "it. It takes the place of your old one only once the change is finished: "
                "keep the old one until TherapyNotes says so.",
                parent=page,
            )
        )
        layout.addWidget(self.new_key)
        layout.addLayout(row)
        layout.addWidget(self.written)
        layout.addWidget(self.kit_message)
        layout.addWidget(buttons)
        return page

    def _confirm_page(self) -> QWidget:
        page = QWidget(self)
        self.confirm_message = message_label(page)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, page)
        self.go = buttons.addButton("Change the key now", QDialogButtonBox.ButtonRole.AcceptRole)
        self.go.setAccessibleName("Change the key now")
        plain_buttons(buttons)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout = vbox(page, spacing=2 * GRID)
        layout.addWidget(heading("Change the encryption key now?", size_delta=2, parent=page))
        layout.addWidget(body(CONFIRM, parent=page))
        layout.addWidget(self.confirm_message)
        layout.addStretch(1)
        layout.addWidget(buttons)
        return page

    def _working_page(self) -> QWidget:
        page = QWidget(self)
        self.phase = body(PHASES["copy"], parent=page)
        self.progress = QProgressBar(page)
        self.progress.setRange(0, 100)
        self.progress.setAccessibleName("Progress")
        layout = vbox(page, spacing=2 * GRID)
        layout.addWidget(self.phase)
        layout.addWidget(self.progress)
        layout.addWidget(
            body(
                "Please wait. If the computer stops now, nothing is lost: TherapyNotes "
                "finishes or undoes the change the next time it opens.",
                parent=page,
            )
        )
        layout.addStretch(1)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget(self)
        self.done_message = message_label(page)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, page)
        self.back_up = buttons.addButton("Back up now", QDialogButtonBox.ButtonRole.ActionRole)
        self.back_up.setAccessibleName("Back up now")
        self.back_up.setEnabled(self.backups is not None)
        self.back_up.clicked.connect(self.back_up_now)
        plain_buttons(buttons)
        buttons.rejected.connect(self.accept)
        layout = vbox(page, spacing=2 * GRID)
        layout.addWidget(heading("Encryption key changed", size_delta=2, parent=page))
        layout.addWidget(body(DONE, parent=page))
        layout.addWidget(self.done_message)
        layout.addStretch(1)
        layout.addWidget(buttons)
        return page

    # --- steps -------------------------------------------------------------------------

    def check_secrets(self) -> None:
        """*Slow* (Argon2id): check the passphrase and the recovery key; nothing changes."""
        passphrase, key, new = self.passphrase.text(), self.key.text(), self.make_new.isChecked()
        rotation, session = KeyRotation(self.vault), self.session

        def work() -> RotationPlan:
            return rotation.prepare(
                session, passphrase, recovery_text=None if new else key, new_recovery_key=new
            )

        Op(self, work).busy(self._set_busy).success(self._prepared).failure(
            lambda exc: show_inline(self.message, exc)
        ).run()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.ok.setEnabled(not busy)
        if busy:
            show_inline(self.message, None)

    def _prepared(self, plan: RotationPlan) -> None:
        self._drop_plan()
        self.plan = plan
        self.passphrase.clear()
        self.key.clear()
        if plan.new_recovery_key is None:
            self.pages.setCurrentIndex(CONFIRM_PAGE)
            return
        self.new_key.setText(plan.new_recovery_key.replace("-", " "))
        self.written.setChecked(False)
        self.pages.setCurrentIndex(NEW_KEY)

    def _save_kit(self) -> None:
        path = ask_kit_path(self)
        if path is None or self.plan is None or self.plan.new_recovery_key is None:
            return
        try:
            write_emergency_kit(
                path,
                recovery_key=self.plan.new_recovery_key,
                vault_id=self.session.vault_id,
                backup_folder=self.backup_folder,
            )
        except Exception as exc:  # noqa: BLE001 - shown inline
            show_inline(self.kit_message, exc)
            return
        self.kit_message.setText(f"Saved {path.name}. Print it, then delete the file.")
        self.kit_message.setVisible(True)

    def start(self) -> None:
        """The second, explicit step: run the rotation on the database worker."""
        plan = self.plan
        if plan is None:
            self.pages.setCurrentIndex(ASK)
            return
        if self.backups is not None and self.backups.busy:
            show_inline(self.confirm_message, BackupInProgress())
            return
        self.plan = None  # the work owns it now, and wipes it
        self.working = True
        if self.backups is not None:
            self.backups.timer.stop()  # a scheduled backup waits for the new key
        self.progress.setValue(0)
        self.pages.setCurrentIndex(WORKING)
        rotation, emit = KeyRotation(self.vault), self._bridge.moved.emit

        def work() -> RotationResult:
            try:
                return rotation.run(plan, progress=emit)
            finally:
                plan.close()

        Op(self, work).success(self._finished).failure(self._failed).run(database=True)

    def _on_progress(self, phase: str, done: int, total: int) -> None:
        self.phase.setText(PHASES.get(phase, self.phase.text()))
        share = {"copy": (0, 70), "check": (70, 95), "switch": (95, 100)}.get(phase, (0, 100))
        fraction = done / total if total else 0.0
        self.progress.setValue(int(share[0] + (share[1] - share[0]) * fraction))

    def _resume_backups(self) -> None:
        if self.backups is not None and self.backups.session is not None:
            self.backups.timer.start()

    def _finished(self, _result: RotationResult) -> None:
        self.working = False
        self._resume_backups()
        self.progress.setValue(100)
        self.pages.setCurrentIndex(DONE_PAGE)

    def _failed(self, exc: BaseException) -> None:
        self.working = False
        if isinstance(exc, RotationUnfinished):
            self._end_after_unfinished(exc)
            return
        self._resume_backups()
        self.pages.setCurrentIndex(ASK)
        show_inline(self.message, exc)

    def _end_after_unfinished(self, exc: RotationUnfinished) -> None:
        """The session is already locked (services/rotation.py): take the records off the
        screen the usual way, without a lock-time backup of a vault that is closed."""
        host = self.parentWidget()
        window = host.window() if host is not None else None
        runner = self.backups
        if runner is not None:
            runner.session, runner.service = None, None
        self.accept()
        lock = getattr(window, "lock", None)
        if callable(lock):
            lock("encryption key change unfinished")
        show_error(window, exc, title="Change the encryption key")

    def back_up_now(self) -> None:
        runner = self.backups
        if runner is None:
            return
        if runner.folder is None or not runner.folder.is_dir():
            self.done_message.setText(
                "Choose a backup folder (or connect the backup drive) on the Backups page, "
                "then choose Back up now there."
            )
            self.done_message.setVisible(True)
            return
        if runner.start():
            self.accept()
            box = QMessageBox(self.parentWidget())
            box.setWindowTitle("Backing up")
            box.setText("A fresh backup is being made; the Backups page shows its progress.")
            plain_buttons(box)
            box.open()

    # --- closing -----------------------------------------------------------------------

    def _drop_plan(self) -> None:
        if self.plan is not None:
            self.plan.close()
            self.plan = None

    def reject(self) -> None:
        if self.working:
            return  # the rotation finishes (or is undone) on its own; never half-closed
        super().reject()

    def done(self, result: int) -> None:
        self._drop_plan()
        self.passphrase.clear()
        self.key.clear()
        self.new_key.clear()
        super().done(result)
