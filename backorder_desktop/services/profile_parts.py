"""What the profile facade is built from: the services ``app.py`` wires for one profile.

Kept apart from the facade so that its parts (the mixins of ``services/profile*.py``) can name them
without importing the facade itself.

Each service is built the first time it is read (``Part``): a command builds, and imports, only
the services it uses (``status`` in a script's loop neither imports nor builds the webhooks, the
feed or the stock chart). The service types are imported for type checking only, for the same
reason.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING
from typing import Any
from typing import Generic
from typing import TypeVar
from typing import cast
from typing import overload

from backorder_desktop.domain.errors import BugError

if TYPE_CHECKING:
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
    from backorder_desktop.services.purchasing import PurchasingService
    from backorder_desktop.services.scheduler import SyncScheduler
    from backorder_desktop.services.stock import StockService
    from backorder_desktop.services.stock_history import StockHistoryService
    from backorder_desktop.services.sync_engine import SyncEngine
    from backorder_desktop.services.team import TeamSync
    from backorder_desktop.services.team_setup import TeamSetup
    from backorder_desktop.services.webhooks import WebhookFetcher
    from backorder_desktop.services.webhooks import WebhookService

T = TypeVar("T")
Builder = Callable[[], Any]


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
    CLOSED = "closed"  # the profile was closed: nothing may start any more


class Part(Generic[T]):
    """One service of ``ProfileParts``, built by its builder the first time it is read. A part
    without a builder is None when ``optional`` (a profile opened without it), else a bug."""

    def __init__(self, *, optional: bool = False) -> None:
        self.optional = optional
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, parts: None, owner: type) -> Part[T]: ...
    @overload
    def __get__(self, parts: ProfileParts, owner: type) -> T: ...
    def __get__(self, parts: ProfileParts | None, owner: type) -> Part[T] | T:
        if parts is None:
            return self
        built = parts._built
        # No lock once built: reading a part stays as cheap as reading an attribute.
        return cast(T, built[self.name] if self.name in built else parts._build(self.name))

    def __set__(self, parts: ProfileParts, value: T) -> None:
        parts._built[self.name] = value


class ProfileParts:
    """The services ``app.py`` wires for one profile, each built on first use from ``build``
    (part name -> a function of no arguments that builds it; it may read other parts). The
    facade's own; tests and benchmarks may look inside, the window and the command line never do."""

    mirror: Part[MirrorStore] = Part()
    events: Part[EventHub] = Part()
    engine: Part[SyncEngine] = Part()
    catalog: Part[CatalogService] = Part()
    credentials: Part[CredentialsService] = Part()
    stock: Part[StockService] = Part()
    feed: Part[FeedService] = Part()
    scheduler: Part[SyncScheduler] = Part()
    webhooks: Part[WebhookService] = Part()
    connection: Part[StoreConnection | None] = Part(optional=True)  # the store's API clients
    orders: Part[OrderService | None] = Part(optional=True)  # store orders counted into the ledger
    purchasing: Part[PurchasingService | None] = Part(optional=True)  # purchasing on/off per item
    backorder_rules: Part[BackorderRuleService | None] = Part(optional=True)  # limits, incoming, dates
    notifications: Part[NotificationService | None] = Part(optional=True)  # told once each
    stock_history: Part[StockHistoryService | None] = Part(optional=True)  # the chart, the timeline
    product_writes: Part[ProductWritePusher | None] = Part(optional=True)  # tracking, limits, method
    dashboard: Part[DashboardService | None] = Part(optional=True)  # the dashboard's figures
    team: Part[TeamSetup | None] = Part(optional=True)  # team mode's set-up and the display name
    team_sync: Part[TeamSync | None] = Part(optional=True)  # team mode: who leads, others' changes

    def __init__(
        self,
        *,
        info: ProfileInfo,
        actor: str,
        build: Mapping[str, Builder],
        prepare_rebuild: Callable[[], str] = lambda: "",
        start_receiver: Callable[[], str | None] = lambda: None,
        read_quota: Callable[[str], QuotaMeter | None] = lambda _store: None,
    ) -> None:
        parts = {name for name, value in vars(ProfileParts).items() if isinstance(value, Part)}
        required = {name for name in parts if not getattr(ProfileParts, name).optional}
        if unknown := set(build) - parts:
            raise BugError(f"no such profile parts: {sorted(unknown)}")
        if missing := required - set(build):
            raise BugError(f"profile parts without a builder: {sorted(missing)}")
        self._builders = dict(build)
        self._built: dict[str, object] = {}
        # Reentrant: a builder reads the parts it is built from. One lock for all: two threads
        # asking for one part never build two of it.
        self._lock = threading.RLock()
        self.info = info
        self.actor = actor
        self.prepare_rebuild = prepare_rebuild  # empties (or salvaged) the mirror; says how
        self.start_receiver = start_receiver  # webhook receiver; returns its URL
        self.read_quota = read_quota  # the quota file, per store
        self.receiver: tuple[object, WebhookFetcher] | None = None  # the webhook receiver, once started
        self.closers: list[Callable[[], object]] = []  # run in order by close()

    def _build(self, name: str) -> object:
        with self._lock:
            if name not in self._built:
                builder = self._builders.get(name)
                self._built[name] = builder() if builder is not None else None
            return self._built[name]

    def built(self, name: str) -> object | None:
        """The part called ``name`` if it was built, else None (closing builds nothing)."""
        return self._built.get(name)
