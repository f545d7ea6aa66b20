"""Regenerate src/therapynotes/domain/icd10cm.sqlite.xz from the simple-icd-10-cm package.

The app searches the ICD-10-CM code list in SQLite (domain/icd10.py): parsing the
package's 9.7 MB XML took ~1.4 s and a pure-Python scan of the ~74,000 billable codes
held the GIL long enough to stall the UI thread (issue 18). This script does that work
once, at development time: it writes every billable (leaf) code with its description,
in the package's own order, to a small SQLite database, xz-compressed. Run it after
upgrading simple-icd-10-cm; tests/unit/domain/test_icd10.py fails until you do.

Usage: PYTHONPATH=src .venv/bin/python scripts/make_icd10_data.py
"""

from __future__ import annotations

import lzma
import sqlite3
import sys
import warnings
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/therapynotes/domain/icd10cm.sqlite.xz"


def leaves() -> list[tuple[str, str]]:
    """Every billable code and its description, in the package's order, each once."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as icd  # noqa: PLC0415

    seen: set[str] = set()
    rows = []
    for code in icd.get_all_codes(with_dots=True):
        if icd.is_leaf(code) and code not in seen:
            seen.add(code)
            rows.append((code, str(icd.get_description(code))))
    return rows


def image(rows: list[tuple[str, str]]) -> bytes:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE leaf (ord INTEGER PRIMARY KEY, code TEXT NOT NULL, description TEXT NOT NULL)"
    )
    conn.executemany("INSERT INTO leaf (code, description) VALUES (?, ?)", rows)
    conn.commit()
    # domain/icd10.py matches lower(description) in SQLite: ASCII-only folding, which is
    # only the same as Python's str.lower() while no description has a non-ASCII capital.
    folded = dict(conn.execute("SELECT code, lower(description) FROM leaf"))
    if not all(folded[code] == text.lower() for code, text in rows):
        sys.exit("a description has a non-ASCII capital: fold in Python (a column) instead")
    conn.execute("VACUUM")
    data = conn.serialize()
    conn.close()
    return data


def main() -> None:
    rows = leaves()
    OUT.write_bytes(lzma.compress(image(rows), preset=9 | lzma.PRESET_EXTREME))
    print(f"{OUT}: {len(rows)} codes, {OUT.stat().st_size} bytes")
    sys.exit(0)


if __name__ == "__main__":
    main()
