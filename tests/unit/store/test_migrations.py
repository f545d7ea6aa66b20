"""Numbered, forward-only migrations, each in one transaction."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from therapynotes.errors import SchemaTooNew, VaultCorrupt
from therapynotes.security.secret import Secret
from therapynotes.store import migrations
from therapynotes.store.connection import close_db, open_db
from therapynotes.store.migrations import Migration


@pytest.fixture
def conn(tmp_path: Path):
    c = open_db(tmp_path / "t.db", Secret(os.urandom(64)), create=True)
    yield c
    close_db(c)


def test_shipped_migrations_are_numbered_without_gaps() -> None:
    found = migrations.discover()
    assert [m.version for m in found] == list(range(1, len(found) + 1))
    assert migrations.latest_version() == len(found)


def test_migrate_applies_all_then_nothing(conn) -> None:
    applied = migrations.migrate(conn)
    assert applied == list(range(1, migrations.latest_version() + 1))
    assert migrations.migrate(conn) == []
    assert migrations.current_version(conn) == migrations.latest_version()


def test_a_failing_migration_rolls_back_completely(conn) -> None:
    def good(c) -> None:
        c.execute("CREATE TABLE a (x INTEGER) STRICT")

    def bad(c) -> None:
        c.execute("CREATE TABLE b (x INTEGER) STRICT")
        c.execute("INSERT INTO a VALUES (1)")
        raise RuntimeError("boom")

    steps = [Migration(1, "m0001_a", good), Migration(2, "m0002_b", bad)]
    with pytest.raises(RuntimeError):
        migrations.migrate(conn, steps)
    assert migrations.current_version(conn) == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "a" in tables and "b" not in tables
    assert conn.execute("SELECT count(*) FROM a").fetchone() == (0,)


def test_a_newer_schema_is_refused(conn) -> None:
    conn.execute("PRAGMA user_version = 999")
    with pytest.raises(SchemaTooNew):
        migrations.migrate(conn)


def test_wrong_key_on_open_is_reported_as_damage(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    c = open_db(path, Secret(b"\x01" * 64), create=True)
    migrations.migrate(c)
    close_db(c)
    with pytest.raises(VaultCorrupt):
        open_db(path, Secret(b"\x02" * 64))
    with pytest.raises(VaultCorrupt):  # the right shared key, a wrong clinical key
        open_db(path, Secret(b"\x01" * 32 + b"\x02" * 32))


def test_pragmas_are_in_force(conn) -> None:
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("PRAGMA secure_delete").fetchone() == (1,)
    assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert conn.execute("PRAGMA temp_store").fetchone() == (2,)  # MEMORY
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    # Issue 17: clinical.db, attached, has the same per-file settings.
    assert conn.execute("PRAGMA clinical.journal_mode").fetchone() == ("wal",)
    assert conn.execute("PRAGMA clinical.secure_delete").fetchone() == (1,)
    assert conn.execute("PRAGMA clinical.synchronous").fetchone() == (2,)


def test_sqlcipher_says_nothing_on_stderr_for_a_wrong_key(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.db"
    close_db(open_db(path, Secret(b"\x01" * 32), create=True))
    capfd.readouterr()
    with pytest.raises(VaultCorrupt):
        open_db(path, Secret(b"\x02" * 32))
    out, err = capfd.readouterr()
    assert out == "" and err == ""
