"""`python -m backorder_desktop`: the same entry point as the `backorder-desktop` command."""

from __future__ import annotations

from backorder_desktop.cli import main

if __name__ == "__main__":
    main()
