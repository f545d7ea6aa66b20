"""Fixtures for the clinical-record tests: an unlocked vault on disk (real SQLCipher
file, cheap test KDF, in-memory keyring) and a RecordsService on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, FakeClock
from therapynotes.domain.enums import Modality
from therapynotes.domain.ids import ClientId, SessionId
from therapynotes.domain.models import ClientFields
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService


def unlock_new_vault(vault_dir: Path, clock: FakeClock) -> VaultSession:
    svc = VaultService(vault_dir, clock=clock)
    created = svc.create(STRONG)
    return svc.unlock(STRONG, pyotp.TOTP(created.totp_secret).at(clock()))


@pytest.fixture
def unlocked(vault_dir: Path, clock: FakeClock) -> Iterator[VaultSession]:
    session = unlock_new_vault(vault_dir, clock)
    yield session
    session.lock("test finished")


@pytest.fixture
def records(unlocked: VaultSession, clock: FakeClock) -> RecordsService:
    return RecordsService(unlocked, clock=clock)


def add_client(records: RecordsService, name: str = "Ada Canary", **extra: object) -> ClientId:
    return records.create_client(ClientFields(legal_name=name, **extra))  # type: ignore[arg-type]


def log_session_now(
    records: RecordsService,
    clock: FakeClock,
    *client_ids: ClientId,
    code: str = "90834",
    minutes: int = 45,
) -> SessionId:
    """A session that ended at the fake clock's current time."""
    end = datetime.fromtimestamp(clock(), UTC)
    return records.log_session(
        list(client_ids),
        starts_at=end - timedelta(minutes=minutes),
        ends_at=end,
        service_code=code,
        modality=Modality.IN_PERSON,
    )
