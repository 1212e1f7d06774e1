"""The demo store's routes below ``/stores/{store_hash}/``: which handler, which OAuth scope."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from backorder_desktop.demo import inventory_routes as inventory
from backorder_desktop.demo import routes_catalog as catalog
from backorder_desktop.demo import routes_misc as misc
from backorder_desktop.demo import routes_orders as orders
from backorder_desktop.demo.context import Reply
from backorder_desktop.demo.context import Request
from backorder_desktop.demo.context import StoreContext

Handler = Callable[[StoreContext, Request, list[str]], Reply]


@dataclass(frozen=True)
class Route:
    """A path pattern, its handlers by method, the scope resource it needs (None: every token)."""

    pattern: re.Pattern[str]
    methods: dict[str, Handler]
    resource: str | None
    problem: bool = False  # the Inventory API answers errors as application/problem+json


def _route(path: str, methods: dict[str, Handler], resource: str | None, *, problem: bool = False) -> Route:
    return Route(re.compile(path), methods, resource, problem)


ROUTES: tuple[Route, ...] = (
    _route("v2/store", {"GET": misc.store_info}, "information"),
    _route("v2/time", {"GET": misc.server_time}, "information"),
    _route(
        "v3/catalog/products",
        {
            "GET": catalog.list_products,
            "POST": catalog.create_product,
            "PUT": catalog.update_products,
            "DELETE": catalog.delete_products,
        },
        "products",
    ),
    _route(
        "v3/catalog/products/([^/]+)",
        {"GET": catalog.get_product, "PUT": catalog.update_product, "DELETE": catalog.delete_product},
        "products",
    ),
    _route("v3/catalog/products/([^/]+)/variants", {"GET": catalog.product_variants}, "products"),
    _route("v3/catalog/variants", {"GET": catalog.list_variants, "PUT": catalog.update_variants}, "products"),
    _route("v3/catalog/summary", {"GET": catalog.summary}, "products"),
    _route("v3/inventory/adjustments/absolute", {"PUT": misc.adjust_absolute}, "inventory", problem=True),
    _route("v3/inventory/adjustments/relative", {"POST": misc.adjust_relative}, "inventory", problem=True),
    _route("v3/inventory/items", {"GET": inventory.inventory_items}, "inventory", problem=True),
    # The Locations API has its own scope (store_locations*), not the Inventory one (notes §1, §5.1).
    _route("v3/inventory/locations", {"GET": inventory.locations}, "locations", problem=True),
    _route(
        "v3/inventory/locations/([^/]+)/items",
        {"GET": inventory.location_items, "PUT": inventory.update_location_items},
        "inventory",
        problem=True,
    ),
    _route(
        "v3/settings/inventory",
        {"GET": orders.inventory_settings, "PUT": orders.update_inventory_settings},
        "information",
    ),
    _route("v2/orders", {"GET": orders.list_orders, "POST": orders.create_order}, "orders"),
    _route("v2/orders/count", {"GET": orders.count_orders}, "orders"),  # before v2/orders/{id}
    _route("v2/orders/([^/]+)", {"GET": orders.get_order, "PUT": orders.update_order}, "orders"),
    _route("v2/orders/([^/]+)/products", {"GET": orders.order_products}, "orders"),
    _route("v2/order_statuses", {"GET": orders.order_statuses}, "orders"),
    _route("v2/order_statuses/([^/]+)", {"GET": orders.order_status}, "orders"),
    _route("v3/orders/payment_actions/refunds", {"GET": orders.list_refunds}, "orders"),
    _route("v3/orders/payment_actions/refunds/([^/]+)", {"GET": orders.get_refund}, "orders"),
    _route(
        "v3/orders/([^/]+)/payment_actions/refunds",
        {"GET": orders.order_refunds, "POST": orders.create_refund},
        "orders",
    ),
    _route("v3/hooks", {"GET": misc.list_hooks, "POST": misc.create_hook}, None),
    _route(
        "v3/hooks/([^/]+)",
        {"GET": misc.get_hook, "PUT": misc.update_hook, "DELETE": misc.delete_hook},
        None,
    ),
)


def find(path: str) -> tuple[Route, list[str]] | None:
    """The route for ``path`` (below the store, no leading slash) and its path parameters."""
    for route in ROUTES:
        match = route.pattern.fullmatch(path)
        if match is not None:
            return route, list(match.groups())
    return None


def allowed(credentials_scopes: dict[str, str], resource: str | None, method: str) -> bool:
    """Whether a token's scopes allow ``method`` on ``resource`` (read-only scopes: GET and HEAD)."""
    if resource is None:
        return True
    level = credentials_scopes.get(resource)
    if level is None:
        return False
    return method in ("GET", "HEAD") or level == "modify"
