"""What an order line counts against stock for each status and each *restore stock on* choice."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backorder_desktop.domain.orders import OrderLine
from backorder_desktop.domain.orders import OrderStatus
from backorder_desktop.domain.orders import RestoreOn
from backorder_desktop.domain.orders import counted_units
from backorder_desktop.domain.orders import line_reason

LINE = OrderLine(id=7, order_id=100, product_id=1, variant_id=2, sku="SKU-1", name="Tent", quantity=3)


@pytest.mark.parametrize(
    ("status", "restore", "counted"),
    [
        (OrderStatus.PENDING, RestoreOn.BOTH, 3),
        (OrderStatus.INCOMPLETE, RestoreOn.NEVER, 0),  # an abandoned checkout is no sale
        (OrderStatus.DECLINED, RestoreOn.NEVER, 0),
        (OrderStatus.CANCELLED, RestoreOn.BOTH, 0),
        (OrderStatus.CANCELLED, RestoreOn.CANCEL, 0),
        (OrderStatus.CANCELLED, RestoreOn.REFUND, 3),
        (OrderStatus.CANCELLED, RestoreOn.NEVER, 3),
        (OrderStatus.REFUNDED, RestoreOn.BOTH, 0),
        (OrderStatus.REFUNDED, RestoreOn.REFUND, 0),
        (OrderStatus.REFUNDED, RestoreOn.CANCEL, 3),
        (OrderStatus.SHIPPED, RestoreOn.BOTH, 3),
    ],
)
def test_each_status_counts_by_the_restore_setting(
    status: OrderStatus, restore: RestoreOn, counted: int
) -> None:
    assert counted_units(LINE, status, restore) == counted


def test_a_partial_refund_gives_back_only_the_refunded_units() -> None:
    line = OrderLine(
        id=7, order_id=100, product_id=1, variant_id=None, sku="S", name="N", quantity=5, quantity_refunded=2
    )
    assert counted_units(line, OrderStatus.PARTIALLY_REFUNDED, RestoreOn.BOTH) == 3
    assert counted_units(line, OrderStatus.PARTIALLY_REFUNDED, RestoreOn.CANCEL) == 5


def test_a_status_this_version_does_not_know_counts_as_a_sale() -> None:
    assert OrderStatus.of(99) is None
    assert counted_units(LINE, 99, RestoreOn.BOTH) == 3


@given(
    quantity=st.integers(min_value=-5, max_value=1000),
    refunded=st.integers(min_value=-5, max_value=1000),
    status=st.integers(min_value=0, max_value=20),
    restore=st.sampled_from(list(RestoreOn)),
)
def test_a_line_never_counts_below_zero_or_above_its_quantity(
    quantity: int, refunded: int, status: int, restore: RestoreOn
) -> None:
    line = OrderLine(
        id=1,
        order_id=1,
        product_id=1,
        variant_id=None,
        sku="S",
        name="N",
        quantity=quantity,
        quantity_refunded=refunded,
    )
    assert 0 <= counted_units(line, status, restore) <= max(0, quantity)


def test_the_ledger_reason_names_the_order_and_the_sku() -> None:
    assert line_reason(1234, LINE, 2) == "order #1234, 2 × SKU-1"
