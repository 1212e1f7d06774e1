"""How one profile's services are built, each on first read: ``open_profile`` (``app.py``) hands
``_Wiring``'s builders to ``ProfileParts``, so a command imports and builds only what it uses."""

from __future__ import annotations

import getpass
import logging
import warnings
from collections.abc import Callable
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar
from typing import cast

from backorder_desktop.adapters.locks import FileProcessLock
from backorder_desktop.adapters.paths import ProfilePaths
from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.adapters.storage.mirror_store import SqliteMirrorStore
from backorder_desktop.adapters.team_config import DESKTOP_FILE
from backorder_desktop.adapters.team_config import DesktopFiles
from backorder_desktop.app_database import _holding
from backorder_desktop.app_database import _team_databases
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.settings import actor_label
from backorder_desktop.logging_setup import register_secret
from backorder_desktop.services.profile import ProfileParts

if TYPE_CHECKING:  # imported when first used: httpx alone costs ~0.1 s of the window's start-up
    from backorder_desktop.adapters.sync_process import ChildProcessRunner
    from backorder_desktop.domain.dashboard import QuotaMeter
    from backorder_desktop.domain.ports import Clock
    from backorder_desktop.domain.ports import FeedReport
    from backorder_desktop.domain.ports import Leadership
    from backorder_desktop.domain.ports import SecretStore
    from backorder_desktop.domain.runs import SyncRun
    from backorder_desktop.services.backorder_rules import BackorderRuleService
    from backorder_desktop.services.catalog import CatalogService
    from backorder_desktop.services.connection import StoreApi
    from backorder_desktop.services.connection import StoreApiFactory
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
    from backorder_desktop.services.sync_engine import RunState
    from backorder_desktop.services.sync_engine import SyncEngine
    from backorder_desktop.services.team import TeamSync
    from backorder_desktop.services.team_setup import TeamSetup
    from backorder_desktop.services.webhooks import WebhookService
    from backorder_desktop.team_start import StartedTeam


T = TypeVar("T")

logger = logging.getLogger(__name__)

FIRST_ROUND_S = 5.0  # the longest a team desktop waits for its first campaign round's answer


class _Wiring:
    """How each part of one profile is built. ``ProfileParts`` calls a builder the first time its
    part is read, so a command imports and builds only the services it uses (``status`` never the
    webhooks, the feed's client, the dashboard or the stock chart)."""

    def __init__(
        self,
        *,
        paths: ProfilePaths,
        mirror: SqliteMirrorStore,
        clock: Clock,
        secrets: SecretStore,
        client_factory: StoreApiFactory,
        env_token: str | None,
        env_store: tuple[str, str] | None,
        sync_lock: FileProcessLock,
        sync_process: bool,
        keyring_backend: Callable[[], str | None],
        desktop: DesktopFiles,
        team_url: str | None = None,
    ) -> None:
        self.paths = paths
        self.mirror = mirror
        self.clock = clock
        self.secrets = secrets
        self.client_factory = client_factory
        self.env_token = env_token
        self.env_store = env_store
        self.sync_lock = sync_lock
        self.sync_process = sync_process
        self.keyring_backend = keyring_backend
        self.desktop = desktop
        self.team_url = team_url  # with its password: never logged (the redactor knows it)
        self.started: StartedTeam | None = None
        self.runner: ChildProcessRunner | None = None
        self.parts: ProfileParts | None = None  # set once the parts exist: the builders read them
        # ``desktop.json`` as last read (inode, time, size) and the display name it held.
        self._desktop_file = paths.config_dir / DESKTOP_FILE
        self._desktop_seen: tuple[int, ...] | None = None
        self._display_name: str | None = None

    def builders(self) -> dict[str, Callable[[], object]]:
        return {
            "mirror": lambda: self.mirror,
            "events": self.events,
            "credentials": self.credentials,
            "connection": self.connection,
            "product_writes": self.product_writes,
            "notifications": self.notifications,
            "purchasing": self.purchasing,
            "stock": self.stock,
            "backorder_rules": self.backorder_rules,
            "feed": self.feed,
            "orders": self.orders,
            "engine": self.engine,
            "webhooks": self.webhooks,
            "scheduler": self.scheduler,
            "catalog": self.catalog,
            "dashboard": self.dashboard,
            "stock_history": self.stock_history,
            "team": self.team,
            "team_sync": self.team_sync,
        }

    @property
    def _parts(self) -> ProfileParts:
        if self.parts is None:
            raise BugError("a profile part was read before its parts existed")
        return self.parts

    def _connection(self) -> StoreConnection:
        return _present(self._parts.connection)

    def _actor(self) -> str:
        """Whom changes are recorded as, read at each write (``set_display_name`` changes it)."""
        return self._parts.actor

    def events(self) -> EventHub:
        from backorder_desktop.services.events import EventHub

        events = EventHub()
        # Their subscribers are built when the event first comes: a command that never syncs nor
        # counts an order builds neither.
        events.subscribe(
            "orders_changed", lambda _count: _disable_now(_present(self._parts.purchasing), self._check_lead)
        )
        events.subscribe("run_finished", lambda run: _present(self._parts.notifications).sync_finished(run))
        return events

    def credentials(self) -> CredentialsService:
        from backorder_desktop.services.credentials import CredentialsService

        return CredentialsService(
            secrets=self.secrets, mirror=self.mirror, client_factory=self.client_factory
        )

    def connection(self) -> StoreConnection:
        from backorder_desktop.services.connection import StoreConnection

        return StoreConnection(
            credentials=self._parts.credentials,
            client_factory=self.client_factory,
            env_token=self.env_token,
            env_store=self.env_store,
            on_secret=register_secret,
        )

    def product_writes(self) -> ProductWritePusher:
        from backorder_desktop.services.product_writes import ProductWritePusher

        return ProductWritePusher(
            store=self.mirror,
            clock=self.clock,
            target_factory=self._connection().client,
            actor=self._actor,
        )

    def notifications(self) -> NotificationService:
        from backorder_desktop.services.notifications import NotificationService

        return NotificationService(store=self.mirror, clock=self.clock, events=self._parts.events)

    def purchasing(self) -> PurchasingService:
        from backorder_desktop.services.purchasing import PurchasingService

        return PurchasingService(
            store=self.mirror,
            clock=self.clock,
            target_factory=self._connection().client,
            actor=self._actor,
            teller=_present(self._parts.notifications),
        )

    def stock(self) -> StockService:
        from backorder_desktop.services.stock import StockService

        return StockService(
            store=self.mirror,
            clock=self.clock,
            target_factory=self._connection().client,
            products=_present(self._parts.product_writes),
            purchasing=_present(self._parts.purchasing),
            may_push=self._check_lead,
        )

    def backorder_rules(self) -> BackorderRuleService:
        from backorder_desktop.services.backorder_rules import BackorderRuleService

        return BackorderRuleService(store=self.mirror, clock=self.clock)

    def feed(self) -> FeedService:
        from backorder_desktop.services.feed import FeedService

        return FeedService(
            store=self.mirror,
            stock=self._parts.stock,
            rules=_present(self._parts.backorder_rules),
            feed=_LazyStockFeed(),
            secrets=self.secrets,
            store_hash=self._connection().store_hash,
            on_secret=register_secret,
        )

    def orders(self) -> OrderService:
        from backorder_desktop.services.orders import OrderService

        return OrderService(
            store=self.mirror,
            source_factory=self._connection().client,
            clock=self.clock,
            events=self._parts.events,
            leadership=self._leadership(),
        )

    def engine(self) -> SyncEngine:
        from backorder_desktop.services.feed import after_pull
        from backorder_desktop.services.notifications import notifications_after_pull
        from backorder_desktop.services.orders import orders_after_pull
        from backorder_desktop.services.sync_engine import SyncEngine

        parts = self._parts
        if self.sync_process:
            # Imported here: subprocess, pickle and logging's handlers are no part of a command's start.
            from backorder_desktop.adapters.sync_process import ChildProcessRunner

            self.runner = ChildProcessRunner(
                home=self.paths.home,
                token=self._connection().token,
                memory_secrets=isinstance(self.secrets, MemorySecretStore),
                debug=logging.getLogger("backorder_desktop").isEnabledFor(logging.DEBUG),
            )
        pulled = after_pull(parts.stock, parts.feed)
        return SyncEngine(
            mirror=self.mirror,
            source_factory=self._connection().client,
            clock=self.clock,
            events=parts.events,
            process_lock=self.sync_lock,
            after_pull=notifications_after_pull(
                _present(parts.notifications), orders_after_pull(_present(parts.orders), pulled)
            ),
            pull_runner=self.runner,
            leadership=self._leadership(),
        )

    def webhooks(self) -> WebhookService:
        from backorder_desktop.services.webhooks import WebhookService

        return WebhookService(
            api_factory=self._connection().client,
            secrets=self.secrets,
            settings=self.mirror.load_settings,
            store_hash=self._connection().store_hash,
            on_secret=register_secret,
            on_reactivated=lambda: self._parts.engine.sync(
                kind=RunKind.AUTOMATIC, trigger=RunTrigger.WEBHOOK
            ),
        )

    def scheduler(self) -> SyncScheduler:
        from backorder_desktop.services.scheduler import SyncScheduler

        parts = self._parts
        return SyncScheduler(
            # The scheduler only starts runs: a status that reads the next one builds no engine.
            engine=cast("SyncEngine", _EngineOnFirstUse(parts)),
            mirror=self.mirror,
            clock=self.clock,
            events=parts.events,
            zone=_LocalZoneOnFirstUse(),
            feed_pull=lambda: parts.feed.pull(),
            health_check=lambda: parts.webhooks.health(),
            connected=lambda: self.mirror.get_store() is not None,
            leadership=self._leadership(),
        )

    def catalog(self) -> CatalogService:
        from backorder_desktop.services.catalog import CatalogService

        return CatalogService(
            mirror=self.mirror,
            clock=self.clock,
            keyring_backend=self.keyring_backend,
            # Counted by the mirror: a status builds no stock service, nor the purchasing it needs.
            outbox_size=self.mirror.outbox_count,
            settings_saved=self._reschedule,
        )

    def _reschedule(self) -> None:
        """Saved settings reach a running schedule; one not built yet reads them when it is."""
        scheduler = self._parts.built("scheduler")
        if scheduler is not None:
            cast("SyncScheduler", scheduler).reschedule()

    def dashboard(self) -> DashboardService:
        from backorder_desktop.services.dashboard import DashboardService

        return DashboardService(store=self.mirror, clock=self.clock, zone=local_zone())

    def stock_history(self) -> StockHistoryService:
        from backorder_desktop.services.stock_history import StockHistoryService

        return StockHistoryService(
            store=self.mirror, clock=self.clock, settings=self.mirror.load_settings, zone=local_zone()
        )

    def team(self) -> TeamSetup:
        from backorder_desktop.services.team_setup import TeamSetup

        return TeamSetup(
            records=self.desktop,
            secrets=lambda: self.secrets,
            teams=_team_databases,
            local_database=self.paths.database,
            os_user=getpass.getuser(),
            exclusive=lambda: _holding(self.sync_lock),
            on_secret=register_secret,
        )

    def team_sync(self) -> TeamSync | None:
        started = self._team_started()
        return started.team if started is not None else None

    def _check_lead(self) -> None:
        """In a team, ``AnotherDesktopSyncs`` unless this desktop leads (the team starts here)."""
        leadership = self._leadership()
        if leadership is not None:
            from backorder_desktop.services.team import require_lead

            require_lead(leadership)

    def _leadership(self) -> Leadership | None:
        started = self._team_started()
        return started.leadership if started is not None else None

    def _team_started(self) -> StartedTeam | None:
        """The team's election and listener, started when first needed (a team profile only)."""
        if self.team_url is None:
            return None
        if self.started is None:
            from backorder_desktop.team_start import start_team

            self.started = start_team(
                self.team_url,
                self._parts.events,
                display_name=self._display_name_now(),
                display_name_now=self._display_name_now,
            )
            # A command that syncs at once must not be refused before its own first round.
            self.started.leadership.wait_decided(FIRST_ROUND_S)
        return self.started

    def _display_name_now(self) -> str | None:
        """The person's display name as ``desktop.json`` holds it now, read again only when the file
        changed (the election asks every second). A change another process made (the command line
        while the window is open) becomes this profile's actor here too."""
        try:
            found = self._desktop_file.stat()
            seen: tuple[int, ...] = (found.st_ino, found.st_mtime_ns, found.st_size)
        except FileNotFoundError:
            seen = ()
        except OSError:
            return self._display_name  # the file cannot be looked at now: the name it had
        if seen != self._desktop_seen:
            self._desktop_seen = seen
            try:
                name = self.desktop.display_name()
            except BackorderError as exc:  # a damaged file: the name it had, until it is set again
                logger.info("the display name was not read again: %s", exc.message)
                return self._display_name
            self._display_name = name or None
            self._parts.actor = actor_label(name, getpass.getuser())
        return self._display_name

    def stop_team(self) -> None:
        if self.started is not None:
            self.started.stop()

    def stop_runner(self) -> None:
        if self.runner is not None:
            self.runner.stop()

    def shutdown_scheduler(self) -> None:
        scheduler = self._parts.built("scheduler")
        if scheduler is not None:
            cast("SyncScheduler", scheduler).shutdown()

    def close_connection(self) -> None:
        connection = self._parts.built("connection")
        if connection is not None:
            cast("StoreConnection", connection).close()


class _EngineOnFirstUse:
    """The profile's sync engine as the scheduler uses it, built when a job first runs (the engine
    brings the feed, the orders and the notifications it runs after each pull)."""

    def __init__(self, parts: ProfileParts) -> None:
        self._parts = parts

    def sync(self, *, kind: RunKind, trigger: RunTrigger, full: bool = False) -> SyncRun:
        return self._parts.engine.sync(kind=kind, trigger=trigger, full=full)

    def run_task(self, work: Callable[[RunState], None], *, kind: RunKind, trigger: RunTrigger) -> SyncRun:
        return self._parts.engine.run_task(work, kind=kind, trigger=trigger)


def _present(part: T | None) -> T:
    """A part this profile always builds (``ProfileParts`` types the optional ones with None)."""
    if part is None:
        raise BugError("a profile part built here was None")
    return part


def _disable_now(purchasing: PurchasingService, check_lead: Callable[[], None]) -> None:
    """An order a webhook counted may have reached a limit: disable at once, not at the next sync
    (in a team, on the leading desktop only; the switch queued here waits for the leader's push)."""
    try:
        purchasing.evaluate()
        check_lead()
        purchasing.push_disables()
    except BackorderError as exc:  # offline …: the write waits for the next push
        logger.info("purchasing not switched after an order: %s: %s", exc.title, exc.message)


def _read_quota(path: Path, store: str, options: Mapping[str, Any]) -> QuotaMeter | None:
    """The quota meter from the profile's quota file, with the clients' reserve for other apps."""
    from backorder_desktop.adapters.bigcommerce.shared_quota import DEFAULT_HEADROOM
    from backorder_desktop.adapters.bigcommerce.shared_quota import read_meter

    return read_meter(path, store, headroom=float(options.get("headroom", DEFAULT_HEADROOM)))


def _new_client(api_url: str, store_hash: str, token: str, options: Mapping[str, Any]) -> StoreApi:
    from backorder_desktop.adapters.bigcommerce.client import BigCommerceClient

    return BigCommerceClient(api_url, store_hash, token, **options)


class _LazyStockFeed:
    """The ERP feed client (``StockFeed``), imported at its first fetch."""

    def fetch(
        self, url: str, *, credential: str | None, format: str, sku_field: str, quantity_field: str
    ) -> FeedReport:
        from backorder_desktop.adapters.erp.feed_client import HttpStockFeed

        return HttpStockFeed().fetch(
            url, credential=credential, format=format, sku_field=sku_field, quantity_field=quantity_field
        )


class _LocalZoneOnFirstUse(tzinfo):
    """The computer's time zone, told when a time is first placed in it: the schedule needs it only
    for the ERP's daily run, so ``status`` of any other profile never imports tzlocal (~4 ms)."""

    def __init__(self) -> None:
        self._zone: tzinfo | None = None

    def _told(self) -> tzinfo:
        if self._zone is None:
            self._zone = local_zone()
        return self._zone

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return self._told().utcoffset(dt)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return self._told().dst(dt)

    def tzname(self, dt: datetime | None) -> str | None:
        return self._told().tzname(dt)

    def fromutc(self, dt: datetime) -> datetime:
        # The zone's own: the default one is wrong around a DST change.
        zone = self._told()
        return zone.fromutc(dt.replace(tzinfo=zone)).replace(tzinfo=self)


def local_zone() -> tzinfo:
    """The computer's time zone (IANA, DST-aware) for the daily time; UTC when it cannot be told."""
    from tzlocal import get_localzone

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return get_localzone()
    except Exception:
        logger.info("the time zone could not be told; the daily time is taken as UTC")
        return UTC
