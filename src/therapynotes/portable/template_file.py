"""The template file (one of the therapist's templates, shared with a colleague): UTF-8
JSON, documented in docs/formats.md "Template file".

    {"format": "therapynotes-template", "format_version": 1,
     "template": {"name": "...", "kind": "progress",
                  "sections": [{"key": "...", "title": "...", "prompt": "...",
                                "required": false}, ...]}}

`decode` refuses with TemplateRefused naming the place (`template.sections[2].title:
expected text`), never echoing a value. Pure: no database, no files. Must not import
PySide6.
"""

from __future__ import annotations

import json
import re
from typing import Any

from therapynotes.domain.enums import NoteKind
from therapynotes.domain.templates import Section, Template
from therapynotes.writing_errors import TemplateRefused

FORMAT = "therapynotes-template"
FORMAT_VERSION = 1
MAX_BYTES = 1024 * 1024
MAX_SECTIONS = 50
KINDS = tuple(k.value for k in NoteKind if k is not NoteKind.PSYCHOTHERAPY)
KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
LIMITS = {"name": 200, "title": 200, "prompt": 2000}


def encode(template: Template) -> bytes:
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "template": {
            "name": template.name,
            "kind": template.kind.value,
            "sections": [
                {"key": s.key, "title": s.title, "prompt": s.prompt, "required": s.required}
                for s in template.sections
            ],
        },
    }
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _refuse(where: str, problem: str) -> TemplateRefused:
    return TemplateRefused(f"{where}: {problem}")


def _text(where: str, value: Any, limit: int, *, empty: bool = False) -> str:
    if type(value) is not str:
        raise _refuse(where, "expected text")
    if not empty and not value.strip():
        raise _refuse(where, "must not be empty")
    if len(value) > limit:
        raise _refuse(where, f"longer than {limit} characters")
    return value


def _keys(where: str, value: Any, keys: set[str]) -> dict[str, Any]:
    if type(value) is not dict:
        raise _refuse(where, "expected an object")
    if set(value) != keys:
        missing = sorted(keys - set(value))
        raise _refuse(where, f"missing {missing[0]!r}" if missing else "unknown key")
    return value


def _section(where: str, value: Any) -> Section:
    data = _keys(where, value, {"key", "title", "prompt", "required"})
    key = data["key"]
    if type(key) is not str or not KEY.fullmatch(key):
        raise _refuse(f"{where}.key", "expected lowercase letters, digits and _")
    if type(data["required"]) is not bool:
        raise _refuse(f"{where}.required", "expected true or false")
    return Section(
        key,
        _text(f"{where}.title", data["title"], LIMITS["title"]),
        _text(f"{where}.prompt", data["prompt"], LIMITS["prompt"], empty=True),
        data["required"],
    )


def decode(raw: bytes) -> Template:
    """The template in the file (its id is '' until it is stored)."""
    if len(raw) > MAX_BYTES:
        raise _refuse("file", "larger than 1 MiB")
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _refuse("file", "not UTF-8 text") from None
    except (ValueError, RecursionError):
        raise _refuse("file", "not valid JSON") from None
    document = _keys("file", document, {"format", "format_version", "template"})
    if document["format"] != FORMAT:
        raise _refuse("format", f"not a {FORMAT} file")
    if document["format_version"] != FORMAT_VERSION or type(document["format_version"]) is not int:
        raise _refuse("format_version", "unknown version (this app reads version 1)")
    data = _keys("template", document["template"], {"name", "kind", "sections"})
    name = _text("template.name", data["name"], LIMITS["name"]).strip()
    if data["kind"] not in KINDS:
        raise _refuse("template.kind", f"expected one of {', '.join(KINDS)}")
    sections = data["sections"]
    if type(sections) is not list or not 1 <= len(sections) <= MAX_SECTIONS:
        raise _refuse("template.sections", f"expected a list of 1 to {MAX_SECTIONS} sections")
    parsed = tuple(_section(f"template.sections[{i}]", s) for i, s in enumerate(sections))
    seen: set[str] = set()
    for i, section in enumerate(parsed):
        if section.key in seen:
            raise _refuse(f"template.sections[{i}].key", "used by an earlier section")
        seen.add(section.key)
    return Template("", name, NoteKind(data["kind"]), parsed)
