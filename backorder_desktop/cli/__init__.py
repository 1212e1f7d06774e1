"""The command line: one module per group of commands, registered in ``main.py``.

Every command works on a profile folder (``--home`` / ``BACKORDER_DESKTOP_HOME``), is one call on
the ``Profile`` facade plus presentation, prints human text by default and JSON with ``--json``,
and exits non-zero with a one-line reason on failure.

``main`` answers ``--version`` alone before importing the command line itself (click is most of
the cost of a start that needs no profile); everything else goes to ``cli.main``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from backorder_desktop import APP_NAME
from backorder_desktop import __version__

if TYPE_CHECKING:
    from backorder_desktop.cli.main import cli

# What click's version option prints (``cli.main`` declares it with the same words).
VERSION_LINE = f"{APP_NAME}, version {__version__}"


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``backorder-desktop`` command."""
    if (sys.argv[1:] if argv is None else argv) == ["--version"]:
        print(VERSION_LINE)
        return
    from backorder_desktop.cli.main import main as run

    run(argv)


def __getattr__(name: str) -> object:
    if name == "cli":
        from backorder_desktop.cli.main import cli as group

        return group
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["cli", "main"]
