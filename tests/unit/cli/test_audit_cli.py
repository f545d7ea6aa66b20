"""`audit verify` and `audit list`."""

from __future__ import annotations

from pathlib import Path

from tests.support.vaults import STRONG, code_for, make_vault
from tests.unit.cli.test_vault_cli import run


def test_verify_and_list(monkeypatch, capsys, vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    monkeypatch.setattr(
        "therapynotes.cli.common.VaultService", lambda root: type(svc)(root, clock=clock)
    )
    stdin = f"{STRONG}\n{code_for(created, clock())}\n"
    code, out, err = run(
        monkeypatch,
        capsys,
        "--vault",
        str(vault_dir),
        "--passphrase-stdin",
        "audit",
        "verify",
        stdin=stdin,
    )
    assert code == 0, err
    assert out.startswith("ok: 2 audit rows")
    clock.advance(30)
    stdin = f"{STRONG}\n{code_for(created, clock())}\n"
    code, out, err = run(
        monkeypatch,
        capsys,
        "--vault",
        str(vault_dir),
        "--passphrase-stdin",
        "audit",
        "list",
        stdin=stdin,
    )
    assert code == 0, err
    kinds = [line.split("\t")[3] for line in out.splitlines()]
    assert kinds[:4] == ["vault.created", "unlock.ok", "lock", "unlock.ok"]


def test_verify_names_the_first_broken_row(monkeypatch, capsys, vault_dir: Path, clock) -> None:
    svc, created = make_vault(vault_dir, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    session.conn.execute("DROP TRIGGER audit_log_no_update")
    session.conn.execute("UPDATE audit_log SET kind = 'lock' WHERE seq = 2")
    session.lock()
    clock.advance(30)
    monkeypatch.setattr(
        "therapynotes.cli.common.VaultService", lambda root: type(svc)(root, clock=clock)
    )
    stdin = f"{STRONG}\n{code_for(created, clock())}\n"
    code, _, err = run(
        monkeypatch,
        capsys,
        "--vault",
        str(vault_dir),
        "--passphrase-stdin",
        "audit",
        "verify",
        stdin=stdin,
    )
    assert code == 1
    assert "broken at row 2" in err
