"""The precomputed ICD-10-CM list (domain/icd10cm.sqlite.xz) gives the same answers as
the pure-Python scan over the simple-icd-10-cm package it replaced (issue 18): the old
implementation is rebuilt here from the package, so a package upgrade without
`scripts/make_icd10_data.py` fails too."""

from __future__ import annotations

import functools
import warnings
from types import ModuleType

import pytest

from therapynotes.domain import icd10

QUERIES = (
    "F41.1",
    " f411 ",
    "F41",
    "F4",
    "F",
    "f",
    "F43.1",
    "Z63",
    "z",
    "a",
    "1",
    ".",
    "..",
    "anxiety",
    "Anx",
    "depress",
    "generalized anxiety",
    "panic",
    "disorder",
    "Disorder",
    "major depressive",
    "ptsd",
    "post-traumatic",
    "stress disorder",
    "adhd",
    "attention",
    "sézary",
    "SÉZARY",
    "insomnia",
    "alcohol use",
    "alcohol  use",
    "adjustment disorder with",
    "T40.1X1A",
    "t401x1a",
    "S72.001A",
    "dry stage",
    "eye, advanced",
    "xyz",
    "zzzz",
    "mental disorder",
    "F99",
    "B20",
    "hiv",
    "[HIV]",
    "100%",
    "a_b",
    "'",
    '"',
    "it's",
    "unspecified",
    "of",
    "e",
    "bipolar ii",
    "F32.A",
    "f32a",
    "autism",
    "grief",
    "eating",
)


@functools.cache
def _package() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm  # noqa: PLC0415

    module: ModuleType = simple_icd_10_cm
    return module


def old_lookup(code: str) -> icd10.IcdCode | None:
    icd = _package()
    dotted = icd10.normalise(code)
    if not dotted or not icd.is_valid_item(dotted) or not icd.is_leaf(dotted):
        return None
    return icd10.IcdCode(dotted, str(icd.get_description(dotted)))


@functools.cache
def old_leaves() -> tuple[icd10.IcdCode, ...]:
    icd = _package()
    return tuple(
        icd10.IcdCode(c, str(icd.get_description(c)))
        for c in icd.get_all_codes(with_dots=True)
        if icd.is_leaf(c)
    )


@functools.cache
def old_ranked(query: str) -> tuple[icd10.IcdCode, ...]:
    """domain/icd10.py's find before issue 18, word for word, without the limit (its
    answer was this list cut at `limit`)."""
    text = query.strip()
    if not text:
        return []
    exact = old_lookup(text)
    prefix = icd10.normalise(text)
    words = text.lower().split()
    by_code = [c for c in old_leaves() if c.code.startswith(prefix)]
    by_name = [c for c in old_leaves() if all(w in c.description.lower() for w in words)]
    seen: set[str] = set()
    ranked: list[icd10.IcdCode] = []
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
    return tuple(ranked)


@pytest.mark.parametrize("limit", [1, 5, 20, 30, 200])
def test_find_gives_the_old_answers(limit: int) -> None:
    for query in QUERIES:
        assert icd10.find(query, limit=limit) == list(old_ranked(query)[:limit]), query


def test_lookup_gives_the_old_answer_for_every_code() -> None:
    icd = _package()
    codes = icd.get_all_codes(with_dots=True)
    tried = [*codes, *(c.replace(".", "").lower() for c in codes[::50]), "", "F41.19", "Q"]
    for code in tried:
        assert icd10.lookup(code) == old_lookup(code), code


def test_the_data_file_is_the_packages_billable_codes_each_once() -> None:
    leaves = list({c.code: c for c in old_leaves()}.values())  # five are listed twice
    assert len(leaves) > 70_000
    shipped = icd10._codes().rows("SELECT code, description FROM leaf ORDER BY ord", ())
    assert shipped == leaves
