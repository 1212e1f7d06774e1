"""backorder-desktop: a desktop companion for BigCommerce merchants who sell on backorder."""

from __future__ import annotations

__version__ = "0.1.0"
APP_NAME = "backorder-desktop"
APP_DISPLAY_NAME = "BackOrder Desktop"
