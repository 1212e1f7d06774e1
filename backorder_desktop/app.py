"""Composition root: builds adapters and services for a profile, and starts the window.

Only this module (and ``cli.py``, through it) knows every layer. ``build_context`` is used by the
CLI, the window and the tests alike, so all of them drive exactly the same engine.
"""

from __future__ import annotations

import logging
import secrets
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from backorder_desktop.adapters.clock import SystemClock
from backorder_desktop.adapters.locks import FileProcessLock
from backorder_desktop.adapters.paths import ProfilePaths
from backorder_desktop.adapters.paths import profile_paths
from backorder_desktop.adapters.secrets import KeyringSecretStore
from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.adapters.secrets import detect_backend
from backorder_desktop.adapters.storage.mirror_store import SqliteMirrorStore
from backorder_desktop.adapters.storage.mirror_store import open_mirror
from backorder_desktop.adapters.sync_process import ChildProcessRunner
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.ports import CatalogSource
from backorder_desktop.domain.ports import Clock
from backorder_desktop.domain.ports import FeedReport
from backorder_desktop.domain.ports import SecretStore
from backorder_desktop.domain.settings import with_setting
from backorder_desktop.logging_setup import register_secret
from backorder_desktop.services.bundle import Services
from backorder_desktop.services.catalog import CatalogService
from backorder_desktop.services.credentials import CredentialsService
from backorder_desktop.services.credentials import token_key
from backorder_desktop.services.events import EventHub
from backorder_desktop.services.feed import FeedService
from backorder_desktop.services.feed import after_pull
from backorder_desktop.services.scheduler import SyncScheduler
from backorder_desktop.services.stock import StockService
from backorder_desktop.services.sync_engine import SyncEngine
from backorder_desktop.services.webhooks import SECRET_HEADER
from backorder_desktop.services.webhooks import WebhookFetcher
from backorder_desktop.services.webhooks import WebhookService

if TYPE_CHECKING:  # imported when first used: httpx alone costs ~0.1 s of the window's start-up
    from backorder_desktop.adapters.bigcommerce.client import BigCommerceClient
    from backorder_desktop.adapters.webhook_receiver import WebhookReceiver

logger = logging.getLogger(__name__)

DEMO_PRODUCTS = 2000
DEMO_SEED = 1
DEMO_STORE_HASH = "demo"


@dataclass
class AppContext:
    """Everything one profile needs, built once per process."""

    paths: ProfilePaths
    mirror: SqliteMirrorStore
    secrets: SecretStore
    events: EventHub
    engine: SyncEngine
    catalog: CatalogService
    credentials: CredentialsService
    stock: StockService
    feed: FeedService
    demo: object | None = None  # the in-process DemoStore with --demo
    scheduler: SyncScheduler | None = None  # automatic runs (issue 6); started by start_background
    webhooks: WebhookService | None = None
    receiver: tuple[WebhookReceiver, WebhookFetcher] | None = None  # when webhooks are set up
    runner: ChildProcessRunner | None = None  # the window's syncs run in a child process
    _clients: dict[tuple[str, str, str], BigCommerceClient] = field(default_factory=dict)
    _clients_lock: threading.Lock = field(default_factory=threading.Lock)

    def services(self) -> Services:
        """The bundle the window gets (``services/bundle.py``)."""
        return Services(
            catalog=self.catalog,
            engine=self.engine,
            credentials=self.credentials,
            events=self.events,
            profile_dir=str(self.paths.data_dir.parent),
            log_dir=str(self.paths.log_dir),
            database_path=str(self.paths.database),
            keyring_backend=self.catalog.status().keyring_backend,
            is_demo=self.demo is not None,
            close=self.close,
            stock=self.stock,
            scheduler=self.scheduler,
        )

    def close(self) -> None:
        if self.runner is not None:
            self.runner.stop()  # before the scheduler, which waits for its running job
        if self.receiver is not None:
            self.receiver[0].stop()
            self.receiver[1].stop()
        if self.scheduler is not None:
            self.scheduler.shutdown()  # waits for a running job
        with self._clients_lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
        self.mirror.close()
        if self.demo is not None:
            self.demo.stop()  # type: ignore[attr-defined]


def demo_home(home: str | Path | None) -> Path:
    """The demo store's own profile: never mixed with a real store's data."""
    base = Path(home) if home is not None else profile_paths(None).data_dir
    return base / "demo-profile"


def build_context(
    home: str | Path | None,
    *,
    demo: bool = False,
    env_token: str | None = None,
    secret_store: SecretStore | None = None,
    client_options: Mapping[str, Any] | None = None,
    clock: Clock | None = None,
    sync_process: bool = False,
) -> AppContext:
    """Open (or create) a profile and wire its services.

    ``env_token`` (from ``BACKORDER_DESKTOP_TOKEN``) is used for this process only and never stored.
    ``client_options`` go to every ``BigCommerceClient`` (timeouts, retry policy, request hook).
    ``clock`` replaces the system clock (tests: a clock that jumps, or a settle window passed).
    ``sync_process``: syncs run in a child process (the window: their CPU work would otherwise
    hold the interpreter lock the GUI thread needs); webhook fetches and feed pulls stay here.
    """
    options = dict(client_options or {})
    if env_token:
        register_secret(env_token)
    paths = profile_paths(demo_home(home) if demo else home)
    paths.ensure()
    mirror = open_mirror(paths.database)
    clock = clock if clock is not None else SystemClock()
    events = EventHub()
    demo_store = None
    if demo:
        secret_store = MemorySecretStore()
    secrets_ = secret_store if secret_store is not None else KeyringSecretStore()
    clients: dict[tuple[str, str, str], BigCommerceClient] = {}
    lock = threading.Lock()

    def client_factory(api_url: str, store_hash: str, token: str) -> CatalogSource:
        register_secret(token)
        return _new_client(api_url, store_hash, token, options)

    credentials = CredentialsService(secrets=secrets_, mirror=mirror, client_factory=client_factory)

    def connected_client() -> BigCommerceClient:
        store, api_url = credentials.connected_store()
        token = env_token or credentials.token(store.store_hash)
        register_secret(token)
        key = (api_url, store.store_hash, token)
        with lock:
            client = clients.get(key)
            if client is None:
                client = clients[key] = _new_client(api_url, store.store_hash, token, options)
            return client

    stock = StockService(store=mirror, clock=clock, target_factory=connected_client)
    feed = FeedService(
        store=mirror,
        stock=stock,
        feed=_LazyStockFeed(),
        secrets=secrets_,
        store_hash=lambda: credentials.connected_store()[0].store_hash,
        on_secret=register_secret,
    )
    runner = None
    if sync_process:

        def store_token() -> str:
            store, _ = credentials.connected_store()
            return env_token or credentials.token(store.store_hash)

        runner = ChildProcessRunner(
            home=paths.home,
            token=store_token,
            memory_secrets=isinstance(secrets_, MemorySecretStore),
            debug=logging.getLogger("backorder_desktop").isEnabledFor(logging.DEBUG),
        )
    sync_lock = FileProcessLock(paths.data_dir / "sync.lock")
    engine = SyncEngine(
        mirror=mirror,
        source_factory=connected_client,
        clock=clock,
        events=events,
        process_lock=sync_lock,
        after_pull=after_pull(stock, feed),
        pull_runner=runner,
    )
    if sync_lock.try_acquire():  # no other process is syncing: runs left "running" were killed
        try:
            mirror.abandon_running_runs(at=clock.now())
        finally:
            sync_lock.release()

    def keyring_backend() -> str | None:
        return "session only (demo)" if demo else detect_backend()

    webhooks = WebhookService(
        api_factory=connected_client,
        secrets=secrets_,
        settings=mirror.load_settings,
        store_hash=lambda: credentials.connected_store()[0].store_hash,
        on_secret=register_secret,
    )
    scheduler = SyncScheduler(
        engine=engine,
        mirror=mirror,
        clock=clock,
        events=events,
        zone=local_zone(),
        feed_pull=feed.pull,
        health_check=webhooks.health,
        connected=lambda: mirror.get_store() is not None,
    )

    def next_job() -> str | None:
        upcoming = scheduler.next_run()
        return upcoming.description if upcoming is not None else None

    catalog = CatalogService(
        mirror=mirror,
        clock=clock,
        keyring_backend=keyring_backend,
        outbox_size=stock.outbox_count,
        next_scheduled_run=lambda: upcoming.at if (upcoming := scheduler.next_run()) else None,
        next_scheduled_job=next_job,
        settings_saved=scheduler.reschedule,
    )
    context = AppContext(
        paths=paths,
        mirror=mirror,
        secrets=secrets_,
        events=events,
        engine=engine,
        catalog=catalog,
        credentials=credentials,
        stock=stock,
        feed=feed,
        scheduler=scheduler,
        webhooks=webhooks,
        runner=runner,
        _clients=clients,
        _clients_lock=lock,
    )
    if demo:
        context.demo = demo_store = _start_demo_store()
        token = demo_store.token  # type: ignore[attr-defined]
        secrets_.set(token_key(DEMO_STORE_HASH), token)
        api_url = demo_store.api_url  # type: ignore[attr-defined]
        mirror.set_store(StoreInfo(store_hash=DEMO_STORE_HASH, name="Demo store", plan_name="Demo"), api_url)
        # The demo store serves a sample ERP feed, so --demo shows the api mode too (its port
        # changes each run: keep the setting pointing at this run's store).
        settings = mirror.load_settings()
        if not settings.feed_url or settings.feed_url.startswith("http://127.0.0.1"):
            mirror.save_settings(with_setting(settings, "feed-url", f"{api_url}/feeds/stock.csv"))
    return context


def _new_client(api_url: str, store_hash: str, token: str, options: Mapping[str, Any]) -> BigCommerceClient:
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


def _start_demo_store() -> object:
    from backorder_desktop.demo.server import DemoConfig
    from backorder_desktop.demo.server import DemoStore

    token = secrets.token_urlsafe(24)
    register_secret(token)
    store = DemoStore(
        DemoConfig(products=DEMO_PRODUCTS, seed=DEMO_SEED, store_hash=DEMO_STORE_HASH, token=token, port=0)
    )
    store.start()
    return store


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


def start_background(context: AppContext) -> None:
    """Start the scheduler and, when webhooks are set up, their receiver (the window, ``service``).
    The receiver failing to start (port taken, no store) leaves polling on and says why."""
    context.feed.url_warning()  # logged: an older version's feed address holding a key
    if context.scheduler is not None:
        context.scheduler.start()
    settings = context.mirror.load_settings()
    if not settings.webhook_public_url or context.webhooks is None or context.receiver is not None:
        return
    from backorder_desktop.adapters.webhook_receiver import WebhookReceiver

    engine, scheduler = context.engine, context.scheduler
    fetcher = WebhookFetcher(
        fetch=lambda ids: engine.sync_products(ids, trigger="webhook"),
        paused=lambda: scheduler is not None and scheduler.paused,
    )
    try:
        receiver = WebhookReceiver(
            bind=settings.webhook_bind,
            port=settings.webhook_port,
            secret=context.webhooks.secret(),
            secret_header=SECRET_HEADER,
            on_products=fetcher.add,
        ).start()
    except BackorderError as exc:
        logger.warning("webhooks are off, polling keeps the catalog fresh: %s: %s", exc.title, exc.message)
        return
    context.receiver = (receiver, fetcher.start())


class AppLauncher:
    """Opens profiles for the window (the ``Launcher`` of ``services/bundle.py``)."""

    def __init__(self, home: str | Path | None, *, env_token: str | None = None) -> None:
        self._home = home
        self._env_token = env_token

    def open_profile(self) -> Services:
        context = build_context(self._home, env_token=self._env_token, sync_process=True)
        start_background(context)
        return context.services()

    def open_demo(self) -> Services:
        context = build_context(self._home, demo=True, sync_process=True)
        start_background(context)
        return context.services()


def run_window(
    *,
    home: str | Path | None,
    demo: bool = False,
    debug: bool = False,
    screenshot: str | None = None,
    page: str | None = None,
) -> int:
    """Start the window (``backorder-desktop`` with no command); returns the exit code."""
    import os

    from backorder_desktop.logging_setup import setup_logging
    from backorder_desktop.ui.application import run_window as run_qt_window

    paths = profile_paths(demo_home(home) if demo else home)
    paths.ensure()
    setup_logging(paths.log_dir, debug=debug)
    launcher = AppLauncher(home, env_token=os.environ.get("BACKORDER_DESKTOP_TOKEN") or None)
    # One window per profile (issue 8); a screenshot run is a one-off that must save its file.
    instance_key = None if screenshot else str(paths.data_dir.resolve())
    return run_qt_window(
        launcher, screenshot=screenshot, start_demo=demo, page=page, instance_key=instance_key
    )
