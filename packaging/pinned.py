"""What the bundle may carry, checked by packaging/therapynotes.spec before it builds.

- `check_pins`: every runtime dependency installed in the building environment must be
  in the range pyproject.toml allows, so a venv made before a pin (PySide6 6.12.0, which
  crashes the app: issue 20) cannot be frozen into a release.
- `unused_qt`: Qt parts the app never uses that PyInstaller's Qt hooks bring anyway (the
  virtual keyboard plugin pulls in Qt Quick and QML; pyside6-addons ships WebEngine, 3D,
  Multimedia...). The app uses QtCore, QtGui, QtWidgets, QtSvg, QtDBus, QtPrintSupport,
  QtPdf and QtPdfWidgets (QtPdf needs QtNetwork's library, which stays).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

UNUSED_QT = (
    "Qt6Quick", "Qt6Qml", "Qt6VirtualKeyboard", "qtvirtualkeyboardplugin", "Qt6WebEngine",
    "Qt6WebChannel", "Qt6WebSockets", "Qt6WebView", "Qt63D", "Qt6Multimedia", "Qt6Charts",
    "Qt6DataVisualization", "Qt6Graphs", "Qt6Location", "Qt6Positioning", "Qt6Sensors",
    "Qt6Bluetooth", "Qt6Nfc", "Qt6SerialPort", "Qt6RemoteObjects", "Qt6Scxml", "Qt6Designer",
    "Qt6Help", "Qt6Sql", "Qt6Test", "Qt6SpatialAudio", "Qt6TextToSpeech", "Qt6Shader",
    "plugins/networkinformation", "plugins/tls", "plugins/sqldrivers", "plugins/multimedia",
)  # fmt: skip
UNUSED_MODULES = [
    f"PySide6.{name}"
    for name in (
        "QtQuick", "QtQuickWidgets", "QtQuick3D", "QtQuickControls2", "QtQml", "QtWebEngineCore",
        "QtWebEngineWidgets", "QtWebEngineQuick", "QtWebChannel", "QtWebSockets", "QtWebView",
        "Qt3DCore", "Qt3DRender", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DAnimation",
        "QtMultimedia", "QtMultimediaWidgets", "QtSpatialAudio", "QtCharts", "QtDataVisualization",
        "QtGraphs", "QtLocation", "QtPositioning", "QtSensors", "QtBluetooth", "QtNfc",
        "QtSerialPort", "QtSerialBus", "QtRemoteObjects", "QtScxml", "QtStateMachine",
        "QtDesigner", "QtHelp", "QtSql", "QtTest", "QtTextToSpeech", "QtOpenGLWidgets",
        "QtUiTools", "QtHttpServer", "QtNetworkAuth", "QtAxContainer",
    )
]  # fmt: skip


def check_pins(root: Path, version: Callable[[str], str] = metadata.version) -> list[str]:
    """Each runtime dependency whose installed version pyproject.toml does not allow."""
    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]
    wrong = []
    for line in project["dependencies"]:
        requirement = Requirement(line)
        try:
            installed = version(requirement.name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{requirement.name} is not installed ({requirement})")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            wrong.append(f"{requirement.name} {installed} is outside {requirement}")
    return wrong


def unused_qt(dest: str) -> bool:
    """Whether a bundled file (its path inside the bundle) is a Qt part the app never uses."""
    path = dest.replace("\\", "/")
    return any(part in path for part in UNUSED_QT)
