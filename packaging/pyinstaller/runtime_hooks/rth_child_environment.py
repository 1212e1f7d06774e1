"""Runtime hook: programs the frozen app starts see the user's library path, not the bundle's.

On Linux the PyInstaller bootloader prepends the bundle to ``LD_LIBRARY_PATH`` (keeping the old
value in ``LD_LIBRARY_PATH_ORIG``). This process has already read it (the dynamic loader reads it
once, at start), but child processes would inherit it: "Open log folder" runs ``xdg-open`` and a
file manager, which could then load the bundle's copies of libglib, libssl or libQt instead of
their own and crash. Restoring the original value here fixes every child at once.
"""

from __future__ import annotations

import os
import sys


def _restore_library_path() -> None:
    if not sys.platform.startswith("linux") or not getattr(sys, "frozen", False):
        return
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original:
        os.environ["LD_LIBRARY_PATH"] = original
    else:
        os.environ.pop("LD_LIBRARY_PATH", None)


_restore_library_path()
