"""What the window gets from the composition root: the services of one open profile.

The window never builds adapters; ``app.py`` hands it a ``Launcher`` that opens a profile (the
merchant's, or a fresh demo store's) and returns these services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from backorder_desktop.services.catalog import CatalogService
from backorder_desktop.services.credentials import CredentialsService
from backorder_desktop.services.events import EventHub
from backorder_desktop.services.scheduler import SyncScheduler
from backorder_desktop.services.stock import StockService
from backorder_desktop.services.sync_engine import SyncEngine


@dataclass(frozen=True)
class Services:
    """The services of one open profile, plus facts the About box and error dialogs show."""

    catalog: CatalogService
    engine: SyncEngine
    credentials: CredentialsService
    events: EventHub
    profile_dir: str
    log_dir: str
    database_path: str
    keyring_backend: str | None
    is_demo: bool
    close: Callable[[], None]
    stock: StockService | None = None  # stock edits and the outbox (issue 4)
    scheduler: SyncScheduler | None = None  # automatic runs; the tray pauses them (issue 6)


class Launcher(Protocol):
    """Opens profiles for the window. Both calls do I/O: call them off the GUI thread."""

    def open_profile(self) -> Services:
        """The merchant's own profile (it may have no store connected yet)."""
        ...

    def open_demo(self) -> Services:
        """A fresh demo store in this process, with its own profile, already connected."""
        ...
