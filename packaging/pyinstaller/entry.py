"""Frozen entry point: the same ``backorder-desktop`` command as the installed console script."""

from __future__ import annotations

from backorder_desktop.cli import main

if __name__ == "__main__":
    main()
