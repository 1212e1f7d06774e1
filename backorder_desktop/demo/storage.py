"""Catalog state in compact form: generated columns, sparse overrides, lookups and raw mutations.

Not thread-safe: :class:`backorder_desktop.demo.catalog.Catalog` serialises every call with its lock.
Generated products keep only their numeric state in :class:`~backorder_desktop.demo.generator.Columns`;
text is derived from the seed when needed (with a small cache) and anything written through the API
is kept in per-product / per-variant override dictionaries. Products created through the API are
appended to the same columns, with their text stored whole.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections import OrderedDict
from typing import Any

from backorder_desktop.demo.generator import CUSTOM_FAMILY
from backorder_desktop.demo.generator import TRACK_PRODUCT
from backorder_desktop.demo.generator import TRACK_VARIANT
from backorder_desktop.demo.generator import OptionDef
from backorder_desktop.demo.generator import ProductText
from backorder_desktop.demo.generator import build_columns
from backorder_desktop.demo.generator import derive_text
from backorder_desktop.demo.locations import Locations

_GENERATED_SKU = re.compile(r"^[A-Z]{3}-(\d{6,})(?:-|$)")
_GENERATED_NAME = re.compile(r"#(\d+)$")
_TEXT_CACHE_SIZE = 4096
MAX_STOCK = 2_147_483_647

# Product fields kept in columns rather than in overrides.
COLUMN_FIELDS = frozenset({"price", "is_visible", "inventory_tracking", "inventory_level"})


class Storage:
    """Columns + overrides of one catalog; every product id maps to index ``id - 1``."""

    def __init__(self, products: int, seed: int) -> None:
        self.seed = seed
        self.cols = build_columns(products, seed)
        self.live: array[int] = array("q", range(1, products + 1))
        self.p_over: dict[int, dict[str, Any]] = {}
        self.v_over: dict[int, dict[str, Any]] = {}
        self.custom_text: dict[int, ProductText] = {}
        self.hidden: dict[tuple[str, int], int] = {}  # stock still shown while a delayed write is pending
        self.locations = Locations()  # other locations, per-location settings, backordered units
        self._sku_index: dict[str, int] = {}  # variant SKUs that were written or created
        self._psku_index: dict[str, int] = {}  # product SKUs that were written or created
        self._name_index: dict[str, int] = {}
        self._text_cache: OrderedDict[int, ProductText] = OrderedDict()
        self.version = 0
        self._cum_version = -1
        self._cum: array[int] = array("q")

    # --- existence and derived text ----------------------------------------------------------

    def exists(self, product_id: int) -> bool:
        return 0 < product_id <= len(self.cols.price) and not self.cols.deleted[product_id - 1]

    def variant_exists(self, variant_id: int) -> bool:
        return 0 < variant_id <= len(self.cols.v_owner) and self.exists(self.cols.v_owner[variant_id - 1])

    def text(self, product_id: int) -> ProductText:
        custom = self.custom_text.get(product_id)
        if custom is not None:
            return custom
        cached = self._text_cache.get(product_id)
        if cached is not None:
            self._text_cache.move_to_end(product_id)
            return cached
        i = product_id - 1
        text = derive_text(self.seed, product_id, self.cols.family[i], self.cols.nvar[i])
        self._text_cache[product_id] = text
        if len(self._text_cache) > _TEXT_CACHE_SIZE:
            self._text_cache.popitem(last=False)
        return text

    def variant_ids(self, product_id: int) -> range:
        first = self.cols.first_variant[product_id - 1]
        return range(first, first + self.cols.nvar[product_id - 1])

    def is_simple(self, product_id: int) -> bool:
        """A product without options: one base variant whose id is ``base_variant_id``."""
        return not self.text(product_id).options

    def product_sku(self, product_id: int) -> str:
        over = self.p_over.get(product_id)
        if over is not None and "sku" in over:
            return str(over["sku"])
        return self.text(product_id).sku

    def product_name(self, product_id: int) -> str:
        over = self.p_over.get(product_id)
        if over is not None and "name" in over:
            return str(over["name"])
        return self.text(product_id).name

    def variant_sku(self, variant_id: int) -> str:
        over = self.v_over.get(variant_id)
        if over is not None and "sku" in over:
            return str(over["sku"])
        owner = self.cols.v_owner[variant_id - 1]
        return self.text(owner).variant_skus[variant_id - self.cols.first_variant[owner - 1]]

    def sku_id(self, variant_id: int) -> int | None:
        """The v2 SKU id: ``None`` for a base variant, else the variant id (unique, stable)."""
        return None if self.is_simple(self.cols.v_owner[variant_id - 1]) else variant_id

    # --- stock (what reads see, honouring writes that are not visible yet) -----------------

    def product_stock(self, product_id: int) -> int:
        """``inventory_level`` of a product as the Catalog API reports it."""
        tracking = self.cols.tracking[product_id - 1]
        if tracking == TRACK_PRODUCT:
            key = ("p", product_id)
            return self._for_sale(key, self.hidden.get(key, self.cols.stock[product_id - 1]))
        if tracking == TRACK_VARIANT:
            return sum(
                self._for_sale(("v", v), self.variant_raw_stock(v)) for v in self.variant_ids(product_id)
            )
        return 0

    def _for_sale(self, key: tuple[str, int], onhand: int) -> int:
        """The Catalog API's level: the default location's on hand less its safety stock (notes §5.2:
        catalog reads show available to sell), never below zero."""
        return max(0, onhand - self.locations.safety_stock(key)) if self.locations.has_settings() else onhand

    def variant_raw_stock(self, variant_id: int) -> int:
        return self.hidden.get(("v", variant_id), self.cols.v_stock[variant_id - 1])

    def variant_stock(self, variant_id: int) -> int:
        """``inventory_level`` of a variant: its own stock, or the product's for a base variant."""
        owner = self.cols.v_owner[variant_id - 1]
        tracking = self.cols.tracking[owner - 1]
        if tracking == TRACK_VARIANT:
            return self._for_sale(("v", variant_id), self.variant_raw_stock(variant_id))
        if tracking == TRACK_PRODUCT and self.is_simple(owner):
            return self._for_sale(("p", owner), self.hidden.get(("p", owner), self.cols.stock[owner - 1]))
        return 0

    # --- lookups by unique values ---------------------------------------------------------------

    def find_variant_by_sku(self, sku: str) -> int | None:
        found = self._sku_index.get(sku)
        if found is not None and self.variant_exists(found) and self.variant_sku(found) == sku:
            return found
        match = _GENERATED_SKU.match(sku)
        if match is None:
            return None
        owner = int(match.group(1))
        if not self.exists(owner) or owner in self.custom_text:
            return None
        for variant_id in self.variant_ids(owner):
            if self.variant_sku(variant_id) == sku:
                return variant_id
        return None

    def find_product_by_sku(self, sku: str) -> int | None:
        found = self._psku_index.get(sku)
        if found is not None and self.exists(found) and self.product_sku(found) == sku:
            return found
        match = _GENERATED_SKU.match(sku)
        if match is None:
            return None
        owner = int(match.group(1))
        if self.exists(owner) and owner not in self.custom_text and self.product_sku(owner) == sku:
            return owner
        return None

    def find_product_by_name(self, name: str) -> int | None:
        found = self._name_index.get(name)
        if found is not None and self.exists(found) and self.product_name(found) == name:
            return found
        match = _GENERATED_NAME.search(name)
        if match is None:
            return None
        owner = int(match.group(1))
        if self.exists(owner) and owner not in self.custom_text and self.product_name(owner) == name:
            return owner
        return None

    # --- raw mutations (validated by the caller) ------------------------------------------------

    def _bump(self) -> None:
        self.version += 1

    def touch(self, product_id: int, now: int) -> None:
        """Bump ``date_modified`` (never backwards)."""
        i = product_id - 1
        if now > self.cols.modified[i]:
            self.cols.modified[i] = now
        self._bump()

    def set_product_fields(self, product_id: int, fields: dict[str, Any]) -> None:
        i = product_id - 1
        over = self.p_over.setdefault(product_id, {})
        for key, value in fields.items():
            if key == "price":
                self.cols.price[i] = round(float(value) * 100)
            elif key == "is_visible":
                self.cols.visible[i] = 1 if value else 0
            elif key == "inventory_tracking":
                self.cols.tracking[i] = {"none": 0, "product": 1, "variant": 2}[str(value)]
            elif key == "inventory_level":
                self.cols.stock[i] = min(int(value), MAX_STOCK)
            else:
                if key == "sku":
                    self._psku_index[str(value)] = product_id
                elif key == "name":
                    self._name_index[str(value)] = product_id
                over[key] = value
        if not over:
            del self.p_over[product_id]
        self._bump()

    def set_variant_fields(self, variant_id: int, fields: dict[str, Any]) -> None:
        i = variant_id - 1
        over = self.v_over.setdefault(variant_id, {})
        for key, value in fields.items():
            if key == "price":
                self.cols.v_price[i] = round(float(value) * 100)
            elif key == "inventory_level":
                self.cols.v_stock[i] = min(int(value), MAX_STOCK)
            else:
                if key == "sku":
                    self._sku_index[str(value)] = variant_id
                over[key] = value
        if not over:
            del self.v_over[variant_id]
        self._bump()

    def delete(self, product_id: int) -> None:
        self.cols.deleted[product_id - 1] = 1
        at = bisect_left(self.live, product_id)
        if at < len(self.live) and self.live[at] == product_id:
            self.live.pop(at)
        self.p_over.pop(product_id, None)
        for variant_id in self.variant_ids(product_id):
            self.v_over.pop(variant_id, None)
            self.hidden.pop(("v", variant_id), None)
        self.hidden.pop(("p", product_id), None)
        self._text_cache.pop(product_id, None)
        self._bump()

    def append_product(
        self,
        text: ProductText,
        *,
        tracking: int,
        visible: bool,
        price_cents: int,
        stock: int,
        variants: list[tuple[int, int]],
        now: int,
    ) -> int:
        """Add a created product with ``variants`` as ``(price cents, stock)``; returns its id."""
        cols = self.cols
        product_id = len(cols.price) + 1
        cols.family.append(CUSTOM_FAMILY)
        cols.tracking.append(tracking)
        cols.visible.append(1 if visible else 0)
        cols.deleted.append(0)
        cols.nvar.append(len(variants))
        cols.first_variant.append(len(cols.v_owner) + 1)
        cols.created.append(now)
        cols.modified.append(now)
        cols.price.append(price_cents)
        cols.stock.append(min(stock, MAX_STOCK))
        for v_price, v_stock in variants:
            cols.v_owner.append(product_id)
            cols.v_price.append(v_price)
            cols.v_stock.append(min(v_stock, MAX_STOCK))
        self.custom_text[product_id] = text
        self.live.append(product_id)
        self._psku_index[text.sku] = product_id
        self._name_index[text.name] = product_id
        for offset, sku in enumerate(text.variant_skus):
            self._sku_index[sku] = cols.first_variant[product_id - 1] + offset
        self._bump()
        return product_id

    # --- counts --------------------------------------------------------------------------------

    def cumulative_variants(self) -> array[int]:
        """Running total of variants over :attr:`live` (cached until the next change)."""
        if self._cum_version != self.version:
            nvar = self.cols.nvar
            cum: array[int] = array("q")
            total = 0
            for product_id in self.live:
                total += nvar[product_id - 1]
                cum.append(total)
            self._cum = cum
            self._cum_version = self.version
        return self._cum

    def variant_total(self) -> int:
        cum = self.cumulative_variants()
        return cum[-1] if cum else 0


def option_values_of(text: ProductText, index: int) -> list[dict[str, Any]]:
    """``option_values`` of the ``index``-th variant of a product, in API shape."""
    values: list[dict[str, Any]] = []
    for option_index, value_index in text.variant_values[index]:
        option: OptionDef = text.options[option_index]
        value_id, label = option.values[value_index]
        values.append(
            {
                "id": value_id,
                "label": label,
                "option_id": option.option_id,
                "option_display_name": option.display_name,
            }
        )
    return values
