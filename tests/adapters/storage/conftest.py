"""Storage test helpers: the store on a real SQLite file in tmp_path and on a real PostgreSQL
database (``store`` runs each test on both), and product builders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.adapters.storage import open_team_mirror
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import Variant

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def make_product(
    pid: int,
    *,
    variants: int = 1,
    tracking: InventoryTracking | None = None,
    stock: int = 10,
    name: str | None = None,
    price: float = 9.99,
) -> Product:
    """A product with ``variants`` variants (ids pid*100+1 …); one variant is a base variant.

    Levels are consistent as BigCommerce reports them: a product without options shows its level
    on its base variant; a product tracking by variant shows the sum of its variants (stock + i).
    """
    if tracking is None:
        tracking = InventoryTracking.VARIANT if variants > 1 else InventoryTracking.PRODUCT
    items = tuple(
        Variant(
            id=pid * 100 + i,
            product_id=pid,
            sku=f"P{pid}" if variants == 1 else f"P{pid}-V{i}",
            inventory_level=stock if variants == 1 else stock + i,
            price=price,
            option_label="" if variants == 1 else f"Size {i}",
        )
        for i in range(1, variants + 1)
    )
    return Product(
        id=pid,
        name=name if name is not None else f"Product {pid}",
        sku=f"P{pid}",
        inventory_tracking=tracking,
        inventory_level=sum(v.inventory_level or 0 for v in items)
        if tracking is InventoryTracking.VARIANT
        else stock,
        price=price,
        is_visible=True,
        availability="available",
        date_modified=T0,
        base_variant_id=items[0].id if variants == 1 else None,
        variants=items,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "profile" / "mirror.sqlite3"


@pytest.fixture
def sqlite_store(db_path: Path) -> Iterator[SqliteMirrorStore]:
    """The store on its SQLite file, for tests that look into the file (or its side copy) itself."""
    mirror = open_mirror(db_path)
    try:
        yield mirror
    finally:
        mirror.close()


# For a test that looks into the SQLite file (pragmas, the side copy, a full disk): the store on
# SQLite only.
SQLITE_FILE = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Iterator[SqliteMirrorStore]:
    """The store on each backend: its SQLite file, and a team database on a throwaway PostgreSQL
    server (``open_team_mirror``): every test of the store's behaviour runs on both."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_store")
        return
    mirror = open_team_mirror(request.getfixturevalue("postgres_url"))
    try:
        yield mirror
    finally:
        mirror.close()
