"""Issue 17 phase B: users across key changes: a data-key rotation re-grants every user,
a vault upgraded from key-file format 1 (shared key = R) is re-keyed before its first
user, today's single-user vaults (formats 1 and 2, schema 13 and before) unlock as
before, and a supervisor's keys never include R."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyotp
import pytest

from tests.conftest import FakeClock
from tests.support.users import ASSISTANT_PW, SUPERVISOR_PW, add, owner_code, unlock_user
from tests.support.vaults import STRONG, code_for, make_vault
from therapynotes.domain.roles import Role
from therapynotes.errors import OwnerMustUpdate, RoleRefused
from therapynotes.security import keyslots
from therapynotes.security.totp import STEP_SECONDS
from therapynotes.services.rotation import KeyRotation
from therapynotes.services.vault import VaultService
from therapynotes.store import migrations
from therapynotes.store.connection import has_clinical

FIXTURES = Path(__file__).parents[2] / "fixtures"


def test_rotation_re_grants_every_user(vault_dir: Path, clock: FakeClock) -> None:
    svc, created = make_vault(vault_dir, clock)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    sam = add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    lee = add(svc, owner, created, clock, "Lee", "supervisor", SUPERVISOR_PW)
    before = keyslots.decode(svc.paths.keys.read_bytes())
    old_keys = owner.data_keys().reveal()
    KeyRotation(svc).rotate(owner, STRONG, recovery_text=created.recovery_key)
    after = keyslots.decode(svc.paths.keys.read_bytes())
    new_keys = owner.data_keys().reveal()
    assert new_keys != old_keys
    assert [u.name for u in after.users] == ["Sam", "Lee"]
    assert all(a.grant != b.grant for a, b in zip(after.users, before.users, strict=True))
    totp_row = owner.conn.execute("SELECT secret, sealed FROM totp").fetchone()
    assert totp_row[0] == "" and totp_row[1] is not None
    owner.lock()
    s = unlock_user(svc, sam, ASSISTANT_PW, clock)
    assert s.data_keys().reveal() == new_keys[:32]
    s.lock()
    s = unlock_user(svc, lee, SUPERVISOR_PW, clock)
    assert has_clinical(s.conn)
    s.lock()
    svc.unlock(STRONG, owner_code(created, clock)).lock()  # the owner's second step re-sealed


def test_a_format_1_vault_is_re_keyed_before_its_first_user(
    tmp_path: Path, clock: FakeClock
) -> None:
    root = tmp_path / "vault"
    shutil.copytree(FIXTURES / "vault-schema-4", root)
    secret = (root / "totp-secret.txt").read_text().strip()
    svc = VaultService(root, clock=clock)
    session = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    # Unchanged behaviour for the single-user vault: format 2, R is still the shared key.
    assert session.doc.format == keyslots.FORMAT_VERSION and session.doc.users == ()
    assert keyslots.shared_is_root(session.doc, session.dek)
    recovery_before = session.doc.recovery
    notes = session.conn.execute("SELECT count(*) FROM notes").fetchone()[0]
    clock.advance(STEP_SECONDS)
    sam = svc.add_user(
        session,
        name="Sam",
        role="assistant",
        owner_passphrase=STRONG,
        owner_code=pyotp.TOTP(secret).at(clock()),
        user_passphrase=ASSISTANT_PW,
    )
    assert not keyslots.shared_is_root(session.doc, session.dek)
    assert session.doc.recovery == recovery_before  # R kept: the recovery key still works
    assert session.conn.execute("SELECT count(*) FROM notes").fetchone()[0] == notes == 2
    session.lock()
    a = unlock_user(svc, sam, ASSISTANT_PW, clock)
    assert a.login.role is Role.ASSISTANT and not has_clinical(a.conn)
    a.lock()
    clock.advance(STEP_SECONDS)
    owner = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    root_key = owner.dek.reveal()
    assert owner.data_keys().reveal()[:32] != root_key
    owner.lock()


def test_a_supervisors_keys_never_include_the_root_key(vault_dir: Path, clock: FakeClock) -> None:
    svc, created = make_vault(vault_dir, clock)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    root = owner.dek.reveal()
    lee = add(svc, owner, created, clock, "Lee", "supervisor", SUPERVISOR_PW)
    owner.lock()
    s = unlock_user(svc, lee, SUPERVISOR_PW, clock)
    held = s.data_keys().reveal()
    assert len(held) == 64 and root not in held and s.dek.reveal() == b""
    # Owner-only key changes refuse a supervisor's session.
    with pytest.raises(RoleRefused):
        svc.remove_user(s, name="Lee", owner_passphrase=SUPERVISOR_PW, owner_code="000000")
    s.lock()


def test_a_user_cannot_open_a_vault_the_owner_has_not_updated(
    vault_dir: Path, clock: FakeClock
) -> None:
    svc, created = make_vault(vault_dir, clock)
    owner = svc.unlock(STRONG, code_for(created, clock()))
    sam = add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    latest = migrations.latest_version()
    owner.conn.execute(f"PRAGMA user_version = {latest - 1}")
    owner.lock()
    with pytest.raises(OwnerMustUpdate):
        unlock_user(svc, sam, ASSISTANT_PW, clock)
    assert not svc.paths.lock.exists() or VaultService(vault_dir, clock=clock).exists()


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_single_user_vaults_of_every_schema_unlock_as_before(
    version: int, tmp_path: Path, clock: FakeClock
) -> None:
    root = tmp_path / "vault"
    shutil.copytree(FIXTURES / f"vault-schema-{version}", root)
    secret = (root / "totp-secret.txt").read_text().strip()
    svc = VaultService(root, clock=clock)
    assert svc.login_names() == ["owner"]
    session = svc.unlock(STRONG, pyotp.TOTP(secret).at(clock()))
    assert session.login.is_owner and session.login.name == "owner"
    assert migrations.current_version(session.conn) == migrations.latest_version()
    assert [u.name for u in svc.list_users(session)] == ["owner"]
    row = session.conn.execute("SELECT secret, sealed FROM totp").fetchone()
    assert row[0] == "" and row[1] is not None  # sealed at this first unlock
    session.lock()
    clock.advance(STEP_SECONDS)
    svc.unlock(STRONG, pyotp.TOTP(secret).at(clock())).lock()
    assert keyslots.decode((root / "vault.keys").read_bytes()).format == keyslots.FORMAT_VERSION


def test_todays_schema_13_vault_migrates_and_keeps_its_second_step(
    vault_dir: Path, clock: FakeClock
) -> None:
    """A format-2, schema-13 vault as main writes it today (plain TOTP secret, no users
    table): the owner's next unlock migrates it, seals the secret, and nothing else
    changes for a single-user vault."""
    svc, created = make_vault(vault_dir, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    conn = session.conn
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DROP TABLE users")
    conn.execute("ALTER TABLE totp DROP COLUMN sealed")
    conn.execute("UPDATE totp SET secret = ?", (created.totp_secret,))
    conn.execute("PRAGMA user_version = 13")
    conn.execute("COMMIT")
    keys_before = svc.paths.keys.read_bytes()
    session.lock()
    assert keyslots.decode(keys_before).format == keyslots.FORMAT_VERSION

    session = svc.unlock(STRONG, owner_code(created, clock))
    assert migrations.current_version(session.conn) == migrations.latest_version()
    secret, sealed = session.conn.execute("SELECT secret, sealed FROM totp").fetchone()
    assert secret == "" and sealed is not None
    assert [u.name for u in svc.list_users(session)] == ["owner"]
    session.lock()
    assert svc.paths.keys.read_bytes() == keys_before  # no key change for one login
    svc.unlock(STRONG, owner_code(created, clock)).lock()
