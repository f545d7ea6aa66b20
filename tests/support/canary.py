"""Plaintext canary scan: look for canary strings in every file under some folders, in
UTF-8, UTF-16-LE and UTF-16-BE, and in the file names themselves.

Any test can call `scan(...)`; `allowed` lists files the user asked to have in
plaintext (an export to a chosen folder, a PDF of a chart), which are reported apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")


@dataclass(frozen=True)
class Hit:
    where: str  # the folder's label, e.g. "data", "temp"
    path: Path
    canary: str
    encoding: str  # an encoding, or "file name"
    allowed: bool

    def __str__(self) -> str:
        return f"{self.where}: {self.path} holds {self.canary!r} ({self.encoding})"


@dataclass(frozen=True)
class ScanResult:
    hits: tuple[Hit, ...]
    files: int
    bytes: int

    @property
    def leaks(self) -> list[Hit]:
        return [h for h in self.hits if not h.allowed]


def _needles(canaries: Iterable[str]) -> list[tuple[str, str, bytes]]:
    return [(c, enc, c.encode(enc)) for c in canaries for enc in ENCODINGS]


def _is_allowed(path: Path, allowed: tuple[Path, ...]) -> bool:
    return any(path == a or a in path.parents for a in allowed)


def scan(
    folders: Mapping[str, Path],
    canaries: Iterable[str],
    *,
    allowed: Iterable[Path] = (),
) -> ScanResult:
    """Every file under each folder (symlinks are not followed), read whole."""
    needles = _needles(canaries)
    names = {c for c, _, _ in needles}
    ok = tuple(Path(a) for a in allowed)
    hits: list[Hit] = []
    files = total = 0
    seen: set[Path] = set()
    for label, folder in folders.items():
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*")):
            if path in seen or path.is_symlink():
                continue
            seen.add(path)
            permitted = _is_allowed(path, ok)
            hits += [Hit(label, path, c, "file name", permitted) for c in names if c in path.name]
            if not path.is_file():
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            files += 1
            total += len(data)
            hits += [Hit(label, path, c, enc, permitted) for c, enc, n in needles if n in data]
    return ScanResult(tuple(hits), files, total)
