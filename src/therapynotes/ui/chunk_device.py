"""An attachment's bytes as the chunks the vault handed out (store/attachments.py), read
as one random-access file by Qt: QPdfDocument and QImageReader read what they need from
it, so the bytes are never copied into one buffer.

Why not a QByteArray: every copy into one (its constructor, `append`) holds Python's GIL
for as long as the memcpy and its page faults take (20 MB: 20-90 ms on a busy machine),
and the UI thread waits that out (issue 18). The chunks themselves were filled by SQLite
with the GIL released. Reading from here costs a Python call per block Qt asks for.
"""

from __future__ import annotations

import bisect

from PySide6.QtCore import QIODevice, QObject

Chunks = tuple[bytes, ...]


class ChunkDevice(QIODevice):
    """A read-only, seekable device over `chunks`, opened on construction."""

    def __init__(self, chunks: Chunks, parent: QObject | None = None) -> None:
        if parent is None:
            super().__init__()
        else:
            super().__init__(parent)
        self._chunks = chunks
        self._starts: list[int] = []
        total = 0
        for chunk in chunks:
            self._starts.append(total)
            total += len(chunk)
        self._size = total
        self.open(QIODevice.OpenModeFlag.ReadOnly)

    def isSequential(self) -> bool:  # noqa: N802 - Qt override
        return False

    def size(self) -> int:
        return self._size

    def readData(self, maxlen: int) -> bytes:  # noqa: N802 - Qt override
        pos = self.pos()
        want = min(maxlen, self._size - pos)
        index = bisect.bisect_right(self._starts, pos) - 1
        parts: list[bytes] = []
        while want > 0 and 0 <= index < len(self._chunks):
            offset = pos - self._starts[index]
            part = self._chunks[index][offset : offset + want]
            parts.append(part)
            want -= len(part)
            pos += len(part)
            index += 1
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def writeData(self, _data: bytes | bytearray | memoryview, _size: int) -> int:  # noqa: N802 - Qt override
        return -1  # read-only
