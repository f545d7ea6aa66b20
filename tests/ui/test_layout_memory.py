"""ui.md: "Remember window size, splitter positions and the last open chart per vault (in
the non-secret config: geometry only, never names)". A saved splitter position is used
only when it fits the splitter it is restored into."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget

from therapynotes.settings import AppSettings
from therapynotes.ui.splitters import saved_sizes


def foreign_state(orientation: Qt.Orientation, sizes: list[int]) -> str:
    splitter = QSplitter(orientation)
    for _ in sizes:
        splitter.addWidget(QWidget())
    splitter.setSizes(sizes)
    state = AppSettings.encode_blob(bytes(splitter.saveState().data()))
    splitter.deleteLater()
    return state


def test_saved_sizes_accepts_only_a_fitting_state() -> None:
    target = QSplitter(Qt.Orientation.Horizontal)
    for _ in range(2):
        target.addWidget(QWidget())
    target.setChildrenCollapsible(False)
    own = AppSettings.decode_blob(foreign_state(Qt.Orientation.Horizontal, [120, 480]))
    assert saved_sizes(own, target) == [120, 480]
    for bad in (
        b"",
        b"\x00\x00\x00\xff",
        own[:-3],
        b"\xff" + own[1:],
        AppSettings.decode_blob(foreign_state(Qt.Orientation.Vertical, [120, 480])),
        AppSettings.decode_blob(foreign_state(Qt.Orientation.Horizontal, [1, 2, 3])),
        AppSettings.decode_blob(foreign_state(Qt.Orientation.Horizontal, [0, 480])),
        own.replace(b"\x00\x00\x00\x78", b"\xff\xff\xff\x88"),  # a negative size
    ):
        assert saved_sizes(bad, target) is None, bad
    target.setChildrenCollapsible(True)  # a pane that may collapse may be saved collapsed
    collapsed = AppSettings.decode_blob(foreign_state(Qt.Orientation.Horizontal, [0, 480]))
    assert saved_sizes(collapsed, target) == [0, 480]
    target.deleteLater()
