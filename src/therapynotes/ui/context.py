"""What the composition root hands to the main window (no Qt here, but ui-only).

Imports nothing the lock screen does not need (issue 18): the setup flow and the restore
engine load when first used.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from therapynotes.settings import AppSettings

if TYPE_CHECKING:
    from therapynotes.services.setup_flow import (
        PreparedRestore,
        RestoreFromFile,
        RestoreRequest,
        SetupFlow,
    )
    from therapynotes.services.vault import VaultService


def open_for_setup(request: RestoreRequest) -> PreparedRestore:
    """services/restore.open_for_setup, loaded when the wizard first restores a file."""
    from therapynotes.services import restore  # noqa: PLC0415 - see the module docstring

    return restore.open_for_setup(request)


@dataclass
class AppContext:
    vault: VaultService
    settings: AppSettings
    config_dir: Path | None = None
    clock: Callable[[], float] = time.time
    # The first-run wizard's "Restore from a backup file"; None shows a clear message.
    restore_from_file: RestoreFromFile | None = open_for_setup
    listen_to_os: bool = True

    def new_setup_flow(self) -> SetupFlow:
        from therapynotes.services.setup_flow import SetupFlow  # noqa: PLC0415 - see above

        return SetupFlow(self.vault, clock=self.clock, restore_from_file=self.restore_from_file)

    def save_settings(self) -> None:
        self.settings.save(self.config_dir)
