"""Webhooks (optional): registering ``/v3/hooks`` with a secret header, checking them, and fetching
the products that deliveries name, a batch at a time.

``WebhookService`` keeps one long random secret per store in the keyring
(``webhook:{store_hash}:secret``), registers ``store/product/*`` and ``store/sku/*`` to the public
URL (the merchant's tunnel or relay) with that secret in a custom header (notes §8.5), and checks
the hooks: a hook BigCommerce deactivated after failed deliveries is turned back on, and then
``on_reactivated`` catches up (an incremental pull: every change since the last one seen), as the
deliveries of the days it was off are not sent again (notes §8.4).

``WebhookFetcher`` collects the product ids of deliveries for a short window and fetches them in
one engine run (``sync_products``: ``id:in`` batches, single-flight, recorded as automatic), so a
burst of deliveries costs a few requests, not one each. Deliveries can be lost; polling stays on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import SyncInProgress
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.keys import webhook_secret_key
from backorder_desktop.domain.ports import SecretStore
from backorder_desktop.domain.settings import Settings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Backorder-Webhook-Secret"  # noqa: S105 (a header name, not a secret)
# Orders: with the backorder method app BigCommerce does not track BackOrder stock, so an order
# is the only news of a sale; the hook names the order, which is fetched and counted.
SCOPES = ("store/product/*", "store/sku/*", "store/order/*")
FETCH_WINDOW_S = 0.25
MAX_PENDING = 100_000


class HookInfo(Protocol):
    """A subscription as the store reports it (``adapters/bigcommerce/hooks.py`` ``Webhook``)."""

    @property
    def id(self) -> int: ...
    @property
    def scope(self) -> str: ...
    @property
    def destination(self) -> str: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def headers(self) -> Mapping[str, str]: ...


class HookApi(Protocol):
    """``/v3/hooks`` of the connected store (the BigCommerce client)."""

    def list_hooks(self) -> Sequence[HookInfo]: ...

    def create_hook(
        self, *, scope: str, destination: str, headers: Mapping[str, str], is_active: bool = True
    ) -> HookInfo: ...

    def update_hook(
        self,
        hook_id: int,
        *,
        is_active: bool | None = None,
        destination: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HookInfo: ...

    def delete_hook(self, hook_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class HookState:
    scope: str
    destination: str
    active: bool
    current: bool  # ours and pointing at the public URL set now


@dataclass(frozen=True, slots=True)
class WebhookReport:
    """What ``setup`` or ``health`` found and did."""

    public_url: str
    hooks: tuple[HookState, ...]
    created: int = 0
    updated: int = 0
    removed: int = 0
    reactivated: int = 0
    missing: tuple[str, ...] = ()  # scopes without an active hook to the public URL

    @property
    def healthy(self) -> bool:
        return not self.missing


class WebhookService:
    """Registration and health of this app's hooks on the connected store."""

    def __init__(
        self,
        *,
        api_factory: Callable[[], HookApi],
        secrets: SecretStore,
        settings: Callable[[], Settings],
        store_hash: Callable[[], str],
        on_secret: Callable[[str], object] = lambda _secret: None,
        on_reactivated: Callable[[], object] = lambda: None,
    ) -> None:
        self._api_factory = api_factory
        self._on_reactivated = on_reactivated
        self._secrets = secrets
        self._settings = settings
        self._store_hash = store_hash
        self._on_secret = on_secret  # the log filter learns it, so it is masked if it ever shows

    def secret(self) -> str:
        """This store's secret, made (long, random) and kept in the keyring on first use."""
        key = webhook_secret_key(self._store_hash())
        value = self._secrets.get(key)
        if not value:
            import secrets  # here: with its hashing modules, ~3 ms of every command's start

            value = secrets.token_urlsafe(32)
            self._secrets.set(key, value)
            logger.info("a new webhook secret was made and kept in the keyring")
        self._on_secret(value)
        return value

    def public_url(self) -> str:
        url = self._settings().webhook_public_url
        if not url:
            raise UserFacingError(
                "Webhooks need the public https address of your tunnel or relay first.",
                title="Webhooks not set up",
                remedy=Remedy.SET_WEBHOOK_URL,
            )
        return url

    def setup(self) -> WebhookReport:
        """Make the store post product and SKU events to the public URL with our secret header;
        our hooks to an older URL are removed. Running it again changes nothing."""
        url, headers = self.public_url(), {SECRET_HEADER: self.secret()}
        api = self._api_factory()
        hooks = list(api.list_hooks())
        created = updated = removed = reactivated = 0
        for scope in SCOPES:
            same = [h for h in hooks if h.scope == scope and h.destination == url]
            if not same:
                api.create_hook(scope=scope, destination=url, headers=headers)
                created += 1
            elif not same[0].is_active or dict(same[0].headers) != headers:
                api.update_hook(same[0].id, is_active=True, headers=headers)
                updated += 1
                reactivated += not same[0].is_active
            for old in hooks:
                if old.scope == scope and old.destination != url and SECRET_HEADER in old.headers:
                    api.delete_hook(old.id)
                    removed += 1
        logger.info("webhooks set up: %d created, %d updated, %d old removed", created, updated, removed)
        report = self._report(api, url)
        if reactivated:
            self._catch_up()
        return WebhookReport(
            report.public_url,
            report.hooks,
            created,
            updated,
            removed,
            reactivated=reactivated,
            missing=report.missing,
        )

    def health(self) -> WebhookReport:
        """List the hooks and turn ours back on where BigCommerce deactivated them."""
        url = self.public_url()
        api = self._api_factory()
        reactivated = 0
        for hook in api.list_hooks():
            if self._ours(hook, url) and not hook.is_active:
                api.update_hook(hook.id, is_active=True)
                reactivated += 1
                logger.info("webhook for %s was deactivated by the store; turned back on", hook.scope)
        report = self._report(api, url)
        if report.missing:
            logger.info("webhooks missing for %s: set them up again", report.missing)
        if reactivated:
            self._catch_up()
        return WebhookReport(report.public_url, report.hooks, reactivated=reactivated, missing=report.missing)

    def _catch_up(self) -> None:
        """Pull what changed while a hook was off: its missed deliveries are never sent again."""
        try:
            self._on_reactivated()
        except SyncInProgress:
            logger.info("a hook was turned back on while a sync runs; the next update catches up")
        except BackorderError as exc:
            logger.info("catching up after a hook was turned back on failed (%s); polling will", exc.title)

    def _report(self, api: HookApi, url: str) -> WebhookReport:
        hooks = api.list_hooks()
        states = tuple(HookState(h.scope, h.destination, h.is_active, self._ours(h, url)) for h in hooks)
        missing = tuple(
            scope for scope in SCOPES if not any(s.current and s.active and s.scope == scope for s in states)
        )
        return WebhookReport(url, states, missing=missing)

    @staticmethod
    def _ours(hook: HookInfo, url: str) -> bool:
        return hook.scope in SCOPES and hook.destination == url and SECRET_HEADER in hook.headers


class WebhookFetcher:
    """Collects product ids for ``window_s`` after the first one arrives, then fetches them all
    in one run on its own thread. ``add`` never blocks (the receiver calls it)."""

    def __init__(
        self,
        *,
        fetch: Callable[[list[int]], object],
        window_s: float = FETCH_WINDOW_S,
        paused: Callable[[], bool] = lambda: False,
        retry_s: float = 5.0,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self._fetch = fetch
        self._window_s = window_s
        self._paused = paused
        self._retry_s = retry_s
        self._max_pending = max_pending
        self._cond = threading.Condition()
        self._pending: set[int] = set()
        self._since = 0.0
        self._not_before = 0.0  # after a refused fetch: not again before this (monotonic)
        self._busy = False
        self._begun = 0  # batches taken for a fetch so far
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.fetches = 0  # runs made (for tests and the log)

    def start(self) -> WebhookFetcher:
        self._thread = threading.Thread(target=self._run, name="webhook-fetcher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def add(self, ids: Iterable[int]) -> None:
        with self._cond:
            if not self._pending:
                self._since = time.monotonic()
            before = len(self._pending)
            self._pending.update(ids)
            if len(self._pending) > self._max_pending:  # polling picks up what is dropped here
                self._pending = set(sorted(self._pending)[: self._max_pending])
            if len(self._pending) != before:
                self._cond.notify_all()

    def batches_begun(self) -> int:
        """How many batches have been taken for a fetch: ids added since are not fetched yet, so a
        redelivery of theirs can be dropped (the receiver's proof that it is a harmless copy)."""
        with self._cond:
            return self._begun

    def wait_idle(self, timeout: float) -> bool:
        """Until nothing is waiting or being fetched (tests, shutdown)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (not self._pending or self._paused()):
                    self._cond.wait(1.0 if self._pending else None)  # paused: look again each second
                while not self._stopping and (left := self._start_at() - time.monotonic()) > 0:
                    self._cond.wait(left)
                if self._stopping:
                    return
                batch, self._pending, self._busy = sorted(self._pending), set(), True
                self._begun += 1
            delay = self._fetch_batch(batch)
            with self._cond:
                self._busy = False
                self.fetches += 1
                self._not_before = time.monotonic() + delay
                self._cond.notify_all()

    def _start_at(self) -> float:
        return max(self._since + self._window_s, self._not_before)

    def _fetch_batch(self, batch: list[int]) -> float:
        """Fetch; returns how long to wait before the next try (0: go on)."""
        try:
            self._fetch(batch)
        except SyncInProgress:  # another process is syncing: try these again shortly
            self.add(batch)
            return self._retry_s
        except BackorderError as exc:
            logger.info(
                "%d products named by webhooks not fetched (%s); the next update picks them up",
                len(batch),
                exc.title,
            )
        except Exception:
            logger.exception("fetching %d products named by webhooks failed with a bug", len(batch))
        return 0.0
