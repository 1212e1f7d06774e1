"""The profile facade: every thing a merchant can do with one profile, as one method.

The window and the command line are two faces of this one object (Maestral's ``Maestral`` class
is the model): each method returns plain data (domain values and reports) or raises a domain
error, and each front end only presents what it gets, in its own words. ``app.py`` builds it
from the services it wires (``ProfileParts``); nothing outside the entry points and the tests
reaches past it into ``parts``.

Every method may touch the database, the keyring or the network: the window calls them on a
worker, never on the GUI thread.
"""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass
from dataclasses import replace
from typing import TYPE_CHECKING

from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import NotConnected
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.product_writes import BACKORDER_METHOD
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.settings import DISPLAY_NAME
from backorder_desktop.domain.settings import INVENTORY_SOURCE
from backorder_desktop.domain.settings import secret_in_feed_url_message
from backorder_desktop.domain.settings import with_setting
from backorder_desktop.services.profile_parts import BackgroundState
from backorder_desktop.services.profile_parts import ProfileInfo
from backorder_desktop.services.profile_parts import ProfileParts
from backorder_desktop.services.profile_selling import SellingOnBackorder
from backorder_desktop.services.profile_team import TeamMode

if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Collection
    from collections.abc import Mapping
    from collections.abc import Sequence
    from typing import BinaryIO

    from backorder_desktop.domain.dashboard import Dashboard
    from backorder_desktop.domain.dashboard import QuotaMeter
    from backorder_desktop.domain.models import Product
    from backorder_desktop.domain.models import ProductQuery
    from backorder_desktop.domain.models import StoreInfo
    from backorder_desktop.domain.notifications import Notification
    from backorder_desktop.domain.runs import SyncRun
    from backorder_desktop.domain.settings import Settings
    from backorder_desktop.domain.stock import Adjustment
    from backorder_desktop.domain.stock import AdjustmentKind
    from backorder_desktop.domain.stock import OutboxChoice
    from backorder_desktop.domain.stock import OutboxEntry
    from backorder_desktop.domain.stock import StockKey
    from backorder_desktop.domain.stock_history import StockChart
    from backorder_desktop.domain.stock_history import SyncTimeline
    from backorder_desktop.services.backorder_rules import RulesReport
    from backorder_desktop.services.backorder_rules import RuleView
    from backorder_desktop.services.catalog import AssignReport
    from backorder_desktop.services.catalog import StatusReport
    from backorder_desktop.services.credentials import ConnectReport
    from backorder_desktop.services.credentials import TokenSource
    from backorder_desktop.services.events import Callback
    from backorder_desktop.services.events import EventHub
    from backorder_desktop.services.feed import ApplyReport
    from backorder_desktop.services.feed import FeedPreview
    from backorder_desktop.services.feed import PreviewRow
    from backorder_desktop.services.schedule_rules import Claim
    from backorder_desktop.services.scheduler import NextRun
    from backorder_desktop.services.stock import OutboxNotEmpty
    from backorder_desktop.services.stock import PushReport
    from backorder_desktop.services.stock_history import StockHistoryService
    from backorder_desktop.services.sync_engine import RunState
    from backorder_desktop.services.team import TeamLead
    from backorder_desktop.services.webhooks import WebhookReport

# The types the facade's methods return, re-exported for the front ends, each imported from its
# module on first use: a command that never sees a feed report never imports the feed service.
_REEXPORTED: dict[str, str] = {
    "ApplyReport": "backorder_desktop.services.feed",
    "AssignReport": "backorder_desktop.services.catalog",
    "Claim": "backorder_desktop.services.schedule_rules",
    "ConnectReport": "backorder_desktop.services.credentials",
    "EventHub": "backorder_desktop.services.events",
    "FeedPreview": "backorder_desktop.services.feed",
    "NextRun": "backorder_desktop.services.schedule_rules",
    "Notification": "backorder_desktop.domain.notifications",
    "OutboxNotEmpty": "backorder_desktop.services.stock",
    "PreviewRow": "backorder_desktop.services.feed",
    "PushReport": "backorder_desktop.services.stock",
    "RuleView": "backorder_desktop.services.backorder_rules",
    "RulesReport": "backorder_desktop.services.backorder_rules",
    "StatusReport": "backorder_desktop.services.catalog",
    "TeamLead": "backorder_desktop.services.team",
    "TokenSource": "backorder_desktop.services.credentials",
    "WebhookReport": "backorder_desktop.services.webhooks",
}


def __getattr__(name: str) -> object:
    module = _REEXPORTED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    __import__(module)  # not importlib.import_module: -X importtime logs only import statements
    value = getattr(sys.modules[module], name)
    globals()[name] = value
    return value


logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StockEdit:
    """What one stock edit did, and how many changes now wait to be written."""

    adjustment: Adjustment
    waiting: int


@dataclass(frozen=True, slots=True)
class RebuildReport:
    """What ``rebuild`` did to the database, and the full sync that refilled it."""

    note: str
    run: SyncRun


class Profile(SellingOnBackorder, TeamMode):
    """One open profile. Build it with ``app.open_profile``; ``close`` it when done."""

    def __init__(self, parts: ProfileParts) -> None:
        self.parts = parts
        self._receiver_url: str | None = None
        self._background = BackgroundState.STOPPED
        # The window starts the background on a worker after its first paint: a close meanwhile
        # (the window quit, another profile opened) must not be followed by a schedule on a closed file.
        self._background_lock = threading.Lock()

    @property
    def info(self) -> ProfileInfo:
        return self.parts.info

    # --- events -------------------------------------------------------------------------------

    def subscribe(self, event: str, callback: Callback) -> Callable[[], None]:
        """Follow the engine: "state_changed", "progress", "run_started", "run_finished"; returns the
        function that stops following. Callbacks run on the engine's threads."""
        return self.parts.events.subscribe(event, callback)

    @property
    def events(self) -> EventHub:
        """The event hub itself (the window's bridge re-emits it as Qt signals)."""
        return self.parts.events

    # --- the store ----------------------------------------------------------------------------

    def check_connection(self, store_hash: str, api_url: str, token: str) -> ConnectReport:
        """Ask the store who it is and what the token may do; keeps nothing."""
        return self.parts.credentials.check(store_hash, api_url, token)

    def connect(self, store_hash: str, api_url: str, token: str, *, remember: bool = True) -> ConnectReport:
        """Check the token, keep it and remember the store. The token goes to the keyring; with
        ``remember`` False (no keyring, or the merchant's choice) it is kept in memory for this
        session only, never written, and asked for again next time. A malformed address or store
        hash is a ``UserFacingError`` that says what a valid one looks like."""
        report = self.parts.credentials.connect(store_hash, api_url, token, remember=remember)
        self.parts.scheduler.reschedule()
        return report

    def connected_store(self) -> StoreInfo:
        """The store this profile works on (a store and token given for this run are connected for
        the run first); ``NotConnected`` with the way forward when there is none."""
        if self.parts.connection is None:
            return self.parts.credentials.connected_store()[0]
        return self.parts.connection.store()[0]

    # --- reading ------------------------------------------------------------------------------

    def start_warnings(self) -> list[UserFacingError]:
        """What the merchant should be told on opening the profile (logged once as well), with what
        to do about it: today, a feed address saved by an older version with a password or key in it."""
        # Read here first: the feed service (and its imports) only for an address that holds one.
        if secret_in_feed_url_message(self.parts.mirror.load_settings().feed_url) is None:
            return []
        warning = self.parts.feed.url_warning()
        if warning is None:
            return []
        return [
            UserFacingError(warning, title="Secret in the feed address", remedy=Remedy.SET_FEED_CREDENTIAL)
        ]

    def status(self) -> StatusReport:
        """Mode, counts, last syncs, the outbox, the keyring, and the next scheduled run."""
        upcoming = self.parts.scheduler.next_run()
        connection = self.parts.connection
        orders = self.parts.orders
        writes = self.parts.product_writes
        return replace(
            self.parts.catalog.status(),
            next_scheduled_run=upcoming.at if upcoming is not None else None,
            next_scheduled_job=upcoming.description if upcoming is not None else None,
            token_source=connection.token_source() if connection is not None else None,
            backordered_units=orders.backordered_units() if orders is not None else 0,
            orders_waiting=orders.orders_waiting() if orders is not None else 0,
            notifications=tuple(self.notifications(unread_only=True)),
            product_writes=writes.waiting() if writes is not None else 0,
            team=self.team_lead(),
        )

    def team_lead(self) -> TeamLead | None:
        """Who leads the team's syncs and whether it is this desktop (from memory: no query);
        None when this profile is not a team's."""
        team = self.parts.team_sync
        return team.lead() if team is not None else None

    def dashboard(self) -> Dashboard:
        """The dashboard: the tiles' counts, the units owed at the end of each of the last 90 days,
        and the next expected dates. One read of the local database."""
        if self.parts.dashboard is None:
            raise BugError("this profile was opened without its dashboard reads")
        return self.parts.dashboard.dashboard()

    def quota_meter(self) -> QuotaMeter | None:
        """The store's API quota as this profile's processes last saw it, with this app's requests
        in the last window; None with no store connected or before any reply."""
        try:
            store = self.connected_store()
        except NotConnected:
            return None
        return self.parts.read_quota(store.store_hash)

    def history(self, limit: int = 50) -> list[SyncRun]:
        """Recorded runs, newest first."""
        return self.parts.catalog.history(limit=limit)

    def products(
        self, query: str = "", *, backorder_only: bool = False, limit: int | None = None
    ) -> list[Product]:
        return self.parts.catalog.products(query, backorder_only=backorder_only, limit=limit)

    def query_products(self, query: ProductQuery, *, limit: int, offset: int = 0) -> list[Product]:
        """A window of products, sorted and filtered as ``query`` says (the window's table)."""
        return self.parts.catalog.query(query, limit=limit, offset=offset)

    def count_products(self, query: ProductQuery) -> int:
        return self.parts.catalog.count(query)

    def backorder_ids(self) -> set[int]:
        return self.parts.catalog.backorder_ids()

    def pending_product_ids(self) -> set[int]:
        """Products with a stock change waiting to be written."""
        return self.parts.stock.pending_product_ids()

    def is_syncing(self) -> bool:
        return self.parts.engine.is_running()

    # --- assigning ----------------------------------------------------------------------------

    def assign(self, refs: Sequence[str], *, search: str | None = None) -> AssignReport:
        """Assign products (ids, SKUs, and with ``search`` every match) to backorder."""
        return self.parts.catalog.assign(self._with_matches(refs, search), by=self.parts.actor)

    def unassign(
        self, refs: Sequence[str], *, search: str | None = None, outbox: OutboxChoice | None = None
    ) -> AssignReport:
        """Remove products from backorder. When some of them have stock changes waiting to be
        written, ``outbox`` says whether to write those first or discard them (each discard is
        recorded in the product's stock history); ``OutboxNotEmpty`` when it says neither, and
        nothing is removed."""
        wanted = self._with_matches(refs, search)
        self.parts.stock.settle_waiting(
            self.parts.catalog.product_ids(wanted),
            outbox,
            actor=self.parts.actor,
            reason="discarded: removed from BackOrder",
        )
        return self.parts.catalog.unassign(wanted)

    def _with_matches(self, refs: Sequence[str], search: str | None) -> list[str]:
        wanted = list(refs)
        if search is not None:
            wanted += [str(p.id) for p in self.parts.catalog.products(search)]
        return wanted

    # --- syncing ------------------------------------------------------------------------------

    def sync(self, *, trigger: RunTrigger, full: bool = False, kind: RunKind = RunKind.MANUAL) -> SyncRun:
        """A sync now (a second request while one runs in this process joins it)."""
        return self.parts.engine.sync(kind=kind, trigger=trigger, full=full)

    def rebuild(self, *, prepared: Callable[[str], object] = lambda _note: None) -> RebuildReport:
        """Empty the catalog copy (your own data stays) and fetch it again with a full sync. A
        damaged database was already set aside and salvaged when the profile was opened for it
        (``app.open_profile(salvage=True)``). ``prepared`` hears what was done before the sync."""
        note = self.parts.prepare_rebuild()
        prepared(note)
        run = self.parts.engine.sync(kind=RunKind.MANUAL, trigger=RunTrigger.REBUILD, full=True)
        return RebuildReport(note=note, run=run)

    # --- stock --------------------------------------------------------------------------------

    def edit_stock(
        self, ref: str | StockKey, kind: AdjustmentKind, quantity: int, *, reason: str = ""
    ) -> StockEdit:
        """Set, add to or remove from a BackOrder item's stock (works offline)."""
        stock = self.parts.stock
        adjustment = stock.edit(ref, kind, quantity, actor=self.parts.actor, reason=reason)
        return StockEdit(adjustment=adjustment, waiting=stock.outbox_count())

    def stock_history(self, ref: str | int, limit: int = 100) -> list[Adjustment]:
        """A product's stock history (by id or SKU), newest first."""
        if isinstance(ref, int):
            return self.parts.stock.history(ref, limit)
        found = self.parts.mirror.find_product_ids([ref])
        if ref not in found:
            raise UserFacingError(f"No product has the id or SKU '{ref}'.", title="Unknown product")
        return self.parts.stock.history(found[ref], limit)

    def stock_chart(self, ref: str | int, variant_id: int | None = None, *, days: int = 90) -> StockChart:
        """One stock item's level over the last ``days`` (a product by id or SKU; with stock per
        variant, ``variant_id``'s, the variant SKU's, or the first variant's): the step line from
        the ledger, its orders, restores, edits, feed and store updates and pushes as marks, the
        limit and the expected date."""
        if isinstance(ref, int):
            return self._history().chart(ref, variant_id, days=days)
        return self._history().chart(self._product_id(ref), variant_id, days=days, sku=ref)

    def sync_timeline(self, days: int = 14) -> SyncTimeline:
        """The runs of the last ``days`` on a time axis, with the daily sync's times (ERP mode) and
        the ones missed and caught up later."""
        return self._history().timeline(days=days)

    def _product_id(self, ref: str) -> int:
        found = self.parts.mirror.find_product_ids([ref])
        if ref not in found:
            raise UserFacingError(f"No product has the id or SKU '{ref}'.", title="Unknown product")
        return found[ref]

    def _history(self) -> StockHistoryService:
        if self.parts.stock_history is None:
            raise BugError("this profile was opened without its stock history reads")
        return self.parts.stock_history

    def outbox(self) -> list[OutboxEntry]:
        """Stock changes waiting to be written to BigCommerce."""
        return self.parts.stock.outbox()

    def push_now(self) -> PushReport:
        """Write the waiting stock changes to BigCommerce now."""
        return self.parts.stock.push()

    def discard_outbox(self, *, reason: str = "discarded waiting changes") -> int:
        return self.parts.stock.discard(actor=self.parts.actor, reason=reason)

    def discard_waiting(
        self, product_ids: Collection[int], *, reason: str = "discarded waiting changes"
    ) -> int:
        """Drop the stock changes waiting for these products only: each goes back to the store's
        last value, and its stock history records the discard. Returns how many were dropped."""
        wanted = set(product_ids)
        return self.parts.stock.discard(actor=self.parts.actor, reason=reason, product_ids=wanted)

    def switch_mode(self, source: str, *, outbox: OutboxChoice | None = None) -> Settings:
        """Change the inventory source; with changes waiting, ``outbox`` says whether to write
        them first or drop them (``OutboxNotEmpty`` when it says neither)."""
        settings = self.parts.stock.switch_mode(source, outbox=outbox, actor=self.parts.actor)
        self.parts.scheduler.reschedule()
        return settings

    # --- settings -----------------------------------------------------------------------------

    def settings(self) -> Settings:
        return self.parts.catalog.settings()

    def settings_text(self) -> dict[str, str]:
        """Every setting as its name and text (the language of ``save_settings``)."""
        text = self.parts.catalog.settings_text()
        if self.parts.team is not None:
            text[DISPLAY_NAME] = self.parts.team.display_name()
        return text

    def save_settings(
        self,
        changes: Mapping[str, str],
        *,
        outbox: OutboxChoice | None = None,
        feed_credential: str | None = None,
    ) -> Settings:
        """Validate and save settings by name; a new inventory source goes through
        ``switch_mode`` first (so nothing waiting is dropped silently). ``feed_credential`` goes
        to the keyring, after the feed address it is for."""
        rest = dict(changes)
        source = rest.pop(INVENTORY_SOURCE, None)
        if source is not None:
            self.switch_mode(source, outbox=outbox)
        method = rest.pop(BACKORDER_METHOD, None)
        if method is not None:  # never saved alone: the BackOrder products move with it
            self.switch_backorder_method(method, outbox=outbox)
        display_name = rest.pop(DISPLAY_NAME, None)
        if display_name is not None:  # this desktop's own, never the (maybe shared) database's
            self.set_display_name(display_name)
        for name, text in rest.items():
            self.parts.catalog.set_setting(name, text)
        if feed_credential:
            self.set_feed_credential(feed_credential)
        return self.parts.catalog.settings()

    # --- the ERP feed and files ---------------------------------------------------------------

    def pull_feed(self) -> ApplyReport:
        """Pull the ERP feed now, apply its stock and write it to BigCommerce; recorded in the history
        as a run, as the scheduled pulls are (a feed that could not be used, as a failed one)."""
        reports: list[ApplyReport] = []

        def work(state: RunState) -> None:
            from backorder_desktop.services.feed import count_pull

            reports.append(self.parts.feed.pull())
            count_pull(reports[0], state)

        self.parts.engine.run_task(work, kind=RunKind.MANUAL, trigger=RunTrigger.FEED)
        return reports[0]

    def test_feed(
        self, changes: Mapping[str, str] | None = None, *, credential: str | None = None
    ) -> FeedPreview:
        """Fetch the feed and show its first rows and what a pull would change; applies nothing.
        ``changes`` (setting name → text, as ``save_settings`` takes) test feed settings before
        they are saved; ``credential`` a password or key typed in but not kept yet."""
        settings = self.parts.catalog.settings()
        for name, text in (changes or {}).items():
            settings = with_setting(settings, name, text)
        return self.parts.feed.preview(settings, credential or None)

    def set_feed_credential(self, credential: str) -> None:
        """Keep the feed's credential in the keyring."""
        self.parts.feed.set_credential(credential)

    def export_stock(self) -> str:
        """BackOrder items' stock as the CSV text ``import_stock`` reads back."""
        return self.parts.feed.export_csv()

    def import_stock(self, source: bytes | BinaryIO, *, apply: bool) -> ApplyReport:
        """Read a stock CSV (its bytes or a binary file): the changes it would make, applied with
        ``apply``. A file over the size limit is refused before it is read."""
        return self.parts.feed.import_csv(source, apply=apply, actor=self.parts.actor)

    # --- webhooks -----------------------------------------------------------------------------

    def setup_webhooks(self) -> WebhookReport:
        return self.parts.webhooks.setup()

    def webhook_health(self) -> WebhookReport:
        """The hooks as the store has them; those it deactivated are turned back on."""
        return self.parts.webhooks.health()

    # --- keeping fresh in the background ------------------------------------------------------

    def start_background(self) -> str | None:
        """Start the schedule and, when webhooks are set up, their receiver (returns its URL)."""
        with self._background_lock:
            if self._background is BackgroundState.STOPPED:
                self._background = BackgroundState.RUNNING
                self.parts.scheduler.start()
                self._receiver_url = self.parts.start_receiver()
            return self._receiver_url

    def run_due(self) -> list[Claim]:
        """Run the scheduled jobs that are due now (a missed daily sync too)."""
        return self.parts.scheduler.run_due()

    def next_run(self) -> NextRun | None:
        return self.parts.scheduler.next_run()

    def set_paused(self, paused: bool) -> None:
        """Pause or resume automatic updates."""
        self.parts.scheduler.set_paused(paused)

    @property
    def paused(self) -> bool:
        return self.parts.scheduler.paused

    def close(self) -> None:
        """Stop what runs in the background (a running sync may finish) and close the database."""
        with self._background_lock:
            self._background = BackgroundState.CLOSED
        for closer in self.parts.closers:
            closer()
        self.parts.closers.clear()


__all__ = [
    "ApplyReport",
    "AssignReport",
    "BackgroundState",
    "Claim",
    "ConnectReport",
    "EventHub",
    "FeedPreview",
    "NextRun",
    "Notification",
    "OutboxNotEmpty",
    "PreviewRow",
    "Profile",
    "ProfileInfo",
    "ProfileParts",
    "PushReport",
    "RebuildReport",
    "RuleView",
    "RulesReport",
    "StatusReport",
    "StockEdit",
    "TeamLead",
    "TokenSource",
    "WebhookReport",
]
