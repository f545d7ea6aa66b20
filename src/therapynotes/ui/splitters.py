"""Remembered splitter positions, one mechanism for every splitter that keeps its place
across lock, unlock and restarts (the sidebar, the client list, the note list, the
treatment plan's versions).

Each such splitter gets a name (settings.SPLITTER_NAMES) and a `RememberedSplitter`
child: it restores the saved position when the splitter is built, saves it into the
bootstrap settings whenever the user moves the splitter, and again when the window saves
its settings (`remember_all`). What is kept is QSplitter.saveState() as base64: pane
sizes in pixels, nothing about records.

A saved state is only used when it fits: Qt's splitter format, this splitter's
orientation, one size per pane, no pane shrunk to nothing unless it may collapse. Anything
else (a damaged file, a state from another layout) leaves the splitter's own defaults.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QDataStream, QObject
from PySide6.QtWidgets import QSplitter, QWidget

from therapynotes.settings import SPLITTER_NAMES, AppSettings

SPLITTER_MAGIC = 0xFF  # QSplitter::saveState's marker (qsplitter.cpp)
SPLITTER_FORMAT = 1
MAX_PANE = 100_000  # pixels: anything larger is not a real position
MAX_PANES = 16


def _read_state(blob: bytes) -> tuple[list[int], int] | None:
    """(pane sizes, orientation) from a QSplitter.saveState() blob, or None."""
    stream = QDataStream(QByteArray(blob))
    stream.setVersion(QDataStream.Version.Qt_5_0)
    if stream.readInt32() != SPLITTER_MAGIC or stream.readInt32() != SPLITTER_FORMAT:
        return None
    count = stream.readUInt32()
    if count > MAX_PANES:
        return None
    sizes = [stream.readInt32() for _ in range(count)]
    stream.readBool()  # children collapsible
    stream.readInt32()  # handle width
    stream.readBool()  # opaque resize
    orientation = stream.readInt32()
    return (sizes, orientation) if stream.status() == QDataStream.Status.Ok else None


def saved_sizes(blob: bytes, splitter: QSplitter) -> list[int] | None:
    """The pane sizes in a QSplitter.saveState() blob, if it fits `splitter`; else None.

    Only the sizes are used: the blob also carries orientation, handle width and
    collapsibility, which stay as the code sets them."""
    state = _read_state(blob) if blob else None
    if state is None:
        return None
    sizes, orientation = state
    fits = (
        len(sizes) == splitter.count()
        and orientation == splitter.orientation().value
        and any(sizes)
        and all(0 <= size <= MAX_PANE for size in sizes)
        and all(size > 0 or _may_collapse(splitter, i) for i, size in enumerate(sizes))
    )
    return sizes if fits else None


def _may_collapse(splitter: QSplitter, index: int) -> bool:
    """isCollapsible() alone says yes for a pane left at the default even when the
    splitter's childrenCollapsible is off; both must allow it."""
    return splitter.childrenCollapsible() and splitter.isCollapsible(index)


class RememberedSplitter(QObject):
    """Keeps one splitter's position in `settings.splitters[name]` (a child of the
    splitter, so it dies with it). `active` False stops saving for a while (the client
    list's position is remembered only beside an open chart)."""

    def __init__(
        self, splitter: QSplitter, name: str, settings: AppSettings, *, restore: bool = True
    ) -> None:
        if name not in SPLITTER_NAMES:
            raise ValueError(f"no remembered splitter called {name!r}")
        super().__init__(splitter)
        self.setObjectName(f"RememberedSplitter_{name}")
        self.splitter = splitter
        self.name = name
        self.settings = settings
        self.active = True
        splitter.splitterMoved.connect(self._moved)
        if restore:
            self.restore()

    def restore(self) -> bool:
        """Back to the saved position; False (and nothing changed) when there is none
        that fits."""
        blob = AppSettings.decode_blob(self.settings.splitters.get(self.name, ""))
        sizes = saved_sizes(blob, self.splitter)
        if sizes is None:
            return False
        self.splitter.setSizes(sizes)
        return True

    def remember(self) -> None:
        if self.active:
            state = bytes(self.splitter.saveState().data())
            self.settings.splitters[self.name] = AppSettings.encode_blob(state)

    def _moved(self, _pos: int, _index: int) -> None:
        self.remember()


def remember_all(root: QWidget) -> None:
    """Save the position of every remembered splitter under `root` (the window, before
    it saves its settings or destroys its pages)."""
    for memory in root.findChildren(RememberedSplitter):
        memory.remember()
