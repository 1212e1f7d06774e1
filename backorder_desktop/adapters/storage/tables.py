"""The peewee models of the latest schema: private to ``adapters/storage`` (STYLE rule 16).

Migrations create the tables (``migrations/``); these models only describe them for building
queries, and a test checks that they match what the migrations built. The models are bound to no
database: every query is bound to the store's own ``MirrorDatabase`` (``query.bind(db)``), so two
stores on two files never share state.

Two lifecycles (STYLE rules 15 and 19):

- ``MIRROR_TABLES`` hold what BigCommerce says and can always be fetched again: ``rebuild_mirror``
  empties them.
- ``USER_TABLES`` hold what only this computer knows — assignments, settings, sync history, the
  connected store, the stock ledger and the outbox.
  Nothing but the user's own action ever deletes from them; a rebuild keeps them.

Times are ISO-8601 UTC text; booleans are 0/1.
"""

from __future__ import annotations

from peewee import BigIntegerField
from peewee import BooleanField
from peewee import CompositeKey
from peewee import FloatField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import Model
from peewee import TextField


class _Base(Model):
    class Meta:
        database = None
        legacy_table_names = False


class StoreRow(_Base):
    """The connected store: one row (id 1)."""

    id = IntegerField(primary_key=True)
    store_hash = TextField()
    name = TextField()
    plan_name = TextField()
    domain = TextField(default="")
    currency = TextField(default="")
    api_url = TextField()
    updated_at = TextField()

    class Meta:
        table_name = "store"


class ProductRow(_Base):
    """A mirrored product. ``search_text`` is the case-folded name, SKU and variant SKUs, joined by
    newlines, for one-column substring search; ``content_hash`` is the hash of the product as
    BigCommerce sent it (variants included) to skip unchanged rows; ``seen_pass`` is the last full
    pass that saw it."""

    id = IntegerField(primary_key=True)
    name = TextField(index=True)
    sku = TextField(index=True)
    inventory_tracking = TextField()
    inventory_level = IntegerField()
    price = FloatField()
    is_visible = BooleanField()
    availability = TextField()
    date_modified = TextField()
    base_variant_id = IntegerField(null=True)
    search_text = TextField()
    content_hash = BigIntegerField()
    seen_pass = IntegerField(null=True)
    name_key = TextField(default="")  # natural_order.natural_key(name): listings sort by it
    sku_key = TextField(default="")  # natural_order.natural_key(sku)

    class Meta:
        table_name = "products"


class VariantRow(_Base):
    """A variant, keyed on BigCommerce's variant id; deleted with its product (cascade)."""

    id = IntegerField(primary_key=True)
    product = ForeignKeyField(ProductRow, column_name="product_id", on_delete="CASCADE", index=True)
    sku = TextField(index=True)
    inventory_level = IntegerField(null=True)
    price = FloatField(null=True)
    option_label = TextField(default="")
    purchasing_disabled = BooleanField(default=False)

    class Meta:
        table_name = "variants"


class AssignmentRow(_Base):
    """A BackOrder product. No foreign key on purpose: a rebuild that empties ``products`` keeps it;
    a product deleted *in the store* takes its assignment with it (``delete_products`` and
    ``remove_unseen`` do that explicitly)."""

    product_id = IntegerField(primary_key=True)
    assigned_at = TextField()
    assigned_by = TextField()
    tracking = TextField(null=True)  # the store's mode before assign turned it off (migration 7)

    class Meta:
        table_name = "backorder_assignments"


class SyncRunRow(_Base):
    id = IntegerField(primary_key=True)
    kind = TextField()
    trigger = TextField()
    mode = TextField()
    full = BooleanField()
    started_at = TextField()
    finished_at = TextField(null=True)
    outcome = TextField()
    seen = IntegerField(default=0)
    created = IntegerField(default=0)
    changed = IntegerField(default=0)
    removed = IntegerField(default=0)
    written = IntegerField(default=0)  # stock values written to the store (migration 2)
    error_title = TextField(null=True)
    error_message = TextField(null=True)
    error_kind = TextField(null=True)  # domain.errors.ErrorKind (migration 4)

    class Meta:
        table_name = "sync_runs"


class SyncIssueRow(_Base):
    """A per-item problem of a run (STYLE rule 23)."""

    id = IntegerField(primary_key=True)
    run = ForeignKeyField(SyncRunRow, column_name="run_id", on_delete="CASCADE", index=True)
    item = TextField()
    title = TextField()
    message = TextField()
    error_kind = TextField(null=True)  # when an error caused it (migration 4)

    class Meta:
        table_name = "sync_issues"


class SettingRow(_Base):
    """One setting as text, by its CLI name (``domain.settings.to_text``/``from_text``)."""

    key = TextField(primary_key=True)
    value = TextField()

    class Meta:
        table_name = "settings"


class CursorRow(_Base):
    """Sync bookmarks (last pull time …): mirror state, dropped by a rebuild."""

    name = TextField(primary_key=True)
    value = TextField()

    class Meta:
        table_name = "cursors"


class StockItemRow(_Base):
    """A BackOrder stock level (migration 2): ``variant_id`` 0 is the product's own level."""

    product_id = IntegerField()
    variant_id = IntegerField(default=0)
    sku = TextField()
    level = IntegerField()
    store_level = IntegerField()
    awaiting_level = IntegerField(null=True)
    awaiting_since = TextField(null=True)
    version = IntegerField(default=0)
    catalog_since = IntegerField(null=True)  # migration 16: baseline still the catalog's figure

    class Meta:
        table_name = "stock_items"
        primary_key = CompositeKey("product_id", "variant_id")


class StockAdjustmentRow(_Base):
    """One ledger entry (migration 2)."""

    id = IntegerField(primary_key=True)
    product_id = IntegerField()
    variant_id = IntegerField(default=0)
    kind = TextField()
    quantity = IntegerField()
    level_before = IntegerField()
    level_after = IntegerField()
    source = TextField()
    actor = TextField()
    reason = TextField(default="")
    at = TextField()

    class Meta:
        table_name = "stock_adjustments"


class OutboxRow(_Base):
    """A stock item waiting to be written to BigCommerce (migration 2)."""

    product_id = IntegerField()
    variant_id = IntegerField(default=0)
    created_at = TextField()
    state = TextField(default="pending")
    attempts = IntegerField(default=0)
    last_error = TextField(null=True)
    sent_level = IntegerField(null=True)
    sent_version = IntegerField(null=True)

    class Meta:
        table_name = "outbox"
        primary_key = CompositeKey("product_id", "variant_id")


class OrderLineRow(_Base):
    """A store order's line of a BackOrder product and the units it has counted (migration 6)."""

    line_id = IntegerField(primary_key=True)
    order_id = IntegerField()
    product_id = IntegerField()
    variant_id = IntegerField(default=0)
    item_variant_id = IntegerField(default=0)  # the stock item it counts against; 0: the product's
    sku = TextField(default="")
    name = TextField(default="")
    quantity = IntegerField()
    counted = IntegerField(default=0)
    status_id = IntegerField()
    date_created = TextField()
    date_modified = TextField()
    customer = TextField(default="")

    class Meta:
        table_name = "order_lines"


class ProductWriteRow(_Base):
    """A product's fields waiting to be written to BigCommerce: its tracking, with levels (migration 7)."""

    product_id = IntegerField(primary_key=True)
    tracking = TextField()
    levels = TextField(default="{}")
    reason = TextField()
    state = TextField(default="pending")
    attempts = IntegerField(default=0)
    last_error = TextField(null=True)
    created_at = TextField()

    class Meta:
        table_name = "product_writes"


class BackorderRuleRow(_Base):
    """A stock item's backorder rule: limit, incoming, expected date, message (migration 8)."""

    product_id = IntegerField()
    variant_id = IntegerField(default=0)
    limit_units = IntegerField(null=True)
    incoming = IntegerField(default=0)
    expected = TextField(null=True)
    message = TextField(default="")
    updated_at = TextField()
    updated_by = TextField()

    class Meta:
        table_name = "backorder_rules"
        primary_key = CompositeKey("product_id", "variant_id")


class NotificationRow(_Base):
    """One thing the merchant was told, unique on its de-duplication key (migration 9)."""

    id = IntegerField(primary_key=True)
    kind = TextField()
    key = TextField(unique=True)
    subject = TextField(default="")
    title = TextField()
    text = TextField(default="")
    at = TextField()
    mark = IntegerField(default=0)
    ended = IntegerField(default=0)
    read = IntegerField(default=0)

    class Meta:
        table_name = "notifications"


class PurchasingRow(_Base):
    """A stock item's purchasing as the backorder rules switch it in the store (migration 10)."""

    product_id = IntegerField()
    variant_id = IntegerField(default=0)
    sku = TextField(default="")
    disabled = IntegerField()
    why = TextField()
    message = TextField(null=True)
    pending = IntegerField(default=1)
    written = IntegerField(null=True)
    written_message = TextField(null=True)
    held = IntegerField(default=0)
    held_wish = IntegerField(null=True)
    state = TextField(default="pending")
    attempts = IntegerField(default=0)
    last_error = TextField(null=True)
    updated_at = TextField()

    class Meta:
        table_name = "purchasing"
        primary_key = CompositeKey("product_id", "variant_id")


class BackorderLimitRow(_Base):
    """A stock item's limit in BigCommerce's own backorders, wanted and confirmed (migration 12)."""

    product_id = IntegerField()
    variant_id = IntegerField(default=0)
    sku = TextField(default="")
    wanted = IntegerField()
    written = IntegerField(null=True)
    reason = TextField(default="")
    state = TextField(default="pending")
    attempts = IntegerField(default=0)
    last_error = TextField(null=True)
    qty_backordered = IntegerField(null=True)
    available_to_sell = IntegerField(null=True)
    updated_at = TextField()

    class Meta:
        table_name = "backorder_limits"
        primary_key = CompositeKey("product_id", "variant_id")


MIRROR_TABLES: tuple[type[_Base], ...] = (VariantRow, ProductRow, CursorRow)
USER_TABLES: tuple[type[_Base], ...] = (
    StoreRow,
    AssignmentRow,
    SyncRunRow,
    SyncIssueRow,
    SettingRow,
    StockItemRow,
    StockAdjustmentRow,
    OutboxRow,
    OrderLineRow,
    ProductWriteRow,
    BackorderRuleRow,
    NotificationRow,
    PurchasingRow,
    BackorderLimitRow,
)
ALL_TABLES: tuple[type[_Base], ...] = MIRROR_TABLES + USER_TABLES
