"""The command line: one module per group of commands, registered in ``main.py``.

Every command works on a profile folder (``--home`` / ``BACKORDER_DESKTOP_HOME``), is one call on
the ``Profile`` facade plus presentation, prints human text by default and JSON with ``--json``,
and exits non-zero with a one-line reason on failure.
"""

from __future__ import annotations

from backorder_desktop.cli.main import cli
from backorder_desktop.cli.main import main

__all__ = ["cli", "main"]
