"""Issue 12: a passphrase checked while the vault is open (passphrase change, data-key
rotation) goes through the same attempt log, throttle and audit as an unlock; and only
known failure kinds from the (editable, unsecret) attempt log reach the audit chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.vaults import STRONG, STRONG2, code_for, make_vault
from therapynotes.errors import TooManyAttempts, WrongPassphrase
from therapynotes.security import attempts
from therapynotes.services.rotation import KeyRotation
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.store import audit

WRONG = "wrong " + STRONG


def _failed_factors(session: VaultSession) -> list[str]:
    return [e.detail["factor"] for e in audit.entries(session.conn) if e.kind == "unlock.failed"]


def _exhaust(svc: VaultService, guess) -> None:  # type: ignore[no-untyped-def]
    for _ in range(attempts.FREE_FAILURES):
        with pytest.raises(WrongPassphrase):
            guess()
    assert attempts.AttemptLog(svc.paths.attempts, svc.clock).load().failures == 5


def test_passphrase_change_is_throttled_counted_and_audited(vault_dir: Path, clock: FakeClock):
    svc, created = make_vault(vault_dir, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    _exhaust(svc, lambda: svc.change_passphrase(session, WRONG, STRONG2))
    with pytest.raises(TooManyAttempts):  # even the right one waits, before any derivation
        svc.change_passphrase(session, STRONG, STRONG2)
    clock.advance(attempts.BASE_DELAY + 1)
    svc.change_passphrase(session, STRONG, STRONG2)
    assert _failed_factors(session) == ["passphrase"] * attempts.FREE_FAILURES
    assert attempts.AttemptLog(svc.paths.attempts, clock).load().failures == 0
    session.lock()


def test_rotation_passphrase_check_is_throttled_counted_and_audited(vault_dir: Path, clock):
    svc, created = make_vault(vault_dir, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    rotation = KeyRotation(svc)
    _exhaust(svc, lambda: rotation.prepare(session, WRONG, new_recovery_key=True))
    with pytest.raises(TooManyAttempts):
        rotation.prepare(session, STRONG, new_recovery_key=True)
    clock.advance(attempts.BASE_DELAY + 1)
    rotation.prepare(session, STRONG, new_recovery_key=True).close()
    assert _failed_factors(session) == ["passphrase"] * attempts.FREE_FAILURES
    session.lock()


def test_failures_while_open_count_toward_the_unlock_throttle(vault_dir: Path, clock):
    svc, created = make_vault(vault_dir, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    _exhaust(svc, lambda: svc.change_passphrase(session, WRONG, STRONG2))
    session.lock()
    clock.advance(10)
    with pytest.raises(TooManyAttempts):
        svc.unlock(STRONG, code_for(created, clock()))


def test_only_known_failure_kinds_reach_the_audit_log(vault_dir: Path, clock: FakeClock):
    svc, created = make_vault(vault_dir, clock)
    forged = [
        {"at": clock() - 60, "kind": "passphrase"},
        {"at": clock() - 50, "kind": 'backup.created"}, {"kind": "restore'},
        {"at": "yesterday", "kind": "code"},
        {"at": 1e300, "kind": ["code"]},
    ]
    svc.paths.attempts.write_text(
        json.dumps({"failures": 0, "blocked_until": 0, "events": forged}), "utf-8"
    )
    session = svc.unlock(STRONG, code_for(created, clock()))
    assert _failed_factors(session) == ["passphrase", "unknown", "code", "unknown"]
    assert audit.verify(session.conn).ok
    session.lock()


def test_recording_an_unknown_kind_is_a_programming_error(vault_dir: Path, clock) -> None:
    log = attempts.AttemptLog(vault_dir / "attempts.json", clock)
    with pytest.raises(ValueError):
        log.record_failure("anything else")
