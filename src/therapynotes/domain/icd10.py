"""ICD-10-CM codes and descriptions from the simple-icd-10-cm package (the official CMS
code list shipped as package data, so lookups work offline). DSM-5-TR diagnoses carry
ICD-10-CM codes, so a therapist finds a diagnosis by its DSM name or by code."""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class IcdCode:
    code: str
    description: str


@functools.cache
def _icd() -> ModuleType:
    """Imported on first use: the package parses its code list at import (~0.1 s), which
    commands that never touch diagnoses should not pay."""
    with warnings.catch_warnings():
        # The package still uses importlib.resources' legacy calls; not our warning to show.
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm  # noqa: PLC0415 - deferred on purpose (see docstring)

    module: ModuleType = simple_icd_10_cm
    return module


def normalise(code: str) -> str:
    """'f411' or 'F41.1 ' -> 'F41.1' (the dotted form we store)."""
    raw = "".join(code.split()).upper().replace(".", "")
    return raw if len(raw) <= 3 else f"{raw[:3]}.{raw[3:]}"


def lookup(code: str) -> IcdCode | None:
    """The billable (leaf) code, or None if `code` is not one."""
    icd = _icd()
    dotted = normalise(code)
    if not dotted or not icd.is_valid_item(dotted) or not icd.is_leaf(dotted):
        return None
    return IcdCode(dotted, str(icd.get_description(dotted)))


@functools.cache
def _leaves() -> tuple[IcdCode, ...]:
    icd = _icd()
    return tuple(
        IcdCode(c, str(icd.get_description(c)))
        for c in icd.get_all_codes(with_dots=True)
        if icd.is_leaf(c)
    )


def find(query: str, *, limit: int = 20) -> list[IcdCode]:
    """Codes whose code starts with `query`, then codes whose description contains every
    word of it; mental and behavioural (chapter F) codes first, as therapists mostly
    need those."""
    text = query.strip()
    if not text:
        return []
    exact = lookup(text)
    prefix = normalise(text)
    words = text.lower().split()
    by_code = [c for c in _leaves() if c.code.startswith(prefix)]
    by_name = [c for c in _leaves() if all(w in c.description.lower() for w in words)]
    seen: set[str] = set()
    ranked: list[IcdCode] = []
    for c in (
        ([exact] if exact else [])
        + by_code
        + sorted(
            by_name,
            key=lambda c: (
                not c.code.startswith("F"),
                not c.description.lower().startswith(text.lower()),
                len(c.description),
            ),
        )
    ):
        if c.code not in seen:
            seen.add(c.code)
            ranked.append(c)
    return ranked[:limit]
