"""Stand-ins for the window's widget tests: a store, a keyring and a launcher.

The launcher opens the real ``Profile`` (``app.open_profile``) over a real SQLite file in the
test's temporary folder, so the widgets are tested against the code and the database the app
runs; only the HTTP store and the keyring are replaced. The main flows also run against the real
app (``AppLauncher`` + demo store) in test_app_flows.py.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.app import open_profile
from backorder_desktop.domain.errors import AuthError
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.keys import token_key
from backorder_desktop.domain.models import CatalogSummary
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import ProductPage
from backorder_desktop.domain.models import QuotaStatus
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.models import Variant
from backorder_desktop.domain.ports import Permissions
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.store_onhand import OnHandLevels
from backorder_desktop.services.profile import Profile

GOOD_TOKEN = "good-token"
BASE_TIME = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def make_product(pid: int, *, variants: int = 1, level: int | None = None) -> Product:
    tracking = InventoryTracking.VARIANT if variants > 1 else InventoryTracking.PRODUCT
    stock = level if level is not None else (pid * 7) % 23
    own = tuple(
        Variant(
            id=pid * 10 + n,
            product_id=pid,
            sku=f"SKU-{pid:05d}" + (f"-{n}" if variants > 1 else ""),
            inventory_level=stock,
            option_label=f"Size {n}" if variants > 1 else "",
        )
        for n in range(variants)
    )
    return Product(
        id=pid,
        name=f"Product {pid:05d}",
        sku=f"SKU-{pid:05d}",
        inventory_tracking=tracking,
        inventory_level=stock * variants,
        price=10.0 + pid,
        is_visible=pid % 5 != 0,
        availability="available",
        date_modified=BASE_TIME + timedelta(minutes=pid),
        base_variant_id=own[0].id if variants == 1 else None,
        variants=own,
    )


class FakeStore:
    """A ``CatalogSource`` over a generated catalog, with switches for errors and holding pages.

    ``hold`` (an Event) keeps every page request waiting until it is set, so a test can press
    buttons while a sync is in flight without sleeping; ``page_gate`` (a Semaphore) lets pages
    through one release at a time.
    """

    def __init__(self, products: int = 120, *, name: str = "Dana's Bikes") -> None:
        self.catalog = [make_product(i, variants=3 if i % 10 == 0 else 1) for i in range(1, products + 1)]
        self.info = StoreInfo(store_hash="abc123", name=name, plan_name="Plus")
        self.error: BackorderError | None = None
        self.hold: threading.Event | None = None
        self.page_gate: threading.Semaphore | None = None
        self.page_requests = 0
        self.quota_left = 120

    def _check(self) -> None:
        if self.error is not None:
            raise self.error

    def get_store(self) -> StoreInfo:
        self._check()
        return self.info

    def check_permissions(self) -> Permissions:
        self._check()
        return Permissions(True, True, True, True)

    def get_products_page(
        self,
        page: int,
        *,
        limit: int = 250,
        modified_since: datetime | None = None,
        ids: Sequence[int] | None = None,
        id_between: tuple[int, int] | None = None,
    ) -> ProductPage:
        self.page_requests += 1
        if self.hold is not None and not self.hold.wait(timeout=20):
            raise BackorderError("the test never released the held page")
        if self.page_gate is not None and not self.page_gate.acquire(timeout=20):
            raise BackorderError("the test never let this page through")
        self._check()
        items = self.catalog
        if ids is not None:
            wanted = set(ids)
            items = [p for p in items if p.id in wanted]
        if modified_since is not None:
            items = [p for p in items if p.date_modified >= modified_since]
        if id_between is not None:
            items = [p for p in items if id_between[0] < p.id < id_between[1]]
        pages = max(1, -(-len(items) // limit))
        chunk = tuple(items[(page - 1) * limit : page * limit])
        return ProductPage(products=chunk, page=page, total_pages=pages, total=len(items))

    def read_onhand(self, keys: Sequence[StockKey]) -> OnHandLevels:
        """No safety stock in this store: on hand is the catalog's level."""
        self._check()
        by_id = {p.id: p for p in self.catalog}
        levels = OnHandLevels()
        for key in keys:
            product = by_id.get(key.product_id)
            if product is None:
                continue
            if key.variant_id is None:
                levels[key] = product.inventory_level
            for variant in product.variants:
                if variant.id == key.variant_id:
                    levels[key] = variant.inventory_level or 0
        return levels

    def get_catalog_summary(self) -> CatalogSummary:
        return CatalogSummary(variant_count=sum(len(p.variants) for p in self.catalog), inventory_count=0)

    def server_time(self) -> datetime:
        self._check()
        return datetime.now(UTC)

    def quota(self) -> QuotaStatus:
        return QuotaStatus(self.quota_left, 150, 30_000, 30_000)

    def close(self) -> None:
        pass


class MemorySecrets:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.error: BackorderError | None = None

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def set(self, key: str, value: str) -> None:
        if self.error is not None:
            raise self.error
        self.values[key] = value

    def delete(self, key: str) -> None:
        self.values.pop(key, None)

    def backend_name(self) -> str:
        return "memory (tests)"


class FakeLauncher:
    """A ``Launcher``: ``open_profile`` gives an empty profile, ``open_demo`` a connected one.

    Each is the real ``Profile`` of ``app.open_profile`` on a real SQLite file in the test's
    folder; only the store (``FakeStore``) and the keyring (``MemorySecrets``) are stand-ins.
    """

    def __init__(self, tmp_dir: str, *, products: int = 120) -> None:
        self.tmp_dir = tmp_dir
        self.store = FakeStore(products)
        self.secrets = MemorySecrets()
        self.opened: list[Profile] = []
        self.closed = 0
        self.mirror: SqliteMirrorStore | None = None

    def _open(self, *, demo: bool) -> Profile:
        store = self.store

        def store_api(api_url: str, store_hash: str, token: str) -> FakeStore:
            if token != GOOD_TOKEN:
                raise AuthError("The store refused this token. Create a new API account token.", status=401)
            return store

        home = Path(self.tmp_dir) / ("demo-profile" if demo else "profile")
        profile = open_profile(home, secret_store=self.secrets, store_api=store_api)
        self.mirror = profile.parts.mirror  # type: ignore[assignment]
        if demo:
            profile.parts.info = replace(profile.parts.info, is_demo=True)
            profile.parts.mirror.set_store(
                StoreInfo(store_hash="demo", name="Demo store", plan_name="Demo"), "http://demo"
            )
            self.secrets.values[token_key("demo")] = GOOD_TOKEN
        profile.parts.closers.append(self._count_close)
        self.opened.append(profile)
        return profile

    def _count_close(self) -> None:
        self.closed += 1

    def open_profile(self) -> Profile:
        return self._open(demo=False)

    def open_demo(self) -> Profile:
        return self._open(demo=True)
