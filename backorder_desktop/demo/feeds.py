"""The demo store's sample ERP stock feed: ``GET /feeds/stock.csv`` and ``/feeds/stock.json``.

So that ``--demo`` can show the ``api`` inventory mode, the demo store also plays the merchant's
ERP: it lists one ``sku,quantity`` row per tracked stock level of its live catalog. That is each
variant's SKU for products tracked by variant, and the product's SKU for products tracked by
product (their one level; for a product without options it is also its base variant's SKU).
Products that do not track inventory are not listed.

Quantities come from the seed and the SKU only (500–999), so they differ from every generated
level (0–299) and applying the feed changes something, yet the feed stays the same from pull to
pull: once applied, the next pull changes nothing. The feed needs no BigCommerce token (an ERP
is another server) and is not counted against the store's API quota. The query string is ignored.
"""

from __future__ import annotations

import csv
import io
import json
import zlib

from backorder_desktop.demo.context import Reply
from backorder_desktop.demo.context import StoreContext
from backorder_desktop.demo.errors import ApiError
from backorder_desktop.demo.generator import TRACK_PRODUCT
from backorder_desktop.demo.generator import TRACK_VARIANT
from backorder_desktop.demo.storage import Storage

__all__ = ["FEED_PREFIX", "erp_quantity", "feed_rows", "serve_feed"]

FEED_PREFIX = "/feeds/"
CSV_PATH = "/feeds/stock.csv"
JSON_PATH = "/feeds/stock.json"
LOW, SPAN = 500, 500


def erp_quantity(seed: int, sku: str) -> int:
    """The ERP's quantity for ``sku``: fixed for a seed, 500–999."""
    return LOW + zlib.crc32(f"{seed}:{sku}".encode()) % SPAN


def feed_rows(st: Storage) -> list[tuple[str, int]]:
    """``(sku, quantity)`` for every tracked level of the live catalog, in product id order."""
    rows: list[tuple[str, int]] = []
    tracking = st.cols.tracking
    for product_id in st.live:
        mode = tracking[product_id - 1]
        if mode == TRACK_VARIANT:
            skus = [st.variant_sku(v) for v in st.variant_ids(product_id)]
        elif mode == TRACK_PRODUCT:
            skus = [st.product_sku(product_id)]
        else:
            continue
        rows.extend((sku, erp_quantity(st.seed, sku)) for sku in skus if sku)
    return rows


def _csv_body(rows: list[tuple[str, int]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["sku", "quantity"])
    writer.writerows(rows)
    return out.getvalue().encode()


def _json_body(rows: list[tuple[str, int]]) -> bytes:
    items = [{"sku": sku, "quantity": quantity} for sku, quantity in rows]
    return json.dumps({"items": items}, separators=(",", ":")).encode()


def serve_feed(ctx: StoreContext, method: str, path: str) -> Reply:
    """The reply for ``method path`` below ``/feeds/`` (404 for another file, 405 for a write)."""
    if path not in (CSV_PATH, JSON_PATH):
        raise ApiError(f"No feed here; the sample feeds are {CSV_PATH} and {JSON_PATH}", status=404)
    if method not in ("GET", "HEAD"):
        raise ApiError("The feed is read-only; use GET", status=405, headers={"Allow": "GET, HEAD"})
    with ctx.catalog.reading() as st:
        rows = feed_rows(st)
    if path == CSV_PATH:
        return Reply(200, _csv_body(rows), "text/csv; charset=utf-8")
    return Reply(200, _json_body(rows), "application/json")
