"""Fixtures for backup tests: a real vault on disk with some rows, unlocked."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, FakeClock
from therapynotes.services.backups import BackupService
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.services.vault_create import CreatedVault
from therapynotes.store.connection import transaction


@dataclass
class Vault:
    root: Path
    created: CreatedVault
    clock: FakeClock
    session: VaultSession

    @property
    def service(self) -> BackupService:
        return BackupService(self.session, clock=self.clock)


def make_vault(root: Path, clock: FakeClock, *, payload_bytes: int = 0) -> Vault:
    svc = VaultService(root, clock=clock)
    created = svc.create(STRONG)
    clock.advance(30)
    session = svc.unlock(STRONG, pyotp.TOTP(created.totp_secret).at(clock()))
    fill(session, payload_bytes)
    return Vault(root, created, clock, session)


def fill(session: VaultSession, payload_bytes: int, *, seed: int = 7) -> None:
    """A stand-in records table (the real schema arrives with another issue)."""
    conn = session.conn
    with transaction(conn):
        conn.execute(
            "CREATE TABLE IF NOT EXISTS t_notes (id INTEGER PRIMARY KEY, body BLOB, n TEXT)"
        )
        rng = random.Random(seed)  # noqa: S311 - test data, not crypto
        left = payload_bytes
        while left > 0:
            size = min(left, 4000)
            conn.execute(
                "INSERT INTO t_notes(body, n) VALUES (?, ?)",
                (rng.randbytes(size), f"note {rng.random()}"),
            )
            left -= size


def all_rows(conn: object) -> dict[str, list[tuple[object, ...]]]:
    c = conn  # sqlcipher connection
    names = [
        r[0]
        for r in c.execute(  # type: ignore[attr-defined]
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        n: sorted(c.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)  # type: ignore[attr-defined]  # noqa: S608
        for n in names
    }


@pytest.fixture
def vault(tmp_path: Path, clock: FakeClock) -> Iterator[Vault]:
    v = make_vault(tmp_path / "vault", clock, payload_bytes=20_000)
    yield v
    v.session.lock("test over", record=False)


@pytest.fixture
def drive(tmp_path: Path) -> Path:
    path = tmp_path / "drive"
    path.mkdir()
    os.chmod(path, 0o700)
    return path
