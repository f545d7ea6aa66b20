"""A keyring backend persisted to a JSON file, so a killed child process and the test
that checks on it share one keyring (as processes share the OS keyring)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend

from therapynotes.atomic import atomic_write_bytes


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]
    name = "test file keyring"

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self._path = path

    @property
    def path(self) -> Path:
        return self._path or Path(os.environ["TN_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            return dict(json.loads(self.path.read_text("utf-8")))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\x00{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\x00{username}"] = password
        atomic_write_bytes(self.path, json.dumps(data).encode())

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        data.pop(f"{service}\x00{username}", None)
        atomic_write_bytes(self.path, json.dumps(data).encode())
