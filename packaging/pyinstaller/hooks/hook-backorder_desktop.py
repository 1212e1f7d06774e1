"""PyInstaller hook for the app itself: every module, since some are only imported by name.

``adapters/storage/migrations`` finds its ``mNNNN_*`` modules with ``pkgutil.iter_modules`` and
imports them with ``importlib``; the CLI adds the demo store's command late. Static analysis
cannot see either, and a missing migration would only show on a user's first start.
"""

from __future__ import annotations

from PyInstaller.utils.hooks import collect_submodules

hiddenimports = collect_submodules("backorder_desktop")
