"""Issue 17 phase B: further logins, with real files, real Argon2 (the suite's cheap
parameters) and the test keyring."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest

from tests.conftest import FakeClock
from tests.support.users import (
    ASSISTANT_PW,
    SUPERVISOR_PW,
    add,
    next_code,
    owner_code,
    unlock_user,
)
from tests.support.vaults import STRONG, code_for, make_vault
from therapynotes.domain.roles import Role
from therapynotes.errors import (
    BadUserName,
    RoleRefused,
    TooManyAttempts,
    TotpRejected,
    UnknownRole,
    UnknownUser,
    UserExists,
    WrongPassphrase,
)
from therapynotes.security import keyslots
from therapynotes.security.attempts import FREE_FAILURES, AttemptLog, user_log_path
from therapynotes.store import audit
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import has_clinical


def _vault(vault_dir: Path, clock: FakeClock):  # type: ignore[no-untyped-def]
    svc, created = make_vault(vault_dir, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    return svc, created, session


def test_add_users_and_each_unlocks_with_their_own_keys(vault_dir: Path, clock: FakeClock) -> None:
    svc, created, owner = _vault(vault_dir, clock)
    assert svc.login_names() == ["owner"]
    assistant = add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    supervisor = add(svc, owner, created, clock, "Dr Lee", "supervisor", SUPERVISOR_PW)
    assert assistant.totp_uri.startswith("otpauth://totp/")
    assert [(u.name, u.role) for u in svc.list_users(owner)] == [
        ("owner", Role.OWNER),
        ("Sam", Role.ASSISTANT),
        ("Dr Lee", Role.SUPERVISOR),
    ]
    owner.lock()
    assert svc.login_names() == ["owner", "Sam", "Dr Lee"]
    assert keyslots.decode(svc.paths.keys.read_bytes()).format == 3

    a = unlock_user(svc, assistant, ASSISTANT_PW, clock)
    assert a.login.name == "Sam" and a.login.role is Role.ASSISTANT
    assert not has_clinical(a.conn)  # vault.db only: no clinical key
    assert len(a.data_keys().reveal()) == 32 and a.dek.reveal() == b""
    assert [u.name for u in svc.list_users(a)] == ["owner", "Sam", "Dr Lee"]
    a.lock()

    s = unlock_user(svc, supervisor, SUPERVISOR_PW, clock)
    assert s.login.role is Role.SUPERVISOR and has_clinical(s.conn)
    assert s.conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 0
    with pytest.raises(RoleRefused, match="A supervisor's login cannot add"):
        svc.add_user(
            s,
            name="Eve",
            role="assistant",
            owner_passphrase=SUPERVISOR_PW,
            owner_code="000000",
            user_passphrase=ASSISTANT_PW,
        )
    s.lock()
    # The owner still unlocks as before, by default and by name.
    o = svc.unlock(STRONG, owner_code(created, clock), user="OWNER")
    assert o.login.is_owner
    rows = audit.entries(o.conn)
    added = [e.detail for e in rows if e.kind == AuditKind.USER_ADDED]
    assert added == [
        {"login": "Sam", "role": "assistant"},
        {"login": "Dr Lee", "role": "supervisor"},
    ]
    logins = [e.detail.get("login") for e in rows if e.kind == AuditKind.UNLOCK_OK]
    assert "Sam" in logins and "Dr Lee" in logins
    o.lock()


def test_wrong_secrets_unknown_names_and_throttling_per_login(
    vault_dir: Path, clock: FakeClock
) -> None:
    svc, created, owner = _vault(vault_dir, clock)
    assistant = add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    owner.lock()
    with pytest.raises(WrongPassphrase):
        svc.unlock("not the passphrase at all", "123456", user="Sam")
    with pytest.raises(TotpRejected):
        svc.unlock(ASSISTANT_PW, "000000", user="Sam")
    with pytest.raises(WrongPassphrase):  # an unknown name: the same answer
        svc.unlock(ASSISTANT_PW, "123456", user="Nobody")
    with pytest.raises(WrongPassphrase):  # the owner's passphrase is not Sam's
        svc.unlock(STRONG, "123456", user="Sam")
    for _ in range(FREE_FAILURES):
        with pytest.raises((WrongPassphrase, TooManyAttempts)):
            svc.unlock("not the passphrase at all", "123456", user="Sam")
    now_code = str(pyotp.TOTP(assistant.totp_secret).at(clock()))
    with pytest.raises(TooManyAttempts):
        svc.unlock(ASSISTANT_PW, now_code, user="Sam")
    # Sam's throttle is Sam's: the owner unlocks at once, and audits every failure with
    # the login tried.
    o = svc.unlock(STRONG, owner_code(created, clock))
    failed = [e.detail for e in audit.entries(o.conn) if e.kind == AuditKind.UNLOCK_FAILED]
    assert {"factor": "code", "login": "Sam"} in failed
    assert {"factor": "passphrase", "login": "Nobody"} in failed
    assert sum(1 for d in failed if d == {"factor": "passphrase", "login": "Sam"}) >= 3
    o.lock()
    names = sorted(p.name for p in vault_dir.iterdir() if p.name.startswith("attempts-"))
    assert all("Sam" not in n and "Nobody" not in n for n in names) and len(names) == 2
    # The owner's unlock audited Sam's failures but did not forgive them.
    sam_log = AttemptLog(user_log_path(vault_dir, "sam"), clock)
    assert sam_log.load().failures >= FREE_FAILURES and sam_log.load().events == []
    clock.advance(3600)
    unlock_user(svc, assistant, ASSISTANT_PW, clock).lock()


def test_remove_user_refuses_them_after(vault_dir: Path, clock: FakeClock) -> None:
    svc, created, owner = _vault(vault_dir, clock)
    assistant = add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    with pytest.raises(UnknownUser):
        svc.remove_user(owner, name="Kim", owner_passphrase=STRONG, owner_code="123456")
    with pytest.raises(WrongPassphrase):
        svc.remove_user(
            owner, name="Sam", owner_passphrase="wrong", owner_code=owner_code(created, clock)
        )
    with pytest.raises(TotpRejected):
        svc.remove_user(owner, name="Sam", owner_passphrase=STRONG, owner_code="000000")
    svc.remove_user(
        owner, name="sam", owner_passphrase=STRONG, owner_code=owner_code(created, clock)
    )
    assert [u.name for u in svc.list_users(owner)] == ["owner"]
    owner.lock()
    assert svc.login_names() == ["owner"]
    assert keyslots.decode(svc.paths.keys.read_bytes()).format == 2
    with pytest.raises(WrongPassphrase):
        unlock_user(svc, assistant, ASSISTANT_PW, clock)


def test_names_and_roles_are_checked(vault_dir: Path, clock: FakeClock) -> None:
    svc, created, owner = _vault(vault_dir, clock)
    add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    for name, role, error in (
        ("sam", "supervisor", UserExists),
        ("Owner", "assistant", UserExists),
        ("", "assistant", BadUserName),
        ("a\nb", "assistant", BadUserName),
        ("x" * 41, "assistant", BadUserName),
        ("Kim", "owner", UnknownRole),
        ("Kim", "admin", UnknownRole),
    ):
        with pytest.raises(error):
            add(svc, owner, created, clock, name, role, ASSISTANT_PW)
    owner.lock()


def test_change_role_and_rename_owner(vault_dir: Path, clock: FakeClock) -> None:
    svc, created, owner = _vault(vault_dir, clock)
    sam = add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    svc.change_role(
        owner,
        name="Sam",
        role="supervisor",
        owner_passphrase=STRONG,
        owner_code=owner_code(created, clock),
    )
    svc.rename_owner(
        owner, name="Dr Rivera", owner_passphrase=STRONG, owner_code=owner_code(created, clock)
    )
    assert owner.login.name == "Dr Rivera"
    owner.lock()
    assert svc.login_names() == ["Dr Rivera", "Sam"]
    s = unlock_user(svc, sam, ASSISTANT_PW, clock)
    assert s.login.role is Role.SUPERVISOR and has_clinical(s.conn)
    s.lock()
    o = svc.unlock(STRONG, owner_code(created, clock), user="dr rivera")
    assert o.login.name == "Dr Rivera" and o.login.is_owner
    o.lock()


def test_owner_totp_is_sealed_under_the_root_key(vault_dir: Path, clock: FakeClock) -> None:
    svc, created, owner = _vault(vault_dir, clock)
    row = owner.conn.execute("SELECT secret, sealed FROM totp").fetchone()
    assert row[0] == "" and row[1] is not None and created.totp_secret.encode() not in row[1]
    owner.lock()


def test_user_totp_is_theirs(vault_dir: Path, clock: FakeClock) -> None:
    svc, created, owner = _vault(vault_dir, clock)
    sam = add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    raw = owner.conn.execute("SELECT totp_sealed FROM users").fetchone()[0]
    assert sam.totp_secret.encode() not in raw
    owner.lock()
    code = next_code(sam.totp_secret, clock)
    svc.unlock(ASSISTANT_PW, code, user="Sam").lock()
    from therapynotes.errors import TotpReplayed

    with pytest.raises(TotpReplayed):
        svc.unlock(ASSISTANT_PW, code, user="Sam")


def test_a_new_second_step_is_written_sealed(vault_dir: Path, clock: FakeClock) -> None:
    svc, created, owner = _vault(vault_dir, clock)
    owner.lock()
    reset = svc.reset_totp(STRONG, created.recovery_key)
    clock.advance(30)
    session = svc.unlock(STRONG, pyotp.TOTP(reset.totp_secret).at(clock()))
    secret, sealed = session.conn.execute("SELECT secret, sealed FROM totp").fetchone()
    assert secret == "" and reset.totp_secret.encode() not in sealed
    session.lock()


def test_key_changes_are_the_owners(vault_dir: Path, clock: FakeClock) -> None:
    from therapynotes.services.rotation import KeyRotation

    svc, created, owner = _vault(vault_dir, clock)
    lee = add(svc, owner, created, clock, "Lee", "supervisor", SUPERVISOR_PW)
    owner.lock()
    s = unlock_user(svc, lee, SUPERVISOR_PW, clock)
    for attempt in (
        lambda: svc.change_passphrase(s, SUPERVISOR_PW, ASSISTANT_PW),
        lambda: svc.new_recovery_key(s),
        lambda: KeyRotation(svc).prepare(s, SUPERVISOR_PW, new_recovery_key=True),
        lambda: svc.reset_totp_unlocked(s, SUPERVISOR_PW, created.recovery_key),
        lambda: svc.rename_owner(s, name="Lee2", owner_passphrase=STRONG, owner_code="1"),
        lambda: svc.change_role(
            s, name="Lee", role="assistant", owner_passphrase=STRONG, owner_code="1"
        ),
    ):
        with pytest.raises(RoleRefused, match="A supervisor.s login cannot"):
            attempt()
    before = svc.paths.keys.read_bytes()
    s.lock()
    assert svc.paths.keys.read_bytes() == before


def test_a_removed_users_attempt_log_goes_with_them(vault_dir: Path, clock: FakeClock) -> None:
    svc, created, owner = _vault(vault_dir, clock)
    add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    owner.lock()
    with pytest.raises(WrongPassphrase):
        svc.unlock("not the passphrase at all", "123456", user="Sam")
    log = user_log_path(vault_dir, "sam")
    assert log.exists()
    owner = svc.unlock(STRONG, owner_code(created, clock))
    svc.remove_user(
        owner, name="Sam", owner_passphrase=STRONG, owner_code=owner_code(created, clock)
    )
    owner.lock()
    assert not log.exists()


def test_users_unlock_after_the_owner_re_binds_this_computer(
    vault_dir: Path, clock: FakeClock
) -> None:
    svc, created, owner = _vault(vault_dir, clock)
    sam = add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    entry_before = owner.doc.device_entry
    owner.lock()
    svc.recover(created.recovery_key, STRONG).lock()  # a new device secret
    assert keyslots.decode(svc.paths.keys.read_bytes()).device_entry != entry_before
    unlock_user(svc, sam, ASSISTANT_PW, clock).lock()


def test_the_lock_screen_reads_each_logins_wait(vault_dir: Path, clock: FakeClock) -> None:
    svc, created, owner = _vault(vault_dir, clock)
    add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    owner.lock()
    for _ in range(FREE_FAILURES):
        with pytest.raises(WrongPassphrase):
            svc.unlock("not the passphrase at all", "123456", user="Sam")
    with pytest.raises(TooManyAttempts):
        svc.attempt_log("sam").check_allowed()
    svc.attempt_log().check_allowed()  # the owner's: no wait
    svc.attempt_log("Owner").check_allowed()
    assert svc.attempt_log("SAM").path == user_log_path(vault_dir, "sam")


def test_an_assistant_lists_the_clients_without_the_clinical_file(
    vault_dir: Path, clock: FakeClock
) -> None:
    from tests.support.records import add_client, log_session_now
    from therapynotes.services.records import RecordsService

    svc, created, owner = _vault(vault_dir, clock)
    records = RecordsService(owner, clock=clock)
    ada = add_client(records, "Ada Zephyr")
    add_client(records, "Bo Quill")
    log_session_now(records, clock, ada)
    sam = add(svc, owner, created, clock, "Sam", "assistant", ASSISTANT_PW)
    seen_by_owner = [(c.display_name, c.last_session) for c in records.list_clients()]
    owner.lock()
    a = unlock_user(svc, sam, ASSISTANT_PW, clock)
    listed = RecordsService(a, clock=clock).list_clients()
    assert [(c.display_name, c.last_session) for c in listed] == seen_by_owner
    assert all(c.notes_due == 0 for c in listed)
    a.lock()
