"""Properties of the write path (hypothesis): applying a page twice is a no-op, and products round-trip."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage.pg_connection import NUL_STANDIN
from backorder_desktop.adapters.storage.pg_store import PgMirrorStore
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import Variant
from tests.adapters.storage.conftest import T0

ZONES = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))])
MOMENTS = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES)
LEVELS = st.integers(min_value=-(2**31), max_value=2**31 - 1)
PRICES = st.floats(min_value=-1e9, max_value=1e12, allow_nan=False, allow_infinity=False)


@st.composite
def products(draw: st.DrawFn, pid: int) -> Product:
    count = draw(st.integers(min_value=0, max_value=4))
    variants = tuple(
        Variant(
            id=pid * 10 + index,  # unique across products: pids are unique in a page
            product_id=pid,
            sku=draw(st.text(max_size=12)),
            inventory_level=draw(st.none() | LEVELS),
            price=draw(st.none() | PRICES),
            option_label=draw(st.text(max_size=20)),
            purchasing_disabled=draw(st.booleans()),
        )
        for index in range(count)
    )
    return Product(
        id=pid,
        name=draw(st.text(max_size=40)),
        sku=draw(st.text(max_size=12)),
        inventory_tracking=draw(st.sampled_from(InventoryTracking)),
        inventory_level=draw(LEVELS),
        price=draw(PRICES),
        is_visible=draw(st.booleans()),
        availability=draw(st.sampled_from(["available", "disabled", "preorder"])),
        date_modified=draw(MOMENTS),
        base_variant_id=variants[0].id if count == 1 else None,
        variants=variants,
    )


@st.composite
def pages(draw: st.DrawFn) -> list[Product]:
    ids = draw(st.lists(st.integers(min_value=1, max_value=60), unique=True, max_size=12))
    return [draw(products(pid)) for pid in ids]


PROPERTY = settings(
    max_examples=75,
    deadline=None,
    database=None,  # leave no .hypothesis folder in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(
    page=pages(),
    pass_id=st.none() | st.integers(1, 5),
    keep=st.booleans(),
    assigned=st.sets(st.integers(1, 60)),
)
def test_applying_the_same_page_twice_is_a_no_op(
    store: SqliteMirrorStore, page: list[Product], pass_id: int | None, keep: bool, assigned: set[int]
) -> None:
    # One store across examples: whatever an earlier example left in it, the property holds.
    store.assign(assigned, by="hypothesis", at=T0)
    store.apply_products(page, pass_id=pass_id, keep_backorder_stock=keep)
    again = store.apply_products(page, pass_id=pass_id, keep_backorder_stock=keep)
    assert (again.created, again.changed, again.unchanged) == (0, 0, len(page))
    store.unassign(assigned)


@PROPERTY
@given(page=pages())
def test_products_round_trip(store: SqliteMirrorStore, page: list[Product]) -> None:
    store.apply_products(page, pass_id=None, keep_backorder_stock=False)
    for product in page:
        assert store.get_product(product.id) == as_stored(product, store)


def as_stored(product: Product, store: SqliteMirrorStore) -> Product:
    """The product as the store keeps it: on PostgreSQL a NUL in a text becomes U+FFFD."""
    if isinstance(store, PgMirrorStore):
        variants = tuple(
            replace(v, sku=_text(v.sku), option_label=_text(v.option_label)) for v in product.variants
        )
        return replace(product, name=_text(product.name), sku=_text(product.sku), variants=variants)
    return product


def _text(value: str) -> str:
    return value.replace("\x00", NUL_STANDIN)
