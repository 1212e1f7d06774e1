"""What the profile facade is built from: the services ``app.py`` wires for one profile.

Kept apart from the facade so that its parts (the mixins of ``services/profile*.py``) can name them
without importing the facade itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum

from backorder_desktop.domain.dashboard import QuotaMeter
from backorder_desktop.domain.ports import MirrorStore
from backorder_desktop.services.backorder_rules import BackorderRuleService
from backorder_desktop.services.catalog import CatalogService
from backorder_desktop.services.connection import StoreConnection
from backorder_desktop.services.credentials import CredentialsService
from backorder_desktop.services.dashboard import DashboardService
from backorder_desktop.services.events import EventHub
from backorder_desktop.services.feed import FeedService
from backorder_desktop.services.notifications import NotificationService
from backorder_desktop.services.orders import OrderService
from backorder_desktop.services.product_writes import ProductWritePusher
from backorder_desktop.services.scheduler import SyncScheduler
from backorder_desktop.services.stock import StockService
from backorder_desktop.services.stock_history import StockHistoryService
from backorder_desktop.services.sync_engine import SyncEngine
from backorder_desktop.services.team import TeamSync
from backorder_desktop.services.team_setup import TeamSetup
from backorder_desktop.services.webhooks import WebhookFetcher
from backorder_desktop.services.webhooks import WebhookService


@dataclass(frozen=True, slots=True)
class ProfileInfo:
    """Facts about the open profile that the About box, dialogs and ``status`` show."""

    profile_dir: str
    log_dir: str
    database_path: str
    is_demo: bool


class BackgroundState(StrEnum):
    """What keeps the catalog fresh while the profile is open."""

    STOPPED = "stopped"
    RUNNING = "running"


@dataclass
class ProfileParts:
    """The services ``app.py`` wires for one profile. The facade's own; tests and benchmarks may
    look inside, the window and the command line never do."""

    info: ProfileInfo
    mirror: MirrorStore
    events: EventHub
    engine: SyncEngine
    catalog: CatalogService
    credentials: CredentialsService
    stock: StockService
    feed: FeedService
    scheduler: SyncScheduler
    webhooks: WebhookService
    actor: str
    prepare_rebuild: Callable[[], str] = lambda: ""  # empties (or salvaged) the mirror; says how
    start_receiver: Callable[[], str | None] = lambda: None  # webhook receiver; returns its URL
    connection: StoreConnection | None = None  # the store's API clients
    receiver: tuple[object, WebhookFetcher] | None = None  # the webhook receiver, once started
    orders: OrderService | None = None  # store orders counted into the ledger
    backorder_rules: BackorderRuleService | None = None  # limits, incoming, dates, messages
    notifications: NotificationService | None = None  # what the merchant is told, once each
    stock_history: StockHistoryService | None = None  # the stock chart and the sync timeline
    product_writes: ProductWritePusher | None = None  # tracking and limits, the backorder method
    dashboard: DashboardService | None = None  # the dashboard's figures
    team: TeamSetup | None = None  # team mode's set-up and this desktop's display name
    team_sync: TeamSync | None = None  # team mode: who leads, and the other desktops' changes
    read_quota: Callable[[str], QuotaMeter | None] = lambda _store: None  # the quota file, per store
    closers: list[Callable[[], object]] = field(default_factory=list)  # run in order by close()
