"""CLI: `templates list`, `templates export ID --out FILE`, `templates import FILE`; a
malformed file gets one line on stderr naming the place and exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.unit.cli.test_profile_cli import Cli
from tests.unit.cli.test_profile_cli import cli as cli  # noqa: F401, PLC0414 - the fixture


def test_list_export_import(cli: Cli, tmp_path: Path, clock: FakeClock) -> None:
    code, out, err = cli("templates", "list")
    assert code == 0, err
    assert "soap\tProgress note (SOAP)\tprogress\t4 sections\tbuilt-in" in out.splitlines()
    target = tmp_path / "soap.json"
    code, out, err = cli("templates", "export", "soap", "--out", str(target))
    assert code == 0, err
    document = json.loads(target.read_text("utf-8"))
    document["template"]["name"] = "Colleague's SOAP"
    document["template"]["sections"][3]["required"] = True
    target.write_text(json.dumps(document), "utf-8")
    code, out, err = cli("templates", "import", str(target))
    assert (code, out.strip()) == (0, "imported template as own-1@1"), err
    code, out, err = cli("templates", "list")
    assert "own-1@1\tColleague's SOAP\tprogress\t4 sections\town" in out.splitlines()
    again = tmp_path / "again.json"
    code, out, err = cli("templates", "export", "own-1", "--out", str(again))
    assert code == 0 and json.loads(again.read_text("utf-8")) == document
    code, out, err = cli("templates", "export", "soap", "--out", str(again))
    assert code == 1 and "exists" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "place"),
    [
        (b"{not json", "file: not valid JSON"),
        (b'{"format": "therapynotes-template", "format_version": 1, "template": '
         b'{"name": "X", "kind": "progress", "sections": [{"key": "a", "title": "",'
         b' "prompt": "", "required": false}]}}', "template.sections[0].title: must not be empty"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_on_one_line(
    cli: Cli, tmp_path: Path, content: bytes, place: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    code, out, err = cli("templates", "import", str(bad))
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and place in err and "Traceback" not in err
    code, out, err = cli("templates", "export", "nope", "--out", str(tmp_path / "x.json"))
    assert code == 1 and "templates list" in err
