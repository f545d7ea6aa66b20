"""A small JSON Schema validator for the keywords docs/export.schema.json uses (no
jsonschema package in the test environment). Returns the first error or None."""

from __future__ import annotations

import re
from typing import Any

_TYPES: dict[str, Any] = {
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "string": lambda v: type(v) is str,
    "integer": lambda v: type(v) is int,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
}


def check(schema: dict[str, Any], value: Any, root: dict[str, Any], at: str = "$") -> str | None:  # noqa: PLR0911, PLR0912 - one branch per keyword
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return check(root["$defs"][name], value, root, at)
    if "anyOf" in schema:
        if all(check(s, value, root, at) for s in schema["anyOf"]):
            return f"{at}: matches no alternative"
        return None
    if "const" in schema and value != schema["const"]:
        return f"{at}: not the constant"
    if "enum" in schema and value not in schema["enum"]:
        return f"{at}: not in enum"
    if "type" in schema and not _TYPES[schema["type"]](value):
        return f"{at}: not {schema['type']}"
    if type(value) is str:
        if len(value) > schema.get("maxLength", len(value)):
            return f"{at}: too long"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return f"{at}: pattern"
    if type(value) is int and not schema.get("minimum", value) <= value <= schema.get(
        "maximum", value
    ):
        return f"{at}: out of range"
    if type(value) is list and "items" in schema:
        for i, item in enumerate(value):
            if error := check(schema["items"], item, root, f"{at}[{i}]"):
                return error
    if type(value) is dict:
        for key in schema.get("required", []):
            if key not in value:
                return f"{at}: missing {key}"
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            if sub is None and extra is False:
                return f"{at}: unexpected {key}"
            if sub is not None and (error := check(sub, item, root, f"{at}.{key}")):
                return error
    return None
