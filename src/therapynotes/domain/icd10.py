"""ICD-10-CM codes and descriptions: the official CMS code list as shipped by the
simple-icd-10-cm package, precomputed into icd10cm.sqlite.xz next to this module
(scripts/make_icd10_data.py), so lookups work offline. DSM-5-TR diagnoses carry
ICD-10-CM codes, so a therapist finds a diagnosis by its DSM name or by code.

Why SQLite and not Python (issue 18): parsing the package's XML took ~1.4 s and a pure-
Python scan of the ~74,000 billable codes per keystroke held the GIL, which stalled the
UI thread 85-300 ms while a worker searched. Loading the list is now decompression and
SQLite's own deserialisation, and each search is one SQLite query: C code that releases
the GIL while it runs. The answers are the same as the Python scan's, in the same order
(tests/unit/domain/test_icd10.py compares them with the package itself).
"""

from __future__ import annotations

import functools
import importlib.resources
import lzma
import sqlite3
import threading
from dataclasses import dataclass

DATA_FILE = "icd10cm.sqlite.xz"

# Lowest to highest: a chapter F (mental and behavioural) code first, then a description
# that starts with the whole query, then the shorter description, then the list's order.
_BY_NAME = """
SELECT code, description FROM leaf WHERE {matches}
ORDER BY substr(code, 1, 1) != 'F', substr(lower(description), 1, length(?)) != ?,
         length(description), ord
LIMIT ?"""


@dataclass(frozen=True)
class IcdCode:
    code: str
    description: str


class _CodeList:
    """One in-memory SQLite copy of the list, shared by every thread (the dialog's
    searches run on the thread pool); a lock keeps its connection to one at a time."""

    def __init__(self) -> None:
        packed = importlib.resources.files(__package__).joinpath(DATA_FILE).read_bytes()
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.deserialize(lzma.decompress(packed))
        self._conn.execute("CREATE INDEX leaf_code ON leaf (code)")
        self._conn.execute("PRAGMA query_only = ON")
        self._lock = threading.Lock()

    def rows(self, sql: str, params: tuple[object, ...]) -> list[IcdCode]:
        with self._lock:
            return [IcdCode(code, text) for code, text in self._conn.execute(sql, params)]


@functools.cache
def _codes() -> _CodeList:
    """Loaded on first use (~0.07 s, nearly all of it outside the GIL), which commands
    that never touch diagnoses should not pay."""
    return _CodeList()


def normalise(code: str) -> str:
    """'f411' or 'F41.1 ' -> 'F41.1' (the dotted form we store)."""
    raw = "".join(code.split()).upper().replace(".", "")
    return raw if len(raw) <= 3 else f"{raw[:3]}.{raw[3:]}"


def lookup(code: str) -> IcdCode | None:
    """The billable (leaf) code, or None if `code` is not one."""
    dotted = normalise(code)
    if not dotted:
        return None
    found = _codes().rows("SELECT code, description FROM leaf WHERE code = ?", (dotted,))
    return found[0] if found else None


def _by_code(prefix: str, limit: int) -> list[IcdCode]:
    """Codes starting with `prefix`, in the list's order. Codes are ASCII, so every code
    with the prefix sorts below prefix + U+10FFFF (SQLite compares text bytewise)."""
    return _codes().rows(
        "SELECT code, description FROM leaf WHERE code >= ? AND code < ? ORDER BY ord LIMIT ?",
        (prefix, prefix + "\U0010ffff", limit),
    )


def _by_name(text: str, words: list[str], limit: int) -> list[IcdCode]:
    """Codes whose description contains every word (anywhere, as the old scan did)."""
    matches = " AND ".join(["instr(lower(description), ?) > 0"] * len(words))
    folded = text.lower()
    return _codes().rows(_BY_NAME.format(matches=matches), (*words, folded, folded, limit))


def find(query: str, *, limit: int = 20) -> list[IcdCode]:
    """Codes whose code starts with `query`, then codes whose description contains every
    word of it; mental and behavioural (chapter F) codes first, as therapists mostly
    need those. At most `limit` codes, each once."""
    text = query.strip()
    if not text or limit <= 0:
        return []
    exact = lookup(text)
    # The exact code is also the first by code, so limit + 1 by code give `limit` codes,
    # and at most limit + 1 of the codes by name can be among those already taken.
    by_code = _by_code(normalise(text), limit + 1)
    by_name = _by_name(text, text.lower().split(), 2 * limit + 1)
    seen: set[str] = set()
    ranked: list[IcdCode] = []
    for c in ([exact] if exact else []) + by_code + by_name:
        if c.code not in seen:
            seen.add(c.code)
            ranked.append(c)
    return ranked[:limit]
