"""Composition root: builds the adapters and services of a profile into its ``Profile`` facade,
and starts the window.

Only this module knows every layer. ``open_profile`` is used by the command line, the window, the
window's sync child and the tests alike, so all of them drive exactly the same engine.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

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
from backorder_desktop.adapters.team_config import DesktopFiles
from backorder_desktop.app_database import KEYRING_RECORD
from backorder_desktop.app_database import _describe_team
from backorder_desktop.app_database import _empty_mirror
from backorder_desktop.app_database import _holding
from backorder_desktop.app_database import _open_database
from backorder_desktop.app_database import _open_team_database
from backorder_desktop.app_database import _team_databases
from backorder_desktop.app_database import _team_url
from backorder_desktop.app_wiring import _new_client
from backorder_desktop.app_wiring import _read_quota
from backorder_desktop.app_wiring import _Wiring
from backorder_desktop.app_wiring import local_zone as local_zone
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import KeyringUnavailable
from backorder_desktop.domain.keys import token_key
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.settings import actor_label
from backorder_desktop.domain.settings import with_setting
from backorder_desktop.logging_setup import register_secret
from backorder_desktop.services.profile import Profile
from backorder_desktop.services.profile import ProfileInfo
from backorder_desktop.services.profile import ProfileParts

if TYPE_CHECKING:  # imported when first used: httpx alone costs ~0.1 s of the window's start-up
    from backorder_desktop.demo.server import DemoStore
    from backorder_desktop.domain.ports import Clock
    from backorder_desktop.domain.ports import SecretStore
    from backorder_desktop.services.connection import StoreApi
    from backorder_desktop.services.connection import StoreApiFactory
    from backorder_desktop.services.team_setup import TeamLeft

logger = logging.getLogger(__name__)

DEMO_PRODUCTS = 2000
DEMO_SEED = 1
DEMO_STORE_HASH = "demo"


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
