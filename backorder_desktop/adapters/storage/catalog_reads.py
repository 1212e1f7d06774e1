"""Catalog queries: search, lookups by id or SKU, counts — returning domain products with variants.

Search is a substring match on ``products.search_text`` (the case-folded name, SKU and variant
SKUs, written with the product), variant SKUs included, and case folding is Unicode-aware
(SQLite's own LIKE folds ASCII only). Listings are ordered by name in natural order (its stored
``name_key``, then id; migration 5), which the ``products_name`` index serves for paging; that
index also holds ``search_text``, so a search in name order walks it, tests each entry without
reading the row, and stops at the last row asked for (migration 3). SKU order is ``sku_key``'s.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from typing import Any

from backorder_desktop.adapters.storage import product_writes_store
from backorder_desktop.adapters.storage.codec import PRODUCT_COLUMNS
from backorder_desktop.adapters.storage.codec import VARIANT_COLUMNS
from backorder_desktop.adapters.storage.codec import decode_product
from backorder_desktop.adapters.storage.codec import decode_variant
from backorder_desktop.domain.backorder_rules import NEAR_SHARE
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.models import ProductSort
from backorder_desktop.domain.models import Variant
from backorder_desktop.domain.product_writes import BackorderMethod

_PRODUCT_SELECT = ", ".join(f"p.{name}" for name in PRODUCT_COLUMNS[:10])
_VARIANT_SELECT = ", ".join(VARIANT_COLUMNS)
# Column lists are fixed names from codec.py, never user input.
_VARIANTS_OF = (
    f"SELECT {_VARIANT_SELECT} FROM variants "  # noqa: S608
    "WHERE product_id IN (SELECT value FROM json_each(?)) ORDER BY product_id, id"
)
# BackOrder products of a window with their stock items (none for an untracked one): variant 0
# is the product's own item.
_STOCK_OF = (
    "SELECT a.product_id, s.variant_id, {level} FROM backorder_assignments AS a "
    "LEFT JOIN stock_items AS s ON s.product_id = a.product_id{join} "
    "WHERE a.product_id IN (SELECT value FROM json_each(?))"
)
# Their rules (limit, expected date), read by primary key like the stock items. Rules outlive an
# unassignment (they come back with the product), so only assigned products' are shown.
_RULES_OF = (
    "SELECT r.product_id, r.variant_id, r.limit_units, r.expected FROM backorder_rules AS r "
    "JOIN backorder_assignments AS a ON a.product_id = r.product_id "
    "WHERE r.product_id IN (SELECT value FROM json_each(?))"
)
_GET_PRODUCT = f"SELECT {_PRODUCT_SELECT} FROM products AS p WHERE p.id = ?"  # noqa: S608
_SEARCH = f"SELECT {_PRODUCT_SELECT} FROM products AS p"  # noqa: S608
_SEARCH_SCAN = _SEARCH + " NOT INDEXED"
_SEARCH_BY_NAME = _SEARCH + " INDEXED BY products_name"
_COUNT = "SELECT COUNT(*) FROM products AS p"


Rules = dict[int, tuple[int | None, date | None]]  # variant id or 0 → (limit, expected)


@dataclass(frozen=True, slots=True)
class OwedLevel:
    """How SQL reads a BackOrder stock item ``s``'s level as the app counts it (below zero: units
    owed), to go into a query's text: ``join`` after the clause that brings ``s`` in, ``level``
    wherever the level is read.

    With the method ``app`` that is the item's level itself. With ``native`` the item's level is on
    hand as the store holds it (never below zero) and BigCommerce counts the units backordered, as
    last read into ``backorder_limits``: the level less those, as the rules and notifications read
    it (``native_owed``). Chosen once per query from the setting, so the method ``app`` reads
    exactly what it read before, and ``native`` adds one lookup by primary key per item."""

    join: str
    level: str

    def fill(self, template: str) -> str:
        return template.format(join=self.join, level=self.level)


APP_LEVEL = OwedLevel("", "s.level")
NATIVE_LEVEL = OwedLevel(
    " LEFT JOIN backorder_limits AS b ON b.product_id = s.product_id AND b.variant_id = s.variant_id",
    "(s.level - COALESCE(b.qty_backordered, 0))",
)


def owed_level(conn: sqlite3.Connection) -> OwedLevel:
    """The level expression for the backorder method in force."""
    return NATIVE_LEVEL if product_writes_store.method(conn) is BackorderMethod.NATIVE else APP_LEVEL


_OWED_NOW = "SELECT COALESCE(SUM(-{level}), 0) FROM stock_items AS s{join} WHERE {level} < 0"


def owed_now(conn: sqlite3.Connection, owed: OwedLevel | None = None) -> int:
    """Units owed over every stock item, counted as the backorder method in force counts them (the
    status bar's and the dashboard's figure)."""
    return int(conn.execute((owed or owed_level(conn)).fill(_OWED_NOW)).fetchone()[0])


def _with_variants(conn: sqlite3.Connection, rows: list[Any], owed: OwedLevel | None = None) -> list[Product]:
    """Decode a window of product rows with their variants and, for BackOrder products, the app's
    stock and rules: three reads by primary key for the whole window, so search and sort cost the
    same."""
    by_product: defaultdict[int, list[Variant]] = defaultdict(list)
    stock: dict[int, dict[int, int]] = {}  # BackOrder product → {variant id or 0: level}
    rules: defaultdict[int, Rules] = defaultdict(dict)
    if rows:
        ids = json.dumps([row[0] for row in rows])
        for variant_row in conn.execute(_VARIANTS_OF, (ids,)):
            by_product[variant_row[1]].append(decode_variant(variant_row))
        owed = owed or owed_level(conn)
        stock_of = owed.fill(_STOCK_OF)
        for product_id, variant_id, level in conn.execute(stock_of, (ids,)):
            items = stock.setdefault(product_id, {})
            if level is not None:
                items[int(variant_id)] = int(level)
        for product_id, variant_id, limit, expected in conn.execute(_RULES_OF, (ids,)):
            day = None if expected is None else date.fromisoformat(str(expected))
            rules[product_id][int(variant_id)] = (None if limit is None else int(limit), day)
    products = [decode_product(row, tuple(by_product.get(row[0], ()))) for row in rows]
    return [_with_app_stock(p, stock[p.id], rules.get(p.id, {})) if p.id in stock else p for p in products]


def _with_app_stock(product: Product, items: dict[int, int], rules: Rules) -> Product:
    """A BackOrder product with the app's levels and rules: on its variants (a product tracked as
    a whole shows its level and rule on its one base variant, as ``stock_store.set_mirror_level``
    does), its own level, the units owed over its items, and its rules summed over them."""
    own = items.get(0)
    if own is not None and len(product.variants) == 1:
        base = product.variants[0].id
        items = {**items, base: own}
        if 0 in rules:
            rules = {**rules, base: rules[0]}
    no_rule: tuple[int | None, date | None] = (None, None)
    variants = tuple(
        replace(
            v, app_level=items[v.id], limit=rules.get(v.id, no_rule)[0], expected=rules.get(v.id, no_rule)[1]
        )
        if v.id in items
        else v
        for v in product.variants
    )
    counted = {variant_id: level for variant_id, level in items.items() if variant_id == 0 or own is None}
    owed = sum(max(0, -level) for level in counted.values())
    level = own if own is not None else (sum(items.values()) if items else None)
    limits = {variant_id: rules.get(variant_id, no_rule)[0] for variant_id in counted}
    limit: int | None = None
    available: int | None = None
    if counted and all(value is not None for value in limits.values()):
        bounded = {variant_id: value for variant_id, value in limits.items() if value is not None}
        limit = sum(bounded.values())
        available = sum(max(0, counted[variant_id] + value) for variant_id, value in bounded.items())
    dates = [day for variant_id in counted if (day := rules.get(variant_id, no_rule)[1]) is not None]
    return replace(
        product,
        variants=variants,
        app_level=level,
        backordered=owed,
        limit=limit,
        available_to_sell=available,
        expected=min(dates, default=None),
    )


def get_product(conn: sqlite3.Connection, product_id: int) -> Product | None:
    rows = conn.execute(_GET_PRODUCT, (product_id,)).fetchall()
    found = _with_variants(conn, rows)
    return found[0] if found else None


_SORT_COLUMNS = {
    ProductSort.ID: "p.id",
    ProductSort.NAME: "p.name_key",  # natural order: "#19555" before "#113332" (natural_order.py)
    ProductSort.SKU: "p.sku_key",
    ProductSort.INVENTORY_LEVEL: "p.inventory_level",
    ProductSort.IS_VISIBLE: "p.is_visible",
    ProductSort.AVAILABILITY: "p.availability",
    ProductSort.DATE_MODIFIED: "p.date_modified",
}
# Out of stock: a tracked product whose stock is 0 or less — the product's own level when tracked by
# product, every variant's when tracked by variant (a product with no variants is not "out").
_OUT_OF_STOCK = (
    "((p.inventory_tracking = 'product' AND p.inventory_level <= 0) OR "
    "(p.inventory_tracking = 'variant' AND EXISTS (SELECT 1 FROM variants AS v WHERE v.product_id = p.id) "
    "AND NOT EXISTS (SELECT 1 FROM variants AS v WHERE v.product_id = p.id AND v.inventory_level > 0)))"
)

# Backordered: a BackOrder product with an item below zero (units owed). Few products, found from
# the stock items rather than by testing every product.
_BACKORDERED = (
    "p.id IN (SELECT s.product_id FROM stock_items AS s JOIN backorder_assignments AS a "
    "ON a.product_id = s.product_id{join} WHERE {level} < 0)"
)
# The rules' states (domain ``backorder_rules``: ``limit_reached``, ``near_limit``, ``date_passed``)
# for a BackOrder product with one of its items in that state; like Backordered, found from the few
# rules rather than by testing every product.
_RULED_ITEMS = (
    "p.id IN (SELECT s.product_id FROM backorder_rules AS r "
    "JOIN stock_items AS s ON s.product_id = r.product_id AND s.variant_id = r.variant_id "
    "JOIN backorder_assignments AS a ON a.product_id = r.product_id{join} WHERE {cond})"
)


def _ruled(cond: str) -> str:
    """``_RULED_ITEMS`` on ``cond``, its ``{join}`` and ``{level}`` (``OwedLevel``) left to fill
    in per query."""
    return _RULED_ITEMS.format(join="{join}", cond=cond)


_AT_LIMIT = _ruled("r.limit_units IS NOT NULL AND {level} <= -r.limit_units")
_NEAR_PERCENT = round(NEAR_SHARE * 100)
_NEAR_LIMIT = _ruled(
    "r.limit_units IS NOT NULL AND {level} > -r.limit_units AND {level} + r.limit_units <= "
    f"max(1, (r.limit_units * {_NEAR_PERCENT} + 99) / 100)"  # ceil(limit × share), in integers
)
_DATE_PASSED = _ruled("r.expected IS NOT NULL AND r.expected < ? AND {level} < 0")


def _where(query: ProductQuery, owed: OwedLevel) -> tuple[str, list[object]]:
    """The WHERE clause (with its leading keyword, or empty) and its parameters for ``query``, the
    stock filters reading each item's level as ``owed`` says."""
    where: list[str] = []
    params: list[object] = []
    needle = query.text.strip().casefold()
    if needle:
        where.append("instr(p.search_text, ?) > 0")
        params.append(needle)
    if query.backorder_only:
        where.append("p.id IN (SELECT product_id FROM backorder_assignments)")
    if query.visible is not None:
        where.append("p.is_visible = ?")
        params.append(1 if query.visible else 0)
    if query.out_of_stock:
        where.append(_OUT_OF_STOCK)
    if query.backordered:
        where.append(owed.fill(_BACKORDERED))
    if query.near_limit:
        where.append(owed.fill(_NEAR_LIMIT))
    if query.at_limit:
        where.append(owed.fill(_AT_LIMIT))
    if query.date_passed:
        # The merchant's today, as the rules service's (the local date): ISO dates compare as text.
        where.append(owed.fill(_DATE_PASSED))
        params.append(date.today().isoformat())
    return (" WHERE " + " AND ".join(where) if where else ""), params


def query_products(
    conn: sqlite3.Connection, query: ProductQuery, *, limit: int | None, offset: int = 0
) -> list[Product]:
    """A window of the products matching ``query``, in its order (ties broken by id).

    The text matches the name, the SKU or a variant's SKU as a case-insensitive substring.
    """
    owed = owed_level(conn)
    where, params = _where(query, owed)
    direction = " DESC" if query.descending else ""
    order = f" ORDER BY {_SORT_COLUMNS[query.sort]}{direction}, p.id{direction}"
    sql = _source(query) + where + order + " LIMIT ? OFFSET ?"
    params += [-1 if limit is None else max(0, limit), max(0, offset)]
    return _with_variants(conn, conn.execute(sql, params).fetchall(), owed)


def _source(query: ProductQuery) -> str:
    """Where a query reads from (measured on 100,000 products, first 200 rows)."""
    if query.out_of_stock:
        # Its test needs each row and its variants: one scan of the table and a sort of the matches
        # beats walking the name index and fetching every row to test it (25 ms vs 200+).
        return _SEARCH_SCAN
    if query.text.strip():
        # In name order the index answers the text test itself (2-4 ms for a common word, 36-46 ms
        # when nothing matches); in another order, a scan and a sort of the matches (38-62 ms).
        return _SEARCH_BY_NAME if query.sort is ProductSort.NAME else _SEARCH_SCAN
    return _SEARCH


def count_products(conn: sqlite3.Connection, query: ProductQuery, owed: OwedLevel | None = None) -> int:
    where, params = _where(query, owed or owed_level(conn))
    return int(conn.execute(_COUNT + where, params).fetchone()[0])


def search_products(
    conn: sqlite3.Connection,
    query: str = "",
    *,
    backorder_only: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[Product]:
    """Products whose name, SKU or a variant's SKU contains ``query`` (case-insensitive), by name."""
    wanted = ProductQuery(text=query, backorder_only=backorder_only)
    return query_products(conn, wanted, limit=limit, offset=offset)


def find_product_ids(conn: sqlite3.Connection, refs: Iterable[str]) -> dict[str, int]:
    """Map each ref to a product id: a product id (digits) first, then a product SKU, then a
    variant SKU. SKUs match case-insensitively, preferring an exact-case match."""
    found: dict[str, int] = {}
    for ref in refs:
        text = ref.strip()
        if not text:
            continue
        product_id: int | None = None
        if text.isdigit():
            row = conn.execute("SELECT id FROM products WHERE id = ?", (int(text),)).fetchone()
            product_id = None if row is None else int(row[0])
        if product_id is None:
            row = conn.execute(
                "SELECT id FROM products WHERE sku = ? COLLATE NOCASE ORDER BY sku = ? DESC, id LIMIT 1",
                (text, text),
            ).fetchone()
            product_id = None if row is None else int(row[0])
        if product_id is None:
            row = conn.execute(
                "SELECT product_id FROM variants WHERE sku = ? COLLATE NOCASE "
                "ORDER BY sku = ? DESC, id LIMIT 1",
                (text, text),
            ).fetchone()
            product_id = None if row is None else int(row[0])
        if product_id is not None:
            found[ref] = product_id
    return found


def count(conn: sqlite3.Connection, table: str) -> int:
    if table not in {"products", "variants", "backorder_assignments"}:
        raise ValueError(table)
    return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608 - fixed names


def unseen_product_ids(conn: sqlite3.Connection, pass_id: int) -> list[int]:
    rows = conn.execute("SELECT id FROM products WHERE seen_pass IS NOT ? ORDER BY id", (pass_id,))
    return [int(row[0]) for row in rows]
