"""The only place that finds ``resources/``: a source checkout, an installed copy, or a frozen bundle.

Lookup order (first folder that holds ``icons/app.svg`` wins):

1. ``BACKORDER_DESKTOP_RESOURCES`` (packagers and tests may point it anywhere);
2. a frozen bundle: ``<sys._MEIPASS>/resources`` (PyInstaller one-folder or one-file);
3. ``backorder_desktop/resources`` (a wheel that ships the folder inside the package);
4. ``<prefix>/share/backorder-desktop/resources`` (a distribution package);
5. the source checkout: ``<repository>/resources``.

Tray icons come in two variants per state: ``-light`` (a dark glyph, for light panels) and
``-dark`` (a light glyph, for dark panels).
"""

from __future__ import annotations

import logging
import os
import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtGui import QIcon
from PySide6.QtGui import QPalette

from backorder_desktop.domain.status import SyncState

logger = logging.getLogger(__name__)

ENV_RESOURCES = "BACKORDER_DESKTOP_RESOURCES"
_MARKER = Path("icons") / "app.svg"


def _candidates() -> list[Path]:
    found: list[Path] = []
    override = os.environ.get(ENV_RESOURCES)
    if override:
        found.append(Path(override))
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        found.append(Path(frozen_root) / "resources")
    package_dir = Path(__file__).resolve().parent.parent
    found.append(package_dir / "resources")
    found.append(Path(sys.prefix) / "share" / "backorder-desktop" / "resources")
    found.append(package_dir.parent / "resources")
    return found


@cache
def resources_dir() -> Path:
    """The folder of static resources; raises ``FileNotFoundError`` naming where it looked."""
    candidates = _candidates()
    for folder in candidates:
        if (folder / _MARKER).is_file():
            return folder
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"the resources folder was not found (looked in {tried})")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def icon(name: str) -> QIcon:
    """An icon from ``resources/icons/<name>.svg``."""
    path = resource_path("icons", f"{name}.svg")
    if not path.is_file():
        raise FileNotFoundError(f"icon {name!r} is missing: {path}")
    return QIcon(str(path))


def app_icon() -> QIcon:
    return icon("app")


def prefers_dark() -> bool:
    """True when the desktop uses a dark colour scheme (or a dark window palette)."""
    app = QGuiApplication.instance()
    if app is None:
        return False
    hints = QGuiApplication.styleHints()
    scheme = hints.colorScheme() if hasattr(hints, "colorScheme") else Qt.ColorScheme.Unknown
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def tray_icon(state: SyncState, *, dark: bool | None = None) -> QIcon:
    """The tray icon of a sync state, in the variant that reads on the panel."""
    variant = "dark" if (prefers_dark() if dark is None else dark) else "light"
    return icon(f"tray-{state.value}-{variant}")
