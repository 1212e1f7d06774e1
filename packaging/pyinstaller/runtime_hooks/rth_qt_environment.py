"""Runtime hook: where Qt finds its plugins in the bundle, set without loading Qt.

It replaces PyInstaller's ``pyi_rth_pyside6``, which sets the same variables but also imports
``PySide6.QtCore`` at every start, to register a ``qt.conf`` for Qt bindings that do not embed
their own. The PySide6 wheels embed one (``:/qt/etc/qt.conf``, prefix ``PySide6/Qt`` beside the
module), so that import only cost every command, the ones that never show a window included,
about 80 ms and 17 MB before the app's first line.
"""

from __future__ import annotations

import os
import sys


def _prepend(path: str, variable: str) -> None:
    current = os.environ.get(variable)
    if current and path in current.split(os.pathsep):
        return
    os.environ[variable] = path + os.pathsep + current if current else path


def _set_qt_environment() -> None:
    if not getattr(sys, "frozen", False):
        return
    base: str = sys._MEIPASS  # type: ignore[attr-defined]
    windows = sys.platform.startswith("win")
    qt = os.path.join(base, "PySide6") if windows else os.path.join(base, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt, "plugins")
    app_bundle = sys.platform == "darwin" and base.endswith("Contents/Frameworks")
    if app_bundle:
        # A macOS .app keeps data files under Contents/Resources, binaries under Contents/Frameworks.
        resources = os.path.normpath(os.path.join(base, "..", "Resources", os.path.relpath(qt, base)))
        os.environ["QML2_IMPORT_PATH"] = os.pathsep.join(
            [os.path.join(resources, "qml"), os.path.join(qt, "qml")]
        )
    else:
        os.environ["QML2_IMPORT_PATH"] = os.path.join(qt, "qml")
    if windows:
        _prepend(base, "PATH")  # QtNetwork finds the bundled OpenSSL DLLs there
    if sys.platform == "darwin" and not app_bundle:
        _prepend(base, "DYLD_LIBRARY_PATH")


_set_qt_environment()
