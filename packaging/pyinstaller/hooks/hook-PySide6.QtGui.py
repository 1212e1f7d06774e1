"""PyInstaller hook for PySide6.QtGui: PyInstaller's own, minus plugins a desktop app never loads.

It takes precedence over the built-in hook of the same name (hooks from ``hookspath`` win) and
collects the same plugins (platforms ``xcb``, ``wayland``, ``offscreen``, ``minimal``; the SVG
image format and icon engine; input contexts …), except:

* ``platformthemes/libqgtk3.so``: it links GTK 3, which would pull the build machine's whole
  GTK/GDK/cairo/pango stack into the bundle (~20 MB) and mix it with the user's own GTK modules
  and settings at run time; Qt then uses the ``xdgdesktopportal`` theme (native file dialogs
  through the portal) or its own style;
* the platforms for embedded devices without a desktop (``eglfs``, ``linuxfb``, ``vnc``,
  ``vkkhrdisplay``, ``minimalegl``) and the EGL device integrations they alone use;
* Qt's on-screen keyboard for kiosks (``platforminputcontexts/libqtvirtualkeyboardplugin.so``):
  it alone links Qt Quick and QML (17 MB); desktop input methods (ibus, compose) stay.

Left out before dependency analysis, so the libraries only they need are left out too.
"""

from __future__ import annotations

from pathlib import PurePath

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

UNWANTED_PLUGINS = {
    "platformthemes/libqgtk3.so",
    "platforms/libqeglfs.so",
    "platforms/libqlinuxfb.so",
    "platforms/libqvnc.so",
    "platforms/libqvkkhrdisplay.so",
    "platforms/libqminimalegl.so",
    "platforminputcontexts/libqtvirtualkeyboardplugin.so",
}
UNWANTED_PLUGIN_TYPES = {"egldeviceintegrations"}


def _wanted(source: str) -> bool:
    path = PurePath(source)
    plugin = f"{path.parent.name}/{path.name}"
    return plugin not in UNWANTED_PLUGINS and path.parent.name not in UNWANTED_PLUGIN_TYPES


hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(source, target) for source, target in binaries if _wanted(source)]
