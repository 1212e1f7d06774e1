"""``/v2/orders`` replies → domain orders: well-formed pages, orders that cannot be counted (reported,
never half-counted), unknown fields ignored, and junk that never raises."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from backorder_desktop.adapters.bigcommerce.orders import map_order
from backorder_desktop.adapters.bigcommerce.orders import map_orders_page
from backorder_desktop.domain.errors import MalformedReply


def line(line_id: int = 11, **fields: Any) -> dict[str, Any]:
    return {
        "id": line_id,
        "order_id": 100,
        "product_id": 5,
        "variant_id": 7,
        "sku": "TENT-2",
        "name": "Ripstop Tent",
        "quantity": 2,
        "quantity_refunded": 0,
        "quantity_shipped": 0,
        **fields,
    }


def order(order_id: int = 100, lines: list[Any] | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "id": order_id,
        "status_id": 11,
        "date_created": "Tue, 01 Dec 2026 09:30:00 +0000",
        "date_modified": "Wed, 02 Dec 2026 10:00:05 +0100",
        "billing_address": {"first_name": "Ada ", "last_name": "Lovelace", "email": "ada@example.com"},
        "consignments": {"shipping": [{"id": 1, "line_items": lines if lines is not None else [line()]}]},
        **fields,
    }


def test_a_well_formed_order_with_embedded_lines() -> None:
    mapped = map_order(order(lines=[line(), line(12, variant_id=0, quantity=1, quantity_refunded=1)]))
    assert (mapped.id, mapped.status_id, mapped.customer) == (100, 11, "Ada Lovelace")
    assert mapped.date_created == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert mapped.date_modified == datetime(2026, 12, 2, 9, 0, 5, tzinfo=UTC)  # +0100 read as UTC
    first, second = mapped.lines
    assert (first.id, first.order_id, first.product_id, first.variant_id, first.sku, first.quantity) == (
        11,
        100,
        5,
        7,
        "TENT-2",
        2,
    )
    assert (second.variant_id, second.quantity_refunded) == (None, 1)  # variant 0 = the product itself


def test_lines_of_every_consignment_kind_are_read() -> None:
    raw = order()
    raw["consignments"]["pickups"] = [{"line_items": [line(21)]}]
    raw["consignments"]["downloads"] = [{"line_items": [line(31)]}]
    assert [item.id for item in map_order(raw).lines] == [11, 21, 31]


def test_unknown_fields_are_ignored_and_a_missing_name_falls_back_to_the_email() -> None:
    raw = order(channel_id=3, new_field={"x": 1}, billing_address={"email": "bo@example.com"})
    raw["consignments"]["shipping"][0]["line_items"][0]["quantity_backordered"] = 2
    mapped = map_order(raw)
    assert mapped.customer == "bo@example.com"
    assert mapped.lines[0].quantity == 2


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"status_id": "11"}, "status_id"),
        ({"date_modified": ""}, "date_modified"),
        ({"date_created": "yesterday"}, "date_created"),
        ({"consignments": {"url": "https://store/consignments"}}, "not embedded"),
        ({"consignments": {"shipping": [{"line_items": None}]}}, "line_items"),
    ],
)
def test_an_order_that_cannot_be_read_whole_is_a_problem_and_the_rest_of_the_page_counts(
    change: dict[str, Any], why: str
) -> None:
    page = map_orders_page([order(1), order(2, **change), order(3)])
    assert [o.id for o in page.orders] == [1, 3]
    assert page.size == 3  # a short page is the last: the unreadable order still counts as sent
    [problem] = page.problems
    assert problem.item == "order #2" and why in problem.message


def test_a_malformed_line_keeps_its_whole_order_out() -> None:
    page = map_orders_page([order(4, lines=[line(), line(12, quantity=-1)])])
    assert page.orders == () and page.problems[0].item == "order #4"


def test_204_is_an_empty_page_and_a_reply_that_is_no_list_is_malformed() -> None:
    assert map_orders_page(None).orders == ()
    with pytest.raises(MalformedReply):
        map_orders_page({"data": []})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(
    junk=st.lists(
        json_values | st.builds(order, st.integers(), st.lists(json_values, max_size=3)), max_size=5
    )
)
def test_junk_never_raises_and_every_item_is_an_order_or_a_problem(junk: list[Any]) -> None:
    page = map_orders_page(junk)
    assert len(page.orders) + len(page.problems) == len(junk) == page.size
