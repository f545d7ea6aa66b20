"""What the composition root hands to the main window (no Qt here, but ui-only)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from therapynotes.services.restore import open_for_setup
from therapynotes.services.setup_flow import RestoreFromFile, SetupFlow
from therapynotes.services.vault import VaultService
from therapynotes.settings import AppSettings


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
        return SetupFlow(self.vault, clock=self.clock, restore_from_file=self.restore_from_file)

    def save_settings(self) -> None:
        self.settings.save(self.config_dir)
