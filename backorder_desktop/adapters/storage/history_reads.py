"""The ``StockHistoryStore`` port's reads on ``SqliteMirrorStore``: a stock item's ledger in a time
window, and the runs on a time axis.

A mixin like ``stock_mixin.py``; each method is one read transaction. Nothing loads a whole ledger:
one item's window goes through the (product, variant, time, id, level) index (migration 11); a
window with more entries than the chart can show is reduced in SQL, from the index alone, to each
time bucket's highest, lowest and last level. ``at`` is ISO text in UTC, so text order is time
order.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

from backorder_desktop.adapters.storage.codec import from_text
from backorder_desktop.adapters.storage.codec import maybe_from_text
from backorder_desktop.adapters.storage.codec import to_text
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.stock import Adjustment
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey

if TYPE_CHECKING:  # built by the chart's reads only: a command's start never imports them
    from backorder_desktop.domain.stock_history import LedgerWindow
    from backorder_desktop.domain.stock_history import RunSpan
    from backorder_desktop.domain.stock_history import StockPoint

# Every query below names its SQL in full (fixed text, values bound): one item is
# "product_id = ? AND variant_id = ?", a window "at >= ? AND at <= ?".
# Is there an entry beyond the first ``max_points`` of the window? (Counting them all would read
# the whole window once more.)
_MORE_THAN = (
    "SELECT 1 FROM stock_adjustments WHERE product_id = ? AND variant_id = ? AND at >= ? AND at <= ? "
    "ORDER BY at, id LIMIT 1 OFFSET ?"
)
_ENTRIES = (
    "SELECT at, level_after FROM stock_adjustments "
    "WHERE product_id = ? AND variant_id = ? AND at >= ? AND at <= ? ORDER BY at, id"
)
_NEWEST = (
    "SELECT id, kind, quantity, level_before, level_after, source, actor, reason, at "
    "FROM stock_adjustments WHERE product_id = ? AND variant_id = ? AND at >= ? AND at <= ? "
    "ORDER BY at DESC, id DESC LIMIT ?"
)
_BEFORE = (
    "SELECT level_after FROM stock_adjustments WHERE product_id = ? AND variant_id = ? AND at < ? "
    "ORDER BY at DESC, id DESC LIMIT 1"
)
_KEPT = "SELECT level FROM stock_items WHERE product_id = ? AND variant_id = ?"
_LAST = (
    "SELECT level_after FROM stock_adjustments WHERE product_id = ? AND variant_id = ? "
    "ORDER BY at DESC, id DESC LIMIT 1"
)
# Each time bucket's first moment, lowest and highest level, entries, and its last entry's moment and
# level: two index-only range reads per bucket (the index covers them), no sort. ?3 is a JSON
# array of [from, until) moments, one per bucket.
_BUCKETS = (
    "WITH b(lo, hi) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') "
    "FROM json_each(?3)) SELECT "
    "(SELECT MIN(a.at) || '|' || MIN(a.level_after) || '|' || MAX(a.level_after) || '|' || COUNT(*) "
    "FROM stock_adjustments a WHERE a.product_id = ?1 AND a.variant_id = ?2 "
    "AND a.at >= b.lo AND a.at < b.hi), "
    "(SELECT a.at || '|' || a.level_after FROM stock_adjustments a "
    "WHERE a.product_id = ?1 AND a.variant_id = ?2 AND a.at >= b.lo AND a.at < b.hi "
    "ORDER BY a.at DESC, a.id DESC LIMIT 1) FROM b"
)
_NEXT_VARIANT = (
    "SELECT variant_id FROM stock_adjustments WHERE product_id = ? AND variant_id > ? "
    "ORDER BY variant_id LIMIT 1"
)
MAX_LEDGER_ITEMS = 1000  # a product has at most 600 variants in BigCommerce
# Local changes (edits, imports, the feed) are written by the next run that writes stock: a run
# that wrote after one of this item's changes, and after the writing run before it, pushed it.
_PUSHES = (
    "WITH w AS (SELECT id, finished_at, written, LAG(finished_at) OVER (ORDER BY id) AS prev "
    "FROM sync_runs WHERE written > 0 AND finished_at IS NOT NULL) "
    "SELECT id, finished_at, written FROM w WHERE finished_at >= ? AND finished_at <= ? AND EXISTS ("
    "SELECT 1 FROM stock_adjustments a WHERE a.product_id = ? AND a.variant_id = ? "
    "AND a.source IN ('person', 'import', 'feed') AND a.at <= w.finished_at "
    "AND a.at > COALESCE(w.prev, '')) ORDER BY id"
)
_RUNS = (
    "SELECT id, kind, trigger, started_at, finished_at, outcome, error_title FROM sync_runs "
    "WHERE started_at <= ? AND (finished_at IS NULL OR finished_at >= ?) ORDER BY id"
)


def _adjustment(key: StockKey, row: Any) -> Adjustment:
    entry_id, kind, quantity, before, after, source, actor, reason, at = tuple(row)
    return Adjustment(
        id=int(entry_id),
        key=key,
        kind=AdjustmentKind(kind),
        quantity=int(quantity),
        level_before=int(before),
        level_after=int(after),
        source=AdjustmentSource(source),
        actor=str(actor),
        reason=str(reason),
        at=from_text(at),
    )


class HistoryReadMethods:
    """Mixed into ``SqliteMirrorStore``."""

    if TYPE_CHECKING:

        def _reading(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def stock_chart_items(self, product_id: int) -> tuple[str, list[tuple[StockKey, str]]]:
        with self._reading() as conn:
            product = conn.execute("SELECT name, sku FROM products WHERE id = ?", (product_id,)).fetchone()
            kept = {
                int(vid): str(sku)
                for vid, sku in conn.execute(
                    "SELECT variant_id, sku FROM stock_items WHERE product_id = ?", (product_id,)
                )
            }
            in_ledger = _ledger_variants(conn, product_id)
            variants = {
                int(vid): str(sku)
                for vid, sku in conn.execute(
                    "SELECT id, sku FROM variants WHERE product_id = ?", (product_id,)
                )
            }
        if product is None and not kept and not in_ledger:
            return "", []
        name, product_sku = (str(product[0]), str(product[1])) if product is not None else ("", "")
        skus = dict(kept)
        for vid in in_ledger:
            if vid not in skus:
                skus[vid] = product_sku if vid == 0 else variants.get(vid, f"variant {vid}")
        items = [(StockKey(product_id, vid or None), sku) for vid, sku in sorted(skus.items())]
        return name or f"product {product_id}", items

    def ledger_window(
        self, key: StockKey, start: datetime, end: datetime, *, max_points: int, max_events: int
    ) -> LedgerWindow:
        from backorder_desktop.domain.stock_history import LedgerWindow
        from backorder_desktop.domain.stock_history import PushMark
        from backorder_desktop.domain.stock_history import StockPoint

        item = (key.product_id, key.variant_id or 0)
        span = (to_text(start), to_text(end))
        with self._reading() as conn:
            before = conn.execute(_BEFORE, (*item, span[0])).fetchone()
            last = conn.execute(_KEPT, item).fetchone() or conn.execute(_LAST, item).fetchone()
            newest = conn.execute(_NEWEST, (*item, *span, max_events)).fetchall()
            decimated = conn.execute(_MORE_THAN, (*item, *span, max_points)).fetchone() is not None
            if decimated:
                points, entries = _buckets(conn, item, start, end, buckets=max(1, max_points // 3))
            else:
                points = [
                    StockPoint(from_text(at), int(level))
                    for at, level in conn.execute(_ENTRIES, (*item, *span))
                ]
                entries = len(points)
            pushes = [
                PushMark(int(run_id), from_text(at), int(written))
                for run_id, at, written in conn.execute(_PUSHES, (*span, *item))
            ]
        return LedgerWindow(
            before=None if before is None else int(before[0]),
            now=None if last is None else int(last[0]),
            points=tuple(points),
            events=tuple(_adjustment(key, row) for row in reversed(newest)),
            pushes=tuple(pushes),
            entries=entries,
            decimated=decimated,
        )

    def run_spans(self, start: datetime, end: datetime) -> list[RunSpan]:
        from backorder_desktop.domain.stock_history import RunSpan

        with self._reading() as conn:
            rows = conn.execute(_RUNS, (to_text(end), to_text(start))).fetchall()
        return [
            RunSpan(
                id=int(run_id),
                kind=RunKind(kind),
                trigger=RunTrigger(trigger),
                started_at=from_text(started),
                finished_at=maybe_from_text(finished),
                outcome=RunOutcome(outcome),
                error_title=title,
            )
            for run_id, kind, trigger, started, finished, outcome, title in rows
        ]


def _ledger_variants(conn: sqlite3.Connection, product_id: int) -> list[int]:
    """The variant ids (0: the product's own level) the product's ledger entries name: one index
    seek per id, where a DISTINCT would read every entry of a busy product."""
    found: list[int] = []
    while len(found) < MAX_LEDGER_ITEMS:
        after = found[-1] if found else -1
        row = conn.execute(_NEXT_VARIANT, (product_id, after)).fetchone()
        if row is None:
            break
        found.append(int(row[0]))
    return found


def _buckets(
    conn: sqlite3.Connection, item: tuple[int, int], start: datetime, end: datetime, *, buckets: int
) -> tuple[list[StockPoint], int]:
    """Each time bucket as three points: its highest and lowest level at its first moment (a
    vertical stroke where the line moved within it) and the level it ended on at its last; and
    how many entries the buckets hold."""
    from backorder_desktop.domain.stock_history import StockPoint

    width = (end - start) / buckets
    edges = [start + width * k for k in range(buckets)] + [end + timedelta(microseconds=1)]
    spans = json.dumps([[to_text(lo), to_text(hi)] for lo, hi in itertools.pairwise(edges)])
    points: list[StockPoint] = []
    entries = 0
    for ranged, last in conn.execute(_BUCKETS, (*item, spans)):
        if ranged is None:
            continue
        first, low, high, count = str(ranged).split("|")
        entries += int(count)
        last_at, level = str(last).split("|")
        first_at = from_text(first)
        points += [StockPoint(first_at, int(high)), StockPoint(first_at, int(low))]
        points.append(StockPoint(from_text(last_at), int(level)))
    return points, entries
