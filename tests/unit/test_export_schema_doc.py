"""docs/export.schema.json describes exactly the format portable/format.py reads and
writes (tables, fields, required keys, settings, version); test_portable checks that a
real export fits it."""

from __future__ import annotations

import json
from pathlib import Path

from therapynotes.portable import format as fmt

SCHEMA = Path(__file__).parents[2] / "docs" / "export.schema.json"


def test_schema_matches_the_format() -> None:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    assert schema["properties"]["format"] == {"const": fmt.FORMAT}
    assert schema["properties"]["format_version"] == {"const": fmt.FORMAT_VERSION}
    assert set(schema["required"]) == {
        "format",
        "format_version",
        "settings",
        "profile",
        "practice",
        *fmt.TABLES,
    }
    assert set(schema["properties"]["settings"]["properties"]) == fmt.SETTINGS
    profile = schema["$defs"]["profile"]
    assert profile["required"] == [f.name for f in fmt.PROFILE_FIELDS]
    assert list(profile["properties"]) == profile["required"]
    assert profile["additionalProperties"] is False
    practice = schema["$defs"]["practice"]
    assert practice["required"] == [f.name for f in fmt.PRACTICE_FIELDS]
    assert list(practice["properties"]) == practice["required"]
    assert practice["additionalProperties"] is False
    for table, (fields, _) in fmt.TABLES.items():
        definition = schema["$defs"][table]
        names = [f.name for f in fields]
        assert definition["required"] == names
        assert list(definition["properties"]) == names
        assert definition["additionalProperties"] is False
        for field in fields:
            prop = definition["properties"][field.name]
            assert ("anyOf" in prop) == field.optional, (table, field.name)
