"""Bad input (issue 8): Hypothesis over every field of an import file. A real export
(every table, signed and voided notes, an attachment) is mutated — a field set to a
wrong type, a huge or NUL-holding or unpaired-surrogate string, a path-traversal
attachment name or digest, a deep nesting, a field dropped or added, a table replaced —
or its bytes are broken (truncated, not UTF-8, a key twice), or its files are swapped
for links; then PortableService.import_json runs on an empty vault.

Each example ends one of two ways, and anything else is a crash:
- refused: a TherapyNotesError whose message names no value from the file, and every
  table of the vault is exactly as before;
- accepted (the mutation left a valid export, e.g. another name): every chart and note
  then opens, and exporting again gives the canonical form of what was imported.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import STRONG, FakeClock
from tests.support.backup_child import open_session
from tests.support.billing import fill_billing
from tests.support.lifecycle import fill_client
from tests.support.records import add_client
from tests.support.trust import figure, scaled
from therapynotes.domain.ids import ClientId, NoteId
from therapynotes.domain.roles import OWNER_LOGIN, Login, Role
from therapynotes.domain.snippets import Snippet
from therapynotes.errors import TherapyNotesError
from therapynotes.portable import format as fmt
from therapynotes.services import review
from therapynotes.services.portable import PortableService
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.services.session import VaultSession
from therapynotes.services.snippets import SnippetService
from therapynotes.services.spelling import SpellingService
from therapynotes.services.templates import TemplateService
from therapynotes.services.vault import VaultService
from therapynotes.store.connection import Connection

EXAMPLES = scaled(ci=250, full=3000)
CANARY = "Fuzzcanary"

TRAVERSAL = [
    "../../../etc/passwd",
    "..\\..\\windows\\system32\\x.pdf",
    "/etc/shadow",
    "C:\\evil.pdf",
    "a/../../b",
    "../vault.keys",
    "attachments/../therapynotes-export.json",
    "\u202egpj.exe",
    "CON",
    "",
]
ODD_TEXT = ["a\x00b", "\x00", "\ud800", "x\udfffy", "\ufeff", "\u0000" * 5, "é" * 3, "NaN"]
HUGE = [fmt.SHORT, fmt.SHORT + 1, fmt.LONG + 1, fmt.BODY + 1]
DEEP = [50, 500, 990, 5000, 100_000]
DEEP_MARK = "@@deep-nesting-here@@"

strings = st.one_of(
    st.text(max_size=40),
    st.sampled_from(TRAVERSAL + ODD_TEXT),
    st.sampled_from(HUGE).map(lambda n: "x" * n),
    st.sampled_from(["0" * 64, "F" * 64, "g" * 64, "2026-13-45", "1e999"]),
)
scalars = st.one_of(
    strings,
    strings,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**63 - 1, 2**63, 2**64]),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.sampled_from(DEEP).map(lambda n: f"{DEEP_MARK}{n}"),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def snapshot(conn: Connection) -> dict[str, Any]:
    """Every table's rows (what "nothing changed" means)."""
    names = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    ]
    return {n: conn.execute(f"SELECT * FROM {n}").fetchall() for n in names}  # noqa: S608


def _deep(n: int) -> str:
    return '{"a": ' * n + "1" + "}" * n


def render(document: Any) -> bytes:
    """JSON bytes, with each deep-nesting marker replaced by a nesting that deep (built
    as text: json.dumps itself could not write it)."""
    text = json.dumps(document, ensure_ascii=True, indent=1)
    while DEEP_MARK in text:
        start = text.index(f'"{DEEP_MARK}')
        end = text.index('"', start + 1)
        depth = int(text[start + 1 + len(DEEP_MARK) : end])
        text = text[:start] + _deep(depth) + text[end + 1 :]
    return text.encode("utf-8")


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> tuple[str, bytes, str]:  # noqa: PLR0912 - one branch per mutation
    """(what was done, the bytes of the JSON file, a change to the files)."""
    doc = json.loads(json.dumps(base))
    tables = [t for t in fmt.TABLES if doc[t]]
    how = draw(
        st.sampled_from(["field", "field", "field", "drop", "add", "row", "table", "top", "raw"])
    )
    files = draw(st.sampled_from(["none"] * 8 + ["link-json", "link-blob", "big-blob"]))
    if how in {"field", "drop", "add", "row"}:
        table = draw(st.sampled_from([*tables, "settings"]))
        if table == "settings":
            key = draw(st.sampled_from([*sorted(doc["settings"]), "passphrase", ""]))
            if how == "drop":
                doc["settings"].pop(key, None)
            else:
                doc["settings"][key] = draw(values)
            return f"settings.{how}", render(doc), files
        row = doc[table][draw(st.integers(0, len(doc[table]) - 1))]
        name = draw(st.sampled_from(sorted(row)))
        current = row[name]
        if how == "field" and isinstance(current, dict) and current and draw(st.booleans()):
            current[draw(st.sampled_from(sorted(current)))] = draw(values)  # inside a body
        elif how == "field":
            row[name] = draw(values)
        elif how == "drop":
            del row[name]
        elif how == "add":
            row[draw(st.sampled_from(["extra", "ID", "__proto__", name + " "]))] = draw(values)
        else:
            doc[table][doc[table].index(row)] = draw(values)
        return f"{table}.{name}.{how}", render(doc), files
    if how == "table":
        table = draw(st.sampled_from(list(fmt.TABLES)))
        doc[table] = draw(st.one_of(values, st.lists(values, max_size=3)))
        return f"{table}.replaced", render(doc), files
    if how == "top":
        key = draw(st.sampled_from(["format", "format_version", "settings", "extra", "notes"]))
        if draw(st.booleans()):
            doc.pop(key, None)
        else:
            doc[key] = draw(values)
        return f"top.{key}", render(doc), files
    raw = render(doc)
    kind = draw(st.sampled_from(["truncate", "latin1", "duplicate", "bom", "garbage", "array"]))
    if kind == "truncate":
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif kind == "latin1":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + b"\xff\xfe\xc3" + raw[at:]
    elif kind == "duplicate":
        raw = raw.replace(b'"id": ', b'"id": 1, "id": ', 1)
    elif kind == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif kind == "garbage":
        raw = draw(st.binary(max_size=200))
    else:
        raw = b"[" + raw + b"]"
    return f"raw.{kind}", raw, files


@dataclass
class Target:
    """The empty vault imports go into, renewed after an accepted import."""

    template: Path
    work: Path
    session: VaultSession | None = None

    def open(self) -> VaultSession:
        if self.session is None:
            if self.work.exists():
                shutil.rmtree(self.work)
            shutil.copytree(self.template, self.work)
            self.session = open_session(self.work, STRONG)
        return self.session

    def renew(self) -> None:
        if self.session is not None:
            self.session.lock("fuzz", record=False)
            self.session = None


@pytest.fixture
def base_export(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[Path, Target]]:
    source = tmp_path / "source"
    VaultService(source, clock=clock).create(STRONG, passphrase_only=True)
    session = open_session(source, STRONG)
    records = RecordsService(session, clock=clock)
    other = add_client(records, "Group Member")
    client = fill_client(records, clock, CANARY, group_with=other, date_of_birth="2012-04-05")
    RetentionService(session, clock=clock).set_hold(client, held=True)
    fill_billing(session, records, clock, client)  # the billing tables and practice too
    SpellingService(session, clock=clock).add_word("Okonkwo")  # the writing aids (format 4)
    own = TemplateService(session, clock=clock).duplicate("soap", "Mine")
    TemplateService(session, clock=clock).set_disabled(own, disabled=True)
    SnippetService(session, clock=clock).save(Snippet("mse", "Mood {{mood}}"))
    # supervision (format 7): a co-signature, a comment and a signing line
    signed = next(n.id for n in records.open_chart(client).notes if n.state == "signed")
    session.login = Login("rlee", Role.SUPERVISOR)
    review.set_signature(session, "Dr. R. Lee, PhD")
    review.cosign(session, signed)
    review.add_comment(session, signed, f"{CANARY} review")
    session.login = OWNER_LOGIN
    export = tmp_path / "export"
    PortableService(session, clock=clock).export_json(export)
    session.lock("setup", record=False)
    template = tmp_path / "empty"
    VaultService(template, clock=clock).create(STRONG, passphrase_only=True)
    target = Target(template, tmp_path / "work")
    yield export, target
    target.renew()


def _prepare(export: Path, folder: Path, raw: bytes, files: str, work: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(export, folder)
    json_path = folder / fmt.JSON_NAME
    json_path.write_bytes(raw)
    blobs = sorted((folder / fmt.ATTACHMENTS_DIR).iterdir())
    if files == "link-json":
        json_path.unlink()
        json_path.symlink_to(export / fmt.JSON_NAME)
    elif files == "link-blob":
        blobs[0].unlink()
        blobs[0].symlink_to(work / "vault.keys")
    elif files == "big-blob":
        with blobs[0].open("ab") as fh:
            fh.write(b"x")


def _accepted_is_usable(session: VaultSession, raw: bytes, scratch: Path) -> str:
    """'' when every chart and note opens and a new export is the canonical import."""
    records = RecordsService(session)
    try:
        for (cid,) in session.conn.execute("SELECT id FROM clients").fetchall():
            records.open_chart(ClientId(cid))
        for (nid,) in session.conn.execute("SELECT id FROM notes").fetchall():
            records.get_note(NoteId(nid))
        if scratch.exists():
            shutil.rmtree(scratch)
        PortableService(session).export_json(scratch)
    except Exception as exc:  # noqa: BLE001 - an imported record that cannot open is the failure
        return f"imported, then {type(exc).__name__} opening it"
    again = json.loads((scratch / fmt.JSON_NAME).read_bytes())
    imported = json.loads(fmt.encode(fmt.decode(raw)))
    # The vault's own defaults fill settings the file leaves out.
    if not imported["settings"].items() <= again["settings"].items() or any(
        again[t] != imported[t] for t in fmt.TABLES
    ):
        return "imported, but exporting again gives something else"
    return ""


def test_every_import_field(base_export: tuple[Path, Target], tmp_path: Path) -> None:
    export, target = base_export
    base = json.loads((export / fmt.JSON_NAME).read_bytes())
    assert all(base[t] for t in fmt.TABLES)
    folder = tmp_path / "mutated"
    tried: list[str] = []
    outcomes = {"refused": 0, "accepted": 0}
    crashes: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(case=mutated(base))
    def one(case: tuple[str, bytes, str]) -> None:
        what, raw, files = case
        session = target.open()
        _prepare(export, folder, raw, files, target.work)
        before = snapshot(session.conn)
        tried.append(what)
        problem = ""
        try:
            PortableService(session).import_json(folder)
        except TherapyNotesError as exc:
            outcomes["refused"] += 1
            if snapshot(session.conn) != before:
                problem = "refused, but the vault changed"
            elif CANARY in exc.message or "Traceback" in exc.message:
                problem = "the message echoes the file"
        except Exception as exc:  # noqa: BLE001 - any other type is the failure sought
            problem = f"crash: {type(exc).__name__}: {str(exc)[:200]}"
        else:
            outcomes["accepted"] += 1
            problem = _accepted_is_usable(session, raw, tmp_path / "again")
            target.renew()
        if problem:
            crashes.append(f"{what} ({files}): {problem}")
            target.renew()
        assert not problem, f"{what} ({files}): {problem}"

    try:
        one()
    finally:
        print(f"import fuzz: {len(tried)} examples, {outcomes}, crashes {crashes[:3]}")
        kinds = sorted({t.split(".")[-1] for t in tried})
        figure(
            "fuzz.import.examples",
            len(tried),
            note=f"refused {outcomes['refused']}, accepted {outcomes['accepted']}; "
            f"mutations {', '.join(kinds)}",
        )
        figure(
            "fuzz.import.crashes",
            len(crashes),
            note="another exception type, a changed vault, or an accepted import unusable",
        )


def test_the_fuzz_sees_a_change(base_export: tuple[Path, Target]) -> None:
    """The snapshot compare could fail: an import that went in changes it."""
    export, target = base_export
    session = target.open()
    before = snapshot(session.conn)
    PortableService(session).import_json(export)
    assert snapshot(session.conn) != before
    assert os.path.exists(target.work / "vault.db")
