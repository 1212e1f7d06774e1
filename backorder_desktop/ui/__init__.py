"""The window and the tray (PySide6 lives only in this package).

Importing the package applies the binding workarounds of ``qt_fixes`` first, so that every entry
point (the app, the tests, the benchmarks) runs on a binding that does not crash the interpreter.
"""

from __future__ import annotations

from backorder_desktop.ui import qt_fixes

qt_fixes.install()
