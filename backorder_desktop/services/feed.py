"""The ERP feed (``api`` mode) and CSV import: rows of SKU and quantity become ledger adjustments.

A feed or file is applied only when it looks sound: a feed with far fewer rows than last time is
refused (never zero stock because a feed came back short), unknown SKUs are listed and skipped,
and rows with problems are reported one by one while the rest apply.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import BinaryIO

from backorder_desktop.domain.backorder_rules import RULE_COLUMNS
from backorder_desktop.domain.csv_cells import csv_text
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import FeedError
from backorder_desktop.domain.errors import KeyringUnavailable
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.feed_parsing import EmptyFeed
from backorder_desktop.domain.feed_parsing import csv_columns
from backorder_desktop.domain.feed_parsing import parse_feed
from backorder_desktop.domain.keys import feed_credential_key
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.ports import FeedReport
from backorder_desktop.domain.ports import SecretStore
from backorder_desktop.domain.ports import StockFeed
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.settings import is_plain_http_to_another_computer
from backorder_desktop.domain.settings import secret_in_feed_url_message
from backorder_desktop.domain.settings import url_secret_values
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockItem
from backorder_desktop.services.backorder_rules import BackorderRuleService
from backorder_desktop.services.backorder_rules import RuleChange
from backorder_desktop.services.stock import PushReport
from backorder_desktop.services.stock import StockService
from backorder_desktop.services.stock import Store
from backorder_desktop.services.stock import push_after_pull
from backorder_desktop.services.sync_engine import RunState

logger = logging.getLogger(__name__)

CURSOR_FEED_ROWS = "feed_last_rows"
# A feed with fewer than this share of last time's rows is refused as suspicious.
FEED_SHRINK_LIMIT = 0.5
FEED_SHRINK_MIN_ROWS = 20
# The largest stock file ``import_csv`` reads: about a million rows of the export's six columns,
# many times a 100,000-product store's stock items, while parsing it stays within a few hundred MB.
MAX_IMPORT_BYTES = 50_000_000


_PLAIN_HTTP = (
    "The feed address starts with http://, so the feed's password or key would cross the network "
    "unencrypted. Give the feed's https:// address; plain http is allowed only for this computer "
    "(127.0.0.1, localhost)."
)


@dataclass(frozen=True, slots=True)
class StockChange:
    item: StockItem
    new_level: int


@dataclass(frozen=True, slots=True)
class SkuInstead:
    """A BackOrder product's SKU given at the wrong level: its own SKU where stock is kept per
    variant, or a variant's SKU where stock is kept for the whole product."""

    sku: str
    instead: tuple[str, ...]  # the SKUs that hold the stock


@dataclass(slots=True)
class ApplyReport:
    """What a feed pull or an import found and did. Rows that set no stock are kept apart by why:
    ``unknown`` (no product or variant has the SKU), ``not_backorder`` (it exists, but is not a
    BackOrder product), ``per_variant`` (a BackOrder product whose stock is kept per variant) and
    ``whole_product`` (a variant's SKU where the stock is kept for the whole product) and
    ``not_tracked`` (a BackOrder product BigCommerce tracks no stock for)."""

    rows: int = 0
    changes: list[StockChange] = field(default_factory=list)
    unchanged: int = 0
    unknown: list[str] = field(default_factory=list)
    problems: list[ItemProblem] = field(default_factory=list)
    applied: bool = False
    push: PushReport | None = None
    not_backorder: list[str] = field(default_factory=list)
    per_variant: list[SkuInstead] = field(default_factory=list)
    whole_product: list[SkuInstead] = field(default_factory=list)
    not_tracked: list[str] = field(default_factory=list)
    rule_changes: list[RuleChange] = field(default_factory=list)  # a stock file's backorder rules

    def skipped(self) -> list[str]:
        """Every SKU that set no stock, whatever the reason."""
        return [
            *self.unknown,
            *self.not_backorder,
            *(entry.sku for entry in self.per_variant),
            *(entry.sku for entry in self.whole_product),
            *self.not_tracked,
        ]


# A feed test shows this many rows: enough to see the columns were read right.
PREVIEW_ROWS = 10


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One row of the feed as read, beside the stock this app has for its SKU."""

    line: int
    sku: str
    quantity: int
    current: int | None  # the BackOrder item's stock now; None when no BackOrder item has the SKU


@dataclass(frozen=True, slots=True)
class FeedPreview:
    """A feed test: its first rows, what a pull would change (nothing applied), and why a pull
    would be refused (a feed far shorter than last time), if it would."""

    first_rows: list[PreviewRow]
    report: ApplyReport
    refused: str | None = None


class FeedService:
    """Pulls the ERP feed, and imports stock from CSV files."""

    def __init__(
        self,
        *,
        store: Store,
        stock: StockService,
        feed: StockFeed,
        secrets: SecretStore,
        store_hash: Callable[[], str],
        on_secret: Callable[[str], object] = lambda _secret: None,
        rules: BackorderRuleService | None = None,
    ) -> None:
        self._rules = rules  # the stock file's backorder rule columns
        self._store = store
        self._stock = stock
        self._feed = feed
        self._secrets = secrets
        self._store_hash = store_hash
        self._on_secret = on_secret  # the log's redaction learns the credential as soon as it is read
        self._warned = False

    def configured(self) -> bool:
        return bool(self._store.load_settings().feed_url)

    def url_warning(self) -> str | None:
        """What is wrong with a stored feed address that holds a password or key (saved by an
        older version, which accepted it), or None. Logged once per profile opened: the app and
        the command line call this at start; the address still works meanwhile."""
        url = self._store.load_settings().feed_url
        message = secret_in_feed_url_message(url)
        if message is not None:
            self._register(*url_secret_values(url))
            if not self._warned:
                self._warned = True
                logger.warning("%s", message)
        return message

    def set_credential(self, credential: str) -> None:
        credential = credential.strip()
        self._register(credential)
        url = self._store.load_settings().feed_url
        if url and is_plain_http_to_another_computer(url):
            raise UserFacingError(_PLAIN_HTTP, title="Feed address not encrypted", remedy=Remedy.SET_FEED_URL)
        self._secrets.set(feed_credential_key(self._store_hash()), credential)

    def pull(self, *, push: bool = True) -> ApplyReport:
        """Fetch the feed, apply it as ``feed`` adjustments, and write the changes to BigCommerce."""
        settings = self._store.load_settings()
        if settings.inventory_source is not InventorySource.API:
            raise UserFacingError(
                "The feed is used only when the inventory source is 'api' (your ERP's feed).",
                title="Feed not in use",
                remedy=Remedy.USE_FEED,
            )
        if not settings.feed_url:
            raise UserFacingError(
                "No feed address is set.",
                title="No feed address",
                remedy=Remedy.SET_FEED_URL,
            )
        self.url_warning()
        report = self._fetch(settings, self._saved_credential())
        self._check_size(report)
        result = self._apply(report, source=AdjustmentSource.FEED, actor="ERP feed", apply=True)
        self._store.set_cursor(CURSOR_FEED_ROWS, str(len(report.rows)))
        if push and result.changes:
            result.push = self._stock.push()
        return result

    def preview(self, settings: Settings, credential: str | None = None) -> FeedPreview:
        """Fetch the feed ``settings`` describe (typed in, perhaps not saved yet) and show what a
        pull would do; changes nothing. ``credential`` None uses the one in the keyring."""
        if not settings.feed_url:
            raise UserFacingError(
                "No feed address is set.", title="No feed address", remedy=Remedy.SET_FEED_URL
            )
        report = self._fetch(settings, self._saved_credential() if credential is None else credential)
        refused = None
        try:
            self._check_size(report)
        except FeedError as exc:
            refused = exc.message
        levels = {item.sku.casefold(): item.level for item in self._store.stock_items()}
        first = [
            PreviewRow(row.line, row.sku, row.quantity, levels.get(row.sku.casefold()))
            for row in report.rows[:PREVIEW_ROWS]
        ]
        result = self._apply(report, source=AdjustmentSource.FEED, actor="ERP feed", apply=False)
        return FeedPreview(first_rows=first, report=result, refused=refused)

    def export_csv(self) -> str:
        """BackOrder items' stock as the CSV text ``import_csv`` reads back. SKUs come from the
        store: ``csv_text`` quotes a formula in one so that it cannot run in a spreadsheet, and
        the import reads the quoted cell back as the SKU it was."""
        waiting = {e.item.key for e in self._stock.outbox()}
        rules = self._rules.export_cells() if self._rules is not None else None
        unlimited: list[object] = ["", 0, "", ""]
        return csv_text(
            [
                ["sku", "quantity", "product_id", "variant_id", "store_quantity", "waiting"]
                + (list(RULE_COLUMNS) if rules is not None else []),
                *(
                    [
                        item.sku,
                        item.level,
                        item.key.product_id,
                        item.key.variant_id or "",
                        item.store_level,
                        "yes" if item.key in waiting else "no",
                    ]
                    + (rules.get(item.key, unlimited) if rules is not None else [])
                    for item in self._store.stock_items()
                ),
            ]
        )

    def import_csv(
        self, source: bytes | BinaryIO, *, apply: bool, actor: str, max_bytes: int = MAX_IMPORT_BYTES
    ) -> ApplyReport:
        """A CSV file of ``sku,quantity`` (its bytes, or a binary file read here, at most ``max_bytes``
        of it): a diff first; applied (``bigcommerce`` mode) with ``apply``."""
        data = _read_import(source, max_bytes)
        report = parse_feed(
            data, format="csv", sku_field="sku", quantity_field="quantity", subject="file", escaped_cells=True
        )
        if self._rules is None:
            return self._apply(report, source=AdjustmentSource.IMPORT, actor=actor, apply=apply)
        usable = {row.sku for row in report.rows}  # a row whose quantity is refused changes nothing
        cells = {sku: row for sku, row in csv_columns(data, RULE_COLUMNS).items() if sku in usable}
        rules = self._rules.plan_import(cells, self._store.stock_items())  # checked before stock applies
        result = self._apply(report, source=AdjustmentSource.IMPORT, actor=actor, apply=apply)
        result.rule_changes = rules.changes
        result.problems.extend(rules.problems)
        if apply:
            self._rules.save(rules.changes, actor=actor)
        return result

    def _saved_credential(self) -> str | None:
        """The feed's password or key from the keyring. Without a keyring none can have been kept:
        the feed is fetched without one (a feed that needs one then says it refused)."""
        try:
            return self._secrets.get(feed_credential_key(self._store_hash()))
        except KeyringUnavailable:
            return None

    def _register(self, *secrets: str) -> None:
        for secret in secrets:
            if secret:
                self._on_secret(secret)
                if ":" in secret:  # user:password (HTTP Basic): the password alone too
                    self._on_secret(secret.split(":", 1)[1])

    def _fetch(self, settings: Settings, credential: str | None) -> FeedReport:
        """The feed ``settings`` describe, read; a feed with no rows says how many it had last time."""
        if credential:
            self._register(credential)
            if is_plain_http_to_another_computer(settings.feed_url):
                raise FeedError(_PLAIN_HTTP + " Nothing was sent.", remedy=Remedy.SET_FEED_URL)
        try:
            return self._feed.fetch(
                settings.feed_url,
                credential=credential,
                format=settings.feed_format,
                sku_field=settings.feed_sku_field,
                quantity_field=settings.feed_quantity_field,
            )
        except EmptyFeed as exc:
            last = self._last_rows()
            if not last:
                raise
            raise EmptyFeed(
                f"The feed had 0 rows (last time {last:,}). Nothing was changed. Check the feed in your "
                "ERP, then pull it again.",
                remedy=exc.remedy,
            ) from None

    def _last_rows(self) -> int:
        """How many rows the feed had at its last pull that applied (0: never pulled)."""
        return int(self._store.get_cursor(CURSOR_FEED_ROWS) or 0)

    def _check_size(self, report: FeedReport) -> None:
        last = self._last_rows()
        rows = len(report.rows)
        if last >= FEED_SHRINK_MIN_ROWS and rows < last * FEED_SHRINK_LIMIT:
            raise FeedError(
                f"The feed had {rows:,} usable rows (last time {last:,}). Nothing was changed. "
                "Check the feed in your ERP, then pull it again."
            )

    def _apply(self, report: FeedReport, *, source: AdjustmentSource, actor: str, apply: bool) -> ApplyReport:
        items = {item.sku.casefold(): item for item in self._store.stock_items()}
        result = ApplyReport(rows=report.total_rows, problems=list(report.problems))
        unmatched: list[str] = []
        for row in report.rows:
            item = items.get(row.sku.casefold())
            if item is None:
                unmatched.append(row.sku)
            elif item.level == row.quantity:
                result.unchanged += 1
            else:
                result.changes.append(StockChange(item, row.quantity))
        self._sort_unmatched(unmatched, result)
        if apply:
            for change in result.changes:
                self._stock.edit(
                    change.item.key, AdjustmentKind.SET, change.new_level, actor=actor, source=source
                )
            result.applied = True
            logger.info(
                "%s: %s changes applied, %s SKUs unknown, %s not BackOrder, %s tracked per variant",
                source.value,
                len(result.changes),
                len(result.unknown),
                len(result.not_backorder),
                len(result.per_variant),
            )
        return result

    def _sort_unmatched(self, skus: list[str], result: ApplyReport) -> None:
        """Say why each SKU that matched no BackOrder stock item set nothing."""
        found = self._store.find_product_ids(skus)
        backorder = self._store.backorder_product_ids()
        for sku in skus:
            product_id = found.get(sku)
            product = self._store.get_product(product_id) if product_id in backorder else None
            if product_id is None:
                result.unknown.append(sku)
            elif product is None:
                result.not_backorder.append(sku)
            elif product.inventory_tracking is InventoryTracking.VARIANT:
                variant_skus = tuple(v.sku for v in product.variants if v.sku)
                result.per_variant.append(SkuInstead(sku, variant_skus))
            elif product.inventory_tracking is InventoryTracking.PRODUCT:
                result.whole_product.append(SkuInstead(sku, (product.sku,)))
            else:
                result.not_tracked.append(sku)


def _read_import(source: bytes | BinaryIO, limit: int) -> bytes:
    """The file's bytes, refused above ``limit`` before they are read: by its size when the file
    can tell it (a file on disk), else after ``limit + 1`` bytes (a pipe)."""
    size: int | None = None
    if isinstance(source, bytes):
        size = len(source)
    elif source.seekable():
        start = source.tell()
        size = source.seek(0, io.SEEK_END) - start
        source.seek(start)
    if size is None or size <= limit:
        data = source if isinstance(source, bytes) else source.read(limit + 1)
        if len(data) <= limit:
            return data
    shown = _size(size) if size is not None else f"over {_size(limit)}"
    raise UserFacingError(
        f"The file is {shown}; at most {_size(limit)} can be imported at once. Split it into smaller "
        "files, each starting with the header row (sku,quantity), and import them one after another. "
        "Nothing was changed.",
        title="File too large",
    )


def _size(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB ({size:,} bytes)" if size >= 1_000_000 else f"{size:,} bytes"


def count_pull(report: ApplyReport, state: RunState) -> None:
    """A feed pull's counts and problems, as its run in the history records them."""
    state.counts.seen += report.rows
    state.counts.changed += len(report.changes)
    state.problems.extend(report.problems)
    if report.push is not None:
        state.counts.written += report.push.written
        state.problems.extend(report.push.problems)


def after_pull(stock: StockService, feed: FeedService) -> Callable[[InventorySource, RunState], None]:
    """The engine's ``after_pull`` hook: in ``api`` mode a manual sync pulls the feed (automatic
    feed pulls are the scheduler's own job, at the feed's frequency); in ``bigcommerce`` and
    ``api`` modes every sync then flushes the outbox. A failed feed or push is a problem of the
    run, not a failure of its pull."""
    push = push_after_pull(stock)

    def hook(mode: InventorySource, state: RunState) -> None:
        if mode is InventorySource.API and state.kind is RunKind.MANUAL and feed.configured():
            try:
                report = feed.pull(push=False)
            except BackorderError as exc:
                state.problems.append(ItemProblem("stock feed", exc.title, exc.message, exc.kind))
            else:
                state.problems.extend(report.problems[:100])
        push(mode, state)

    return hook
