"""The lock screen while the first unlock after an update upgrades the vault's schema.

Some steps are long on a large record (m0016 rebuilds the search indexes: 42 s at twice
the stress practice; m0013 moves the clinical tables). The unlock worker reports each step
(store/migrations.py `UpgradeStep`); this shows one plain sentence with the step count
in the lock screen's message line (its room is kept, so nothing moves), above the busy
bar, which stays indeterminate: no made-up percentage.
Closing the window meanwhile asks first: waiting is the safe choice, and quitting at once
is safe too (the step in flight rolls back and runs again at the next unlock; the kill
walks in tests/trust prove it), so the dialog says both.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from therapynotes.ui.widgets import plain_buttons

if TYPE_CHECKING:
    from collections.abc import Callable

    from therapynotes.store.migrations import Progress, UpgradeStep

# Ends the process at once, as a kill would (a test puts a recorder here).
end_process: Callable[[int], None] = os._exit

# Three lines at the lock screen's width: the room its message line keeps, so the
# fields stay where they are while it shows (tests/ui/test_upgrade_notice.py).
SENTENCE = (
    "Updating your records for this version ({count}): {what}. This happens once and "
    "can take a minute. Don't close the app."
)
ASK_TITLE = "Updating your records"
ASK_TEXT = (
    "Your records are being updated for this version. It's safe to wait: this happens "
    "once, and the app opens as usual when it's done."
)
ASK_MORE = (
    "If you quit now, nothing is lost: the update stops, your records stay as they were, "
    "and it starts again the next time you unlock."
)


def sentence(step: UpgradeStep) -> str:
    count = f"step {step.number} of {step.total}"
    if step.done is not None and step.parts is not None:
        count += f", part {step.done} of {step.parts}"
    return SENTENCE.format(count=count, what=step.description)


class UpgradeNotice(QObject):
    """The sentence in `label` (the lock screen's message line, free while it unlocks)
    while an upgrade runs."""

    stepped = Signal(object)  # an UpgradeStep, emitted on the worker, shown on the UI thread

    def __init__(self, label: QLabel, parent: QObject) -> None:
        super().__init__(parent)
        self.label = label
        self.upgrading = False
        self._ask: QMessageBox | None = None
        self.stepped.connect(self._show)

    def reporter(self) -> Progress:
        """The callback for the unlock worker: it only emits (queued to the UI thread),
        and a lock screen gone meanwhile never stops the upgrade."""

        def report(step: UpgradeStep) -> None:
            with contextlib.suppress(RuntimeError):  # deleted between the check and the emit
                if shiboken6.isValid(self):
                    self.stepped.emit(step)

        return report

    def _show(self, step: UpgradeStep) -> None:
        self.upgrading = True
        self.label.setText(sentence(step))
        self.label.setVisible(True)

    def finished(self) -> None:
        """The unlock ended (opened or failed): back to the ordinary lock screen (a
        failure's message is said after this)."""
        if self.upgrading:
            self.label.setVisible(False)
            self.label.clear()
        self.upgrading = False
        if self._ask is not None:
            self._ask.close()
            self._ask = None

    def ask_before_quitting(self, window: QWidget, quit_now: Callable[[], None]) -> None:
        """Keep waiting (the default) or quit at once (`quit_now`)."""
        if self._ask is not None:
            self._ask.raise_()
            return
        box = QMessageBox(QMessageBox.Icon.Information, ASK_TITLE, ASK_TEXT, parent=window)
        box.setInformativeText(ASK_MORE)
        wait = box.addButton("Keep waiting", QMessageBox.ButtonRole.RejectRole)
        leave = box.addButton("Quit now", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(wait)
        box.setEscapeButton(wait)
        plain_buttons(box)
        leave.clicked.connect(quit_now)
        box.finished.connect(self._asked)
        self._ask = box
        box.open()

    def _asked(self, _result: int) -> None:
        self._ask = None


def running(screen: QWidget | None) -> UpgradeNotice | None:
    """The notice of an upgrade running from `screen` (the lock screen's unlock, or its
    recovery dialog's), if any."""
    if screen is None:
        return None
    return next((n for n in screen.findChildren(UpgradeNotice) if n.upgrading), None)
