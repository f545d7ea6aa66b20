"""Where a user's files live: platformdirs locations, created private (0700).

Owns the names of every file in the data folder. Must not import PySide6.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from therapynotes import APP_NAME

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) and make the leaf folder 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    if os.name == "posix":
        os.chmod(path, PRIVATE_DIR_MODE)
    return path


@dataclass(frozen=True)
class VaultPaths:
    """The files of one vault, all inside one private folder."""

    root: Path

    @property
    def db(self) -> Path:
        return self.root / "vault.db"

    @property
    def clinical(self) -> Path:
        """The clinical database (issue 17), keyed with the clinical key."""
        return self.root / "clinical.db"

    @property
    def keys(self) -> Path:
        return self.root / "vault.keys"

    @property
    def attempts(self) -> Path:
        return self.root / "attempts.json"

    @property
    def lock(self) -> Path:
        return self.root / "vault.lock"

    @property
    def setup_marker(self) -> Path:
        """Present while the first-run wizard has made the vault but not finished (the
        recovery key not yet shown and confirmed)."""
        return self.root / "setup-incomplete"

    def exists(self) -> bool:
        return self.keys.exists()
