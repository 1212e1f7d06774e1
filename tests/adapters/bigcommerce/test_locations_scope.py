"""The Store Locations scope: product-level stock writes look up the default location, which needs
``store_locations_read_only`` (bigcommerce-api-notes §1, §5.1). The demo store hands out a token
without it; connect says it is missing, and a refused lookup names that scope, not "Inventory"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backorder_desktop.adapters.bigcommerce.client import BigCommerceClient
from backorder_desktop.adapters.bigcommerce.transport import RetryPolicy
from backorder_desktop.demo.generator import TRACK_PRODUCT
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import PermissionDenied
from backorder_desktop.domain.ports import StockWrite
from backorder_desktop.domain.stock import StockKey
from tests.integration.cli_runner import connect_cli

FAST = RetryPolicy(attempts=2, initial_delay_s=0.01, max_delay_s=0.02)
NO_LOCATIONS = "no-locations-token"

MakeStore = Callable[..., DemoStore]


def _product_tracked_by_product(store: DemoStore) -> int:
    with store.catalog.reading() as st:
        return next(p for p in st.live if st.cols.tracking[p - 1] == TRACK_PRODUCT)


def test_permissions_probe_the_store_locations_scope(make_demo_store: MakeStore) -> None:
    store = make_demo_store(no_locations_tokens=(NO_LOCATIONS,))
    with (
        BigCommerceClient(store.api_url, store.store_hash, store.token, retry=FAST) as full,
        BigCommerceClient(store.api_url, store.store_hash, NO_LOCATIONS, retry=FAST) as partial,
    ):
        everything = full.check_permissions()
        without = partial.check_permissions()

    assert everything.locations_read and everything.missing() == []
    assert not without.locations_read
    assert without.missing() == ["read store locations"]
    assert store.requests.count("GET", "/v3/inventory/locations", status=403) == 1


def test_a_refused_location_lookup_names_the_store_locations_scope(make_demo_store: MakeStore) -> None:
    store = make_demo_store(no_locations_tokens=(NO_LOCATIONS,))
    product_id = _product_tracked_by_product(store)
    before = store.catalog.get_product(product_id)["inventory_level"]
    with (
        BigCommerceClient(store.api_url, store.store_hash, NO_LOCATIONS, retry=FAST) as client,
        pytest.raises(PermissionDenied) as info,
    ):
        client.write_product_levels([StockWrite(StockKey(product_id), before + 5)])

    assert "“Store Locations” scope" in info.value.message
    assert "“Inventory”" not in info.value.message
    assert store.catalog.get_product(product_id)["inventory_level"] == before


def test_connect_says_the_store_locations_scope_is_missing(
    home: str, make_demo_store: MakeStore, secret_service: dict[str, str]
) -> None:
    store = make_demo_store(no_locations_tokens=(NO_LOCATIONS,))
    result = connect_cli(home, store, secret_service, token=NO_LOCATIONS)

    assert result.code == 0, result.stderr
    assert "Missing: read store locations." in result.stdout
    assert "Store Locations to 'read-only'" in result.stdout
    assert NO_LOCATIONS not in result.stdout + result.stderr
