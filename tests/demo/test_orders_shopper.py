"""The shopper simulator: step by step from tests (seeded, deterministic) and paced by ``demo-store``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from backorder_desktop.demo.orders import OrderFilter
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.shopper import Shopper
from tests.demo.conftest import client_for
from tests.demo.orders_helpers import EMBED_LINES
from tests.demo.test_command import _demo_store
from tests.demo.test_command import _read_banner
from tests.demo.webhook_receiver import Receiver

_LINE_KEYS = ("id", "product_id", "variant_id", "quantity", "quantity_refunded")


def _orders_seen_over_http(store: DemoStore) -> list[tuple[Any, ...]]:
    """Every order as the API shows it: id, status, and its lines with what was refunded."""
    seen: list[tuple[Any, ...]] = []
    with client_for(store) as api:
        page = 1
        while (
            reply := api.get("/v2/orders", params={"limit": 250, "page": page, **EMBED_LINES})
        ).status_code == 200:
            for order in reply.json():
                lines = order["consignments"]["shipping"][0]["line_items"]
                seen.append(
                    (
                        order["id"],
                        order["status_id"],
                        order["refunded_amount"],
                        tuple(tuple(line[k] for k in _LINE_KEYS) for line in lines),
                    )
                )
            page += 1
    return seen


def _stock(store: DemoStore) -> dict[int, int]:
    return {pid: store.catalog.get_product(pid)["inventory_level"] for pid in store.catalog.product_ids()}


def test_the_same_seed_gives_the_same_orders_refunds_and_stock(
    make_demo_store: Callable[..., DemoStore],
) -> None:
    first, second, other = (make_demo_store(products=120, seed=5) for _ in range(3))
    log_first = Shopper(first.orders, seed=11).run(150)
    log_second = Shopper(second.orders, seed=11).run(150)
    log_other = Shopper(other.orders, seed=12).run(150)
    assert log_first == log_second
    assert _orders_seen_over_http(first) == _orders_seen_over_http(second)
    assert _stock(first) == _stock(second)
    assert log_other != log_first
    kinds = Counter(action.kind for action in log_first)
    assert {"order", "cancel", "refund", "partial_refund", "edit"} <= set(kinds), kinds
    assert kinds["order"] == len(first.orders) and kinds["order"] > 60


def test_each_step_acts_on_the_store_through_its_rules(demo_store: DemoStore) -> None:
    shopper = Shopper(demo_store.orders, seed=2)
    statuses: dict[int, int] = {}
    for _ in range(120):
        action = shopper.step()
        summaries = {s.id: s for s in demo_store.orders.summaries()}
        if action.kind == "order":
            assert action.order_id in summaries and action.order_id not in statuses
        elif action.kind == "cancel":
            assert summaries[action.order_id or 0].status_id == 5
        elif action.kind == "refund":
            assert summaries[action.order_id or 0].status_id == 4
            assert all(qty == refunded for _, qty, refunded in summaries[action.order_id or 0].lines)
        elif action.kind == "partial_refund":
            summary = summaries[action.order_id or 0]
            assert summary.status_id == 14 and any(qty > refunded for _, qty, refunded in summary.lines)
        statuses = {i: s.status_id for i, s in summaries.items()}
    assert shopper.log[-1] == action


def test_a_shopper_can_be_kept_to_some_products(demo_store: DemoStore) -> None:
    chosen = demo_store.catalog.product_ids()[10:13]
    Shopper(demo_store.orders, seed=4, product_ids=chosen).run(40)
    bought = {line.product_id for order in demo_store.orders.select(OrderFilter()) for line in order.lines}
    assert bought and bought <= set(chosen)


def test_demo_store_command_runs_a_shopper() -> None:
    with _demo_store("--products", "50", "--seed", "3", "--orders-per-minute", "600") as process:
        banner = _read_banner(process)
        base = f"{banner['API URL']}/stores/{banner['Store hash']}"
        with (
            Receiver() as receiver,
            httpx.Client(base_url=base, headers={"X-Auth-Token": banner["Token"]}) as api,
        ):
            hook = {"scope": "store/order/created", "destination": receiver.url}
            assert api.post("/v3/hooks", json=hook).status_code == 200
            created = receiver.next_for("store/order/created", timeout=20).payload
            order = api.get(f"/v2/orders/{created['data']['id']}")
            assert order.status_code == 200 and order.json()["items_total"] >= 1
