"""Composition root: builds the adapters and services of a profile into its ``Profile`` facade,
and starts the window.

Only this module knows every layer. ``open_profile`` is used by the command line, the window, the
window's sync child and the tests alike, so all of them drive exactly the same engine.
"""

from __future__ import annotations

import getpass
import logging
import shutil
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

from backorder_desktop.adapters.clock import SystemClock
from backorder_desktop.adapters.locks import FileProcessLock
from backorder_desktop.adapters.paths import ProfilePaths
from backorder_desktop.adapters.paths import profile_paths
from backorder_desktop.adapters.secrets import BackendRecord
from backorder_desktop.adapters.secrets import KeyringSecretStore
from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.adapters.secrets import describe_backend
from backorder_desktop.adapters.storage.db import check_integrity
from backorder_desktop.adapters.storage.mirror_store import SqliteMirrorStore
from backorder_desktop.adapters.storage.mirror_store import open_mirror
from backorder_desktop.adapters.team_config import DesktopFiles
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import DatabaseCorrupt
from backorder_desktop.domain.errors import KeyringUnavailable
from backorder_desktop.domain.errors import SyncInProgress
from backorder_desktop.domain.keys import token_key
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.settings import actor_label
from backorder_desktop.domain.settings import with_setting
from backorder_desktop.logging_setup import register_secret
from backorder_desktop.services.profile import Profile
from backorder_desktop.services.profile import ProfileInfo
from backorder_desktop.services.profile import ProfileParts

if TYPE_CHECKING:  # imported when first used: httpx alone costs ~0.1 s of the window's start-up
    from backorder_desktop.adapters.sync_process import ChildProcessRunner
    from backorder_desktop.demo.server import DemoStore
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
    from backorder_desktop.services.team_setup import TeamDatabase
    from backorder_desktop.services.team_setup import TeamLeft
    from backorder_desktop.services.team_setup import TeamSetup
    from backorder_desktop.services.webhooks import WebhookService
    from backorder_desktop.team_start import StartedTeam

T = TypeVar("T")

logger = logging.getLogger(__name__)

DEMO_PRODUCTS = 2000
DEMO_SEED = 1
DEMO_STORE_HASH = "demo"
KEYRING_RECORD = "keyring-backend.json"
FIRST_ROUND_S = 5.0  # the longest a team desktop waits for its first campaign round's answer
SOUND_REBUILD_NOTE = "The database was sound; its catalog copy was emptied. Your own data was kept."


def demo_home(home: str | Path | None) -> Path:
    """The demo store's own profile: never mixed with a real store's data."""
    base = Path(home) if home is not None else profile_paths(None).data_dir
    return base / "demo-profile"


def profile_paths_for(home: str | Path | None, *, demo: bool = False) -> ProfilePaths:
    """The folders of the profile at ``home`` (its demo profile with ``demo``), created."""
    paths = profile_paths(demo_home(home) if demo else home)
    paths.ensure()
    return paths


def open_profile(
    home: str | Path | None,
    *,
    demo: bool = False,
    env_token: str | None = None,
    env_store: tuple[str, str] | None = None,
    secret_store: SecretStore | None = None,
    client_options: Mapping[str, Any] | None = None,
    clock: Clock | None = None,
    sync_process: bool = False,
    salvage: bool = False,
    store_api: StoreApiFactory | None = None,
    check_later: bool = False,
    campaign: bool = True,
    ready_paths: ProfilePaths | None = None,
) -> Profile:
    """Open (or create) a profile and wire its services into its facade.

    ``env_token`` (from ``BACKORDER_DESKTOP_TOKEN``) is used for this process only and never stored;
    with ``env_store`` (store hash, API address) it works on a profile never connected: the store is
    checked and remembered at first use, the token never.
    ``client_options`` go to every ``BigCommerceClient`` (timeouts, retry policy, request hook).
    ``clock`` replaces the system clock (tests: a clock that jumps, or a settle window passed).
    ``ready_paths``: the folders of this ``home`` as ``profile_paths_for`` made them.
    ``sync_process``: syncs run in a child process (the window: their CPU work would otherwise
    hold the interpreter lock the GUI thread needs); webhook fetches and feed pulls stay here.
    ``salvage`` (``rebuild``): a damaged database is set aside and its user data salvaged into a
    fresh one, instead of refusing to open. ``store_api`` replaces the BigCommerce client (the
    window's widget tests give a store in memory).
    ``campaign`` (a team's profile): this process may lead the team's syncs (``start_team``, when
    first asked who leads or to sync); the window's sync child runs what its parent asked for and
    does not campaign.
    ``check_later`` (the window): no integrity check at open, not even of a file changed since its
    last clean one; the window runs ``check_database`` after its first paint.
    """
    options = dict(client_options or {})
    if env_token:
        register_secret(env_token)
    # A command made its folders already, to log there: checking them again costs ~3 ms.
    paths = ready_paths if ready_paths is not None else profile_paths_for(home, demo=demo)
    sync_lock = FileProcessLock(paths.sync_lock)
    desktop = DesktopFiles(paths.config_dir)
    team = None if demo else desktop.team()
    if team is not None:
        mirror, salvage_note = _open_team_database(team.url, paths, secret_store), None
    else:
        # The window pays the full integrity check at every start (on its worker thread); a command
        # pays it only when the file changed since the last clean check.
        mirror, salvage_note = _open_database(
            paths, sync_lock, salvage=salvage, full_check=sync_process, check_later=check_later
        )
    actor = actor_label(desktop.display_name(), getpass.getuser())
    clock = clock if clock is not None else SystemClock()
    if demo:
        secret_store = MemorySecretStore()
    seen = BackendRecord(paths.data_dir / KEYRING_RECORD)
    secrets_ = secret_store if secret_store is not None else KeyringSecretStore(record=seen)

    def client_factory(api_url: str, store_hash: str, token: str) -> StoreApi:
        register_secret(token)
        if store_api is not None:
            return store_api(api_url, store_hash, token)
        # One quota file per profile: the window's pacer and its sync child's see each other.
        return _new_client(api_url, store_hash, token, {"shared_quota": paths.quota_file, **options})

    # The lock only when a run is marked running (nearly never): a command that only reads does not
    # take it, nor import its library. With the lock, no other process syncs: such runs were killed.
    # A team's leader ends them instead (the engine): the lock file is this desktop's, and the
    # leader may be syncing on another desktop.
    if team is None and mirror.has_running_runs() and sync_lock.try_acquire():
        try:
            mirror.abandon_running_runs(at=clock.now())
        finally:
            sync_lock.release()
    wiring = _Wiring(
        paths=paths,
        mirror=mirror,
        clock=clock,
        secrets=secrets_,
        client_factory=client_factory,
        env_token=env_token,
        env_store=env_store,
        sync_lock=sync_lock,
        sync_process=sync_process,
        keyring_backend=_keyring_backend(secret_store, seen, demo=demo),
        desktop=desktop,
        team_url=_team_url(team.url, secrets_) if team is not None and campaign else None,
    )
    parts = ProfileParts(
        info=ProfileInfo(
            profile_dir=str(paths.data_dir.parent),
            log_dir=str(paths.log_dir),
            database_path=str(paths.database) if team is None else _describe_team(team.url),
            is_demo=demo,
        ),
        actor=actor,
        build=wiring.builders(),
        prepare_rebuild=lambda: salvage_note or _empty_mirror(mirror, sync_lock),
        read_quota=lambda store: _read_quota(paths.quota_file, store, options),
    )
    wiring.parts = parts
    profile = Profile(parts)
    parts.start_receiver = lambda: _start_receiver(profile)
    # Closed in this order: the sync child before the scheduler (which waits for its running job);
    # what was never built is not closed.
    parts.closers += [
        wiring.stop_runner,
        wiring.shutdown_scheduler,
        wiring.close_connection,
        wiring.stop_team,
        mirror.close,
    ]
    if demo:
        _attach_demo_store(profile, mirror, secrets_)
    return profile


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
            actor=self._parts.actor,
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
            actor=self._parts.actor,
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

            name = self.desktop.display_name() or None
            self.started = start_team(self.team_url, self._parts.events, display_name=name)
            # A command that syncs at once must not be refused before its own first round.
            self.started.leadership.wait_decided(FIRST_ROUND_S)
        return self.started

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


def _keyring_backend(
    given: SecretStore | None, seen: BackendRecord, *, demo: bool
) -> Callable[[], str | None]:
    """What ``status`` names as the keyring: the demo's session store, a store given by the caller,
    or the system keyring's backend: the one last seen working here when that is recent, labelled
    so (looking it up imports keyring: ~90 ms of a status), else looked up when asked."""
    if demo:
        return lambda: "session only (demo)"
    if given is not None:
        return lambda: _backend_name(given)
    return lambda: describe_backend(seen)


def _backend_name(store: SecretStore) -> str | None:
    """The store's backend, or None without one: a keyring store given explicitly raises then,
    and a status that cannot name its keyring must still be shown."""
    try:
        return store.backend_name()
    except KeyringUnavailable:
        return None


def _open_database(
    paths: ProfilePaths,
    sync_lock: FileProcessLock,
    *,
    salvage: bool,
    full_check: bool,
    check_later: bool = False,
) -> tuple[SqliteMirrorStore, str | None]:
    """The profile's database; with ``salvage``, a damaged one is set aside and its user data
    salvaged into a fresh one first (under the sync lock: nothing else writes meanwhile).
    ``full_check`` (and ``salvage``): the integrity check even when the file looks unchanged;
    ``check_later``: none at all (the caller checks it later, ``check_database``)."""
    if not salvage:
        if check_later:
            return SqliteMirrorStore(paths.database, check=False), None
        if full_check:
            check_integrity(paths.database)
        return open_mirror(paths.database), None
    with _holding(sync_lock):
        try:
            check_integrity(paths.database)
            return open_mirror(paths.database), None
        except DatabaseCorrupt:
            from backorder_desktop.adapters.storage.salvage import salvage as salvage_into
            from backorder_desktop.adapters.storage.salvage import side_path

            damaged = _set_aside(paths.database, paths.backups_dir)
            report = salvage_into(damaged, paths.database, copy=side_path(paths.database))
            note = f"The damaged database was moved to {damaged}. {report.summary()}"
    return open_mirror(paths.database), note


def _open_team_database(url: str, paths: ProfilePaths, given: SecretStore | None) -> SqliteMirrorStore:
    """The team's PostgreSQL database (``team.json``), with its password from the keyring."""
    from backorder_desktop.adapters.storage.pg_store import open_team_mirror
    from backorder_desktop.domain.team_url import team_password_key
    from backorder_desktop.domain.team_url import with_password

    secrets_ = given or KeyringSecretStore(record=BackendRecord(paths.data_dir / KEYRING_RECORD))
    password = secrets_.get(team_password_key(url))
    if password:
        register_secret(password)
    return open_team_mirror(with_password(url, password))


def _team_url(url: str, secrets_: SecretStore) -> str:
    """The team database's address with the keyring's password (for the election and the listener)."""
    from backorder_desktop.domain.team_url import team_password_key
    from backorder_desktop.domain.team_url import with_password

    return with_password(url, secrets_.get(team_password_key(url)))


def _describe_team(url: str) -> str:
    # Team mode's modules only for a team's profile: a command on a desktop's own file never loads them.
    from backorder_desktop.domain.team_url import describe_team

    return describe_team(url)


def _team_databases() -> TeamDatabase:
    from backorder_desktop.adapters.storage.team_copy import TeamDatabases

    return TeamDatabases()


def _empty_mirror(mirror: SqliteMirrorStore, sync_lock: FileProcessLock) -> str:
    with _holding(sync_lock):
        mirror.rebuild_mirror()
    return SOUND_REBUILD_NOTE


class _holding:
    """The profile's sync lock, or ``SyncInProgress`` when another process holds it."""

    def __init__(self, lock: FileProcessLock) -> None:
        self._lock = lock

    def __enter__(self) -> None:
        if not self._lock.try_acquire():
            raise SyncInProgress(
                "A window or command is syncing this profile. Quit the window (or wait for the "
                "command), then try again."
            )

    def __exit__(self, *_exc: object) -> None:
        self._lock.release()


def _set_aside(database: Path, folder: Path) -> Path:
    """Move the damaged file (with its WAL and shared-memory files) into ``folder``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = folder / f"damaged-{stamp}-{database.name}"
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{database}{suffix}")
        if part.exists():
            shutil.move(str(part), f"{target}{suffix}")
    return target


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


def _attach_demo_store(profile: Profile, mirror: SqliteMirrorStore, secrets_: SecretStore) -> None:
    """Start a demo store in this process and connect the profile to it (closed with it)."""
    store = _start_demo_store()
    profile.parts.closers.append(store.stop)
    secrets_.set(token_key(DEMO_STORE_HASH), store.token)
    info = StoreInfo(store_hash=DEMO_STORE_HASH, name="Demo store", plan_name="Demo")
    mirror.set_store(info, store.api_url)
    # The demo store serves a sample ERP feed, so --demo shows the api mode too (its port changes
    # each run: keep the setting pointing at this run's store).
    settings = mirror.load_settings()
    if not settings.feed_url or settings.feed_url.startswith("http://127.0.0.1"):
        mirror.save_settings(with_setting(settings, "feed-url", f"{store.api_url}/feeds/stock.csv"))


def _start_demo_store() -> DemoStore:
    import secrets  # hashlib and hmac: no part of a command's start

    from backorder_desktop.demo.server import DemoConfig
    from backorder_desktop.demo.server import DemoStore

    token = secrets.token_urlsafe(24)
    register_secret(token)
    store = DemoStore(
        DemoConfig(products=DEMO_PRODUCTS, seed=DEMO_SEED, store_hash=DEMO_STORE_HASH, token=token, port=0)
    )
    store.start()
    return store


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


def _start_receiver(profile: Profile) -> str | None:
    """The webhook receiver, when webhooks are set up; returns its address. It failing to start
    (port taken, no store) leaves polling on and says why."""
    parts = profile.parts
    settings = parts.mirror.load_settings()
    if not settings.webhook_public_url:
        return None
    from backorder_desktop.adapters.webhook_receiver import WebhookReceiver
    from backorder_desktop.services.webhooks import SECRET_HEADER
    from backorder_desktop.services.webhooks import WebhookFetcher

    engine, scheduler = parts.engine, parts.scheduler
    fetcher = WebhookFetcher(
        fetch=lambda ids: engine.sync_products(ids),
        paused=lambda: scheduler.paused,
    )
    orders = parts.orders
    order_fetcher = WebhookFetcher(
        fetch=lambda ids: [orders.ingest_order(i) for i in ids] if orders is not None else None,
        paused=lambda: scheduler.paused,
    )
    try:
        receiver = WebhookReceiver(
            bind=settings.webhook_bind,
            port=settings.webhook_port,
            secret=parts.webhooks.secret(),
            secret_header=SECRET_HEADER,
            on_products=fetcher.add,
            batches_begun=fetcher.batches_begun,
            on_orders=order_fetcher.add,
        ).start()
    except BackorderError as exc:
        logger.warning("webhooks are off, polling keeps the catalog fresh: %s: %s", exc.title, exc.message)
        return None
    fetcher.start()
    order_fetcher.start()
    # Stopped before the scheduler: first the receiver (no new deliveries), then the fetchers.
    parts.receiver = (receiver, fetcher)
    parts.closers[0:0] = [receiver.stop, fetcher.stop, order_fetcher.stop]
    return receiver.url


class AppLauncher:
    """Opens profiles for the window (``ui.connect_flow.Launcher``). The window's first paint
    reads the database alone: the integrity check, the schedule and the webhook receiver follow
    it (``start_background``)."""

    def __init__(
        self,
        home: str | Path | None,
        *,
        env_token: str | None = None,
        secret_store: SecretStore | None = None,
    ) -> None:
        self._home = home
        self._env_token = env_token
        self._secret_store = secret_store

    def open_profile(self) -> Profile:
        return open_profile(
            self._home,
            env_token=self._env_token,
            secret_store=self._secret_store,
            sync_process=True,
            check_later=True,
        )

    def open_demo(self) -> Profile:
        return open_profile(self._home, demo=True, sync_process=True, check_later=True)

    def start_background(self, profile: Profile) -> None:
        """After the first paint, on a worker: the integrity check the open skipped (a damaged
        file raises ``DatabaseCorrupt`` and nothing starts), then the schedule and webhooks."""
        check_database(profile)
        profile.start_background()


def check_database(profile: Profile) -> None:
    """``PRAGMA quick_check`` of the profile's SQLite file (a team database has none here)."""
    path = Path(profile.info.database_path)
    if path.is_file():
        check_integrity(path)


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
    from backorder_desktop.ui.application import settle_profile_folder

    def prepare(folder: str | None) -> ProfilePaths:
        paths = profile_paths_for(folder, demo=demo)
        setup_logging(paths.log_dir, debug=debug)
        return paths

    # A folder that cannot be used is told in a dialog (try again, another folder, quit).
    settled = settle_profile_folder(str(home) if home is not None else None, prepare, screenshot=screenshot)
    if settled is None:
        return 1
    home, paths = settled
    launcher = AppLauncher(home, env_token=os.environ.get("BACKORDER_DESKTOP_TOKEN") or None)
    # One window per profile; a screenshot run is a one-off that must save its file.
    instance_key = None if screenshot else str(paths.data_dir.resolve())
    return run_qt_window(
        launcher, screenshot=screenshot, start_demo=demo, page=page, instance_key=instance_key
    )


def leave_team(home: str | Path | None, *, secret_store: SecretStore | None = None) -> TeamLeft:
    """``team leave``: without opening the profile's database, so that a desktop can leave a team
    whose server is gone."""
    from backorder_desktop.services.team_setup import TeamSetup

    paths = profile_paths_for(home)
    secrets_ = secret_store or KeyringSecretStore(record=BackendRecord(paths.data_dir / KEYRING_RECORD))
    return TeamSetup(
        records=DesktopFiles(paths.config_dir),
        secrets=lambda: secrets_,
        teams=_team_databases,
        local_database=paths.database,
        os_user=getpass.getuser(),
        exclusive=lambda: _holding(FileProcessLock(paths.sync_lock)),
        on_secret=register_secret,
    ).leave()
