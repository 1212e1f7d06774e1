"""Order lines counted into the ledger on a real SQLite file: once per line, by the difference."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.domain.orders import Order
from backorder_desktop.domain.orders import OrderLine
from backorder_desktop.domain.orders import OrderStatus
from backorder_desktop.domain.orders import RestoreOn
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from tests.adapters.storage.conftest import T0
from tests.adapters.storage.conftest import make_product

AFTER = T0 + timedelta(hours=1)
PENDING = OrderStatus.AWAITING_FULFILLMENT


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteMirrorStore]:
    mirror = open_mirror(tmp_path / "profile" / "mirror.sqlite3")
    mirror.apply_products(
        [make_product(1, stock=2), make_product(2, variants=3, stock=0), make_product(3)],
        pass_id=None,
        keep_backorder_stock=True,
    )
    # Method app: the app takes tracking over, so nobody but the app counts these products' sales.
    mirror.save_settings(replace(mirror.load_settings(), backorder_method=BackorderMethod.APP))
    mirror.assign([1, 2], by="dana", at=T0)
    try:
        yield mirror
    finally:
        mirror.close()


def order(
    order_id: int, *lines: OrderLine, status: int = PENDING, minutes: int = 0, created: int = 0
) -> Order:
    return Order(
        id=order_id,
        status_id=status,
        date_created=AFTER + timedelta(minutes=created),
        date_modified=AFTER + timedelta(minutes=minutes),
        customer="Jo Buyer",
        lines=lines,
    )


def line(
    line_id: int, product_id: int, quantity: int, variant: int | None = None, refunded: int = 0
) -> OrderLine:
    sku = f"P{product_id}" if variant is None else f"P{product_id}-V{variant % 100}"
    return OrderLine(line_id, 0, product_id, variant, sku, "x", quantity, quantity_refunded=refunded)


def levels(store: SqliteMirrorStore) -> dict[StockKey, int]:
    return {item.key: item.level for item in store.stock_items()}


def apply(store: SqliteMirrorStore, *orders: Order, restore_on: RestoreOn = RestoreOn.BOTH) -> int:
    return store.apply_orders(orders, restore_on=restore_on, at=AFTER).entries


def test_a_sale_below_zero_is_owed_and_seeing_it_again_moves_nothing(store: SqliteMirrorStore) -> None:
    sale = order(10, line(100, 1, 3), line(101, 2, 2, variant=201), line(102, 3, 5))
    assert apply(store, sale) == 2  # product 3 is not a BackOrder product: not counted
    assert apply(store, sale) == 0
    assert apply(store, sale, sale) == 0
    now = levels(store)
    assert now[StockKey(1)] == -1 and now[StockKey(2, 201)] == 1 - 2
    entry = store.stock_history(1)[0]
    assert (entry.kind, entry.quantity, entry.source) == (AdjustmentKind.REMOVE, 3, AdjustmentSource.ORDER)
    assert entry.reason == "order #10, 3 × P1" and (entry.level_before, entry.level_after) == (2, -1)
    assert store.backordered_units() == 1 + 1
    assert store.order_lines_counted() == {100: 3, 101: 2}
    assert {e.item.key for e in store.outbox_entries()} == {StockKey(1), StockKey(2, 201)}


def test_cancel_refund_and_edit_move_the_difference(store: SqliteMirrorStore) -> None:
    apply(store, order(10, line(100, 1, 3)))
    apply(store, order(10, line(100, 1, 5), minutes=1))  # edited up: 2 more
    assert levels(store)[StockKey(1)] == 2 - 5
    apply(store, order(10, line(100, 1, 5, refunded=2), status=OrderStatus.PARTIALLY_REFUNDED, minutes=2))
    assert levels(store)[StockKey(1)] == 2 - 3
    apply(store, order(10, line(100, 1, 5, refunded=2), status=OrderStatus.CANCELLED, minutes=3))
    assert levels(store)[StockKey(1)] == 2
    assert [e.kind for e in store.stock_history(1)] == [AdjustmentKind.ADD] * 2 + [AdjustmentKind.REMOVE] * 2


def test_restore_never_keeps_cancelled_units_counted(store: SqliteMirrorStore) -> None:
    apply(store, order(10, line(100, 1, 3)), restore_on=RestoreOn.NEVER)
    apply(
        store, order(10, line(100, 1, 3), status=OrderStatus.CANCELLED, minutes=1), restore_on=RestoreOn.NEVER
    )
    assert levels(store)[StockKey(1)] == -1


def test_a_removed_line_gives_its_units_back(store: SqliteMirrorStore) -> None:
    apply(store, order(10, line(100, 1, 3), line(101, 1, 1)))
    apply(store, order(10, line(101, 1, 1), minutes=1))
    assert levels(store)[StockKey(1)] == 1
    assert store.order_lines_counted() == {100: 0, 101: 1}


def test_an_order_read_twice_in_one_batch_counts_its_last_reading(store: SqliteMirrorStore) -> None:
    """A webhook's fetch and a poll's page counted together: the line the later reading no longer
    has gives its units back, and a line that comes back counts again."""
    first, edited = order(10, line(100, 1, 3), line(101, 1, 1)), order(10, line(101, 1, 1), minutes=1)
    assert apply(store, first, edited) == 3
    assert levels(store)[StockKey(1)] == 1 and store.order_lines_counted() == {100: 0, 101: 1}
    back = order(10, line(100, 1, 2), line(101, 1, 1), minutes=2)
    assert apply(store, back, back) == 1
    assert levels(store)[StockKey(1)] == -1 and store.order_lines_counted() == {100: 2, 101: 1}
    assert sum(e.quantity for e in store.stock_history(1) if e.kind is AdjustmentKind.REMOVE) == 6


def test_an_older_reading_after_a_newer_one_is_skipped(store: SqliteMirrorStore) -> None:
    apply(store, order(10, line(100, 1, 3), status=OrderStatus.CANCELLED, minutes=5))
    assert apply(store, order(10, line(100, 1, 3), minutes=1)) == 0  # a poll's page, read before
    assert levels(store)[StockKey(1)] == 2


def test_orders_before_the_assignment_and_incomplete_ones_never_count(store: SqliteMirrorStore) -> None:
    early = order(11, line(110, 1, 4), created=-24 * 60)
    apply(store, early, order(12, line(120, 1, 4), status=OrderStatus.INCOMPLETE))
    assert levels(store)[StockKey(1)] == 2
    assert store.orders_waiting() == 0 and store.owed_orders() == []


def test_owed_orders_are_oldest_first_with_their_counted_lines(store: SqliteMirrorStore) -> None:
    apply(
        store,
        order(21, line(210, 2, 1, variant=202), created=5),
        order(20, line(200, 1, 2), line(201, 2, 1, variant=203), created=1),
        order(22, line(220, 1, 1), created=9, status=OrderStatus.SHIPPED),  # not waiting
        order(23, line(230, 1, 1), created=0, status=OrderStatus.CANCELLED),  # given back
    )
    owed = store.owed_orders()
    assert [o.order_id for o in owed] == [20, 21]
    assert owed[0].lines == ((StockKey(1), "P1", 2), (StockKey(2, 203), "P2-V3", 1)) and owed[0].units == 3
    assert owed[0].customer == "Jo Buyer" and store.orders_waiting() == 2
    assert [o.order_id for o in store.owed_orders(limit=1)] == [20]


def test_the_cursor_moves_with_the_counted_orders_in_one_transaction(store: SqliteMirrorStore) -> None:
    store.apply_orders([order(10, line(100, 1, 1))], restore_on=RestoreOn.BOTH, at=AFTER, cursor=("c", "x"))
    assert store.get_cursor("c") == "x" and store.first_assignment() == T0


def test_a_product_the_store_still_tracks_is_not_counted_from_its_orders(tmp_path: Path) -> None:
    """Method native: the store keeps counting the product's stock, and its sales reach the ledger as
    store moves; counting its orders as well would take each sale twice."""
    mirror = open_mirror(tmp_path / "native" / "mirror.sqlite3")
    try:
        mirror.apply_products([make_product(1, stock=2)], pass_id=None, keep_backorder_stock=True)
        mirror.save_settings(replace(mirror.load_settings(), backorder_method=BackorderMethod.NATIVE))
        mirror.assign([1], by="dana", at=T0)
        assert (
            mirror.apply_orders([order(10, line(100, 1, 3))], restore_on=RestoreOn.BOTH, at=AFTER).entries
            == 0
        )
        assert {item.key: item.level for item in mirror.stock_items()} == {StockKey(1): 2}
    finally:
        mirror.close()
