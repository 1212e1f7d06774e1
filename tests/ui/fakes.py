"""In-memory stand-ins for the window's widget tests: a mirror, a store and a launcher.

The real services (catalog, engine, credentials, events) run over these, so the widgets are tested
against the code the app runs; only the SQLite file and the HTTP store are replaced. The done-when
flows of issue 5 also run against the real app (``AppLauncher`` + demo store) in test_app_flows.py.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from backorder_desktop.domain.errors import AuthError
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.models import CatalogSummary
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import ProductPage
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.models import ProductSort
from backorder_desktop.domain.models import QuotaStatus
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.models import Variant
from backorder_desktop.domain.ports import ApplyResult
from backorder_desktop.domain.ports import Permissions
from backorder_desktop.domain.ports import RunCounts
from backorder_desktop.domain.ports import RunKind
from backorder_desktop.domain.ports import RunOutcome
from backorder_desktop.domain.ports import SyncRun
from backorder_desktop.domain.settings import Settings
from backorder_desktop.services.bundle import Services
from backorder_desktop.services.catalog import CatalogService
from backorder_desktop.services.credentials import CredentialsService
from backorder_desktop.services.credentials import token_key
from backorder_desktop.services.events import EventHub
from backorder_desktop.services.sync_engine import SyncEngine

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


class FakeMirror:
    """A thread-safe ``MirrorStore`` in memory."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.products: dict[int, Product] = {}
        self.backorder: set[int] = set()
        self.store: tuple[StoreInfo, str] | None = None
        self.cursors: dict[str, str] = {}
        self.run_list: list[SyncRun] = []
        self.seen: dict[int, set[int]] = {}
        self.settings = Settings()
        self.query_calls = 0

    def apply_products(
        self,
        products: Sequence[Product],
        *,
        pass_id: int | None,
        keep_backorder_stock: bool,
        at: object = None,
    ) -> ApplyResult:
        created = changed = unchanged = 0
        with self._lock:
            for product in products:
                old = self.products.get(product.id)
                if old is not None and keep_backorder_stock and product.id in self.backorder:
                    product = dataclasses.replace(
                        product, inventory_level=old.inventory_level, variants=old.variants
                    )
                if old is None:
                    created += 1
                elif old != product:
                    changed += 1
                else:
                    unchanged += 1
                self.products[product.id] = product
                if pass_id is not None:
                    self.seen.setdefault(pass_id, set()).add(product.id)
        return ApplyResult(created=created, changed=changed, unchanged=unchanged)

    def unseen_product_ids(self, pass_id: int) -> list[int]:
        with self._lock:
            return sorted(set(self.products) - self.seen.get(pass_id, set()))

    def remove_unseen(self, pass_id: int) -> int:
        return self.delete_products(self.unseen_product_ids(pass_id))

    def delete_products(self, ids: Iterable[int]) -> int:
        with self._lock:
            gone = [i for i in ids if self.products.pop(i, None) is not None]
            return len(gone)

    def product_count(self) -> int:
        return len(self.products)

    def variant_count(self) -> int:
        with self._lock:
            return sum(len(p.variants) for p in self.products.values())

    def get_product(self, product_id: int) -> Product | None:
        return self.products.get(product_id)

    def search_products(
        self, query: str = "", *, backorder_only: bool = False, limit: int | None = None, offset: int = 0
    ) -> list[Product]:
        found = self._matching(ProductQuery(text=query, backorder_only=backorder_only))
        return found[offset : None if limit is None else offset + limit]

    def _matching(self, query: ProductQuery) -> list[Product]:
        text = query.text.strip().lower()
        with self._lock:
            items = list(self.products.values())
            backorder = set(self.backorder)
        out = []
        for p in items:
            in_variants = any(text in v.sku.lower() for v in p.variants)
            if text and text not in p.name.lower() and text not in p.sku.lower() and not in_variants:
                continue
            if query.backorder_only and p.id not in backorder:
                continue
            if query.visible is not None and p.is_visible != query.visible:
                continue
            if query.out_of_stock and not (
                p.inventory_tracking is not InventoryTracking.NONE and p.inventory_level <= 0
            ):
                continue
            out.append(p)
        key = {
            ProductSort.ID: lambda p: p.id,
            ProductSort.NAME: lambda p: (p.name.lower(), p.id),
            ProductSort.SKU: lambda p: (p.sku.lower(), p.id),
            ProductSort.INVENTORY_LEVEL: lambda p: (p.inventory_level, p.id),
            ProductSort.IS_VISIBLE: lambda p: (p.is_visible, p.id),
            ProductSort.AVAILABILITY: lambda p: (p.availability, p.id),
            ProductSort.DATE_MODIFIED: lambda p: (p.date_modified, p.id),
        }[query.sort]
        out.sort(key=key, reverse=query.descending)
        return out

    def query_products(self, query: ProductQuery, *, limit: int, offset: int = 0) -> list[Product]:
        self.query_calls += 1
        return self._matching(query)[offset : offset + limit]

    def count_products(self, query: ProductQuery) -> int:
        return len(self._matching(query))

    def find_product_ids(self, refs: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        with self._lock:
            for ref in refs:
                if ref.isdigit() and int(ref) in self.products:
                    found[ref] = int(ref)
                    continue
                for p in self.products.values():
                    if p.sku == ref or any(v.sku == ref for v in p.variants):
                        found[ref] = p.id
                        break
        return found

    def set_store(self, info: StoreInfo, api_url: str) -> None:
        self.store = (info, api_url)

    def get_store(self) -> tuple[StoreInfo, str] | None:
        return self.store

    def assign(self, product_ids: Iterable[int], *, by: str, at: datetime) -> int:
        with self._lock:
            new = set(product_ids) - self.backorder
            self.backorder |= new
            return len(new)

    def unassign(self, product_ids: Iterable[int]) -> int:
        with self._lock:
            gone = set(product_ids) & self.backorder
            self.backorder -= gone
            return len(gone)

    def backorder_product_ids(self) -> set[int]:
        with self._lock:
            return set(self.backorder)

    def get_cursor(self, name: str) -> str | None:
        return self.cursors.get(name)

    def set_cursor(self, name: str, value: str | None) -> None:
        if value is None:
            self.cursors.pop(name, None)
        else:
            self.cursors[name] = value

    def start_run(
        self, *, kind: RunKind, trigger: str, mode: InventorySource, full: bool, at: datetime
    ) -> int:
        with self._lock:
            run = SyncRun(
                id=len(self.run_list) + 1,
                kind=kind,
                trigger=trigger,
                mode=mode,
                full=full,
                started_at=at,
                finished_at=None,
                outcome=RunOutcome.RUNNING,
                counts=RunCounts(),
            )
            self.run_list.append(run)
            return run.id

    def finish_run(
        self,
        run_id: int,
        *,
        outcome: RunOutcome,
        counts: RunCounts,
        at: datetime,
        problems: Sequence[ItemProblem] = (),
        error: tuple[str, str] | None = None,
    ) -> None:
        with self._lock:
            run = self.run_list[run_id - 1]
            self.run_list[run_id - 1] = dataclasses.replace(
                run,
                finished_at=at,
                outcome=outcome,
                counts=dataclasses.replace(counts),
                problems=tuple(problems),
                error_title=error[0] if error else None,
                error_message=error[1] if error else None,
            )

    def runs(self, limit: int = 50) -> list[SyncRun]:
        with self._lock:
            return list(reversed(self.run_list))[:limit]

    def abandon_running_runs(self, *, at: datetime) -> int:
        return 0

    def last_run(self, *, kind: RunKind | None = None, successful: bool = True) -> SyncRun | None:
        for run in self.runs(limit=10_000):
            if kind is not None and run.kind is not kind:
                continue
            if successful and run.outcome not in (RunOutcome.OK, RunOutcome.PARTIAL):
                continue
            return run
        return None

    def load_settings(self) -> Settings:
        return self.settings

    def save_settings(self, settings: Settings) -> None:
        self.settings = settings

    def close(self) -> None:
        pass


class FakeStore:
    """A ``CatalogSource`` over a generated catalog, with switches for errors and holding pages.

    ``hold`` (an Event) keeps every page request waiting until it is set, so a test can press
    buttons while a sync is in flight without sleeping.
    """

    def __init__(self, products: int = 120, *, name: str = "Dana's Bikes") -> None:
        self.catalog = [make_product(i, variants=3 if i % 10 == 0 else 1) for i in range(1, products + 1)]
        self.info = StoreInfo(store_hash="abc123", name=name, plan_name="Plus")
        self.error: BackorderError | None = None
        self.hold: threading.Event | None = None
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
    ) -> ProductPage:
        self.page_requests += 1
        if self.hold is not None and not self.hold.wait(timeout=20):
            raise BackorderError("the test never released the held page")
        self._check()
        items = self.catalog
        if ids is not None:
            wanted = set(ids)
            items = [p for p in items if p.id in wanted]
        if modified_since is not None:
            items = [p for p in items if p.date_modified >= modified_since]
        pages = max(1, -(-len(items) // limit))
        chunk = tuple(items[(page - 1) * limit : page * limit])
        return ProductPage(products=chunk, page=page, total_pages=pages, total=len(items))

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
    """A ``Launcher``: ``open_profile`` gives an empty profile, ``open_demo`` a connected one."""

    def __init__(self, tmp_dir: str, *, products: int = 120) -> None:
        self.tmp_dir = tmp_dir
        self.store = FakeStore(products)
        self.secrets = MemorySecrets()
        self.opened: list[Services] = []
        self.closed = 0
        self.mirror: FakeMirror | None = None

    def _services(self, *, demo: bool) -> Services:
        mirror = self.mirror = FakeMirror()
        events = EventHub()
        store = self.store

        def client_factory(api_url: str, store_hash: str, token: str) -> FakeStore:
            if token != GOOD_TOKEN:
                raise AuthError("The store refused this token. Create a new API account token.", status=401)
            return store

        credentials = CredentialsService(secrets=self.secrets, mirror=mirror, client_factory=client_factory)

        def source_factory() -> FakeStore:
            info, _ = credentials.connected_store()
            if credentials.token(info.store_hash) != GOOD_TOKEN:
                raise AuthError("The store refused the token.", status=401)
            return store

        engine = SyncEngine(mirror=mirror, source_factory=source_factory, clock=Clock(), events=events)
        catalog = CatalogService(mirror=mirror, clock=Clock(), keyring_backend=lambda: "memory (tests)")
        if demo:
            mirror.set_store(StoreInfo(store_hash="demo", name="Demo store", plan_name="Demo"), "http://demo")
            self.secrets.values[token_key("demo")] = GOOD_TOKEN

        def close() -> None:
            self.closed += 1

        services = Services(
            catalog=catalog,
            engine=engine,
            credentials=credentials,
            events=events,
            profile_dir=self.tmp_dir,
            log_dir=self.tmp_dir,
            database_path=f"{self.tmp_dir}/mirror.sqlite3",
            keyring_backend="memory (tests)",
            is_demo=demo,
            close=close,
        )
        self.opened.append(services)
        return services

    def open_profile(self) -> Services:
        return self._services(demo=False)

    def open_demo(self) -> Services:
        return self._services(demo=True)
