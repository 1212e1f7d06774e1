"""The windowed products model: placeholders, windows loaded on workers, sorting, filters, refresh."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.models import ProductSort
from backorder_desktop.domain.stock_policy import READ_ONLY_ERP
from backorder_desktop.domain.stock_policy import READ_ONLY_NOT_BACKORDER
from backorder_desktop.domain.stock_policy import StockPolicy
from backorder_desktop.services.catalog import CatalogService
from backorder_desktop.ui.models.catalog_columns import Column
from backorder_desktop.ui.models.catalog_table_model import PAGE_SIZE
from backorder_desktop.ui.models.catalog_table_model import CatalogTableModel
from tests.ui.fakes import Clock
from tests.ui.fakes import make_product

pytestmark = pytest.mark.gui


class CountingMirror(SqliteMirrorStore):
    """The real mirror, recording which threads read the catalog (never the GUI thread) and how
    many windows were asked for."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.reader_threads: set[str] = set()
        self.query_calls = 0

    def query_products(self, query, *, limit, offset=0):
        self.reader_threads.add(threading.current_thread().name)
        self.query_calls += 1
        return super().query_products(query, limit=limit, offset=offset)

    def count_products(self, query):
        self.reader_threads.add(threading.current_thread().name)
        return super().count_products(query)


@pytest.fixture
def mirror(tmp_path) -> Iterator[CountingMirror]:
    mirror = CountingMirror(tmp_path / "mirror.sqlite3")
    mirror.apply_products([make_product(i) for i in range(1, 1001)], pass_id=None, keep_backorder_stock=False)
    yield mirror
    mirror.close()


class _TableReads:
    """The three reads of the ``Profile`` facade the table makes, over the real catalog service
    (the counting mirror under it counts the queries)."""

    def __init__(self, catalog: CatalogService) -> None:
        self._catalog = catalog

    def query_products(self, query, *, limit: int, offset: int = 0):
        return self._catalog.query(query, limit=limit, offset=offset)

    def count_products(self, query) -> int:
        return self._catalog.count(query)

    def backorder_ids(self) -> set[int]:
        return self._catalog.backorder_ids()


@pytest.fixture
def model(qtbot, runner, mirror) -> Iterator[CatalogTableModel]:
    model = CatalogTableModel(runner)
    catalog = _TableReads(CatalogService(mirror=mirror, clock=Clock(), keyring_backend=lambda: None))
    with qtbot.waitSignal(model.query_answered, timeout=5000):
        model.set_profile(catalog)
    qtbot.waitUntil(lambda: not model.is_loading(), timeout=5000)  # the count follows the first rows
    yield model
    # Before the mirror closes: no window loading from it, none waiting for the flush timer.
    qtbot.waitUntil(lambda: runner.is_idle() and not model.is_loading(), timeout=10_000)


def _cell(model: CatalogTableModel, row: int, column: Column, role=Qt.ItemDataRole.DisplayRole):
    return model.data(model.index(row, column), role)


def test_first_window_arrives_with_the_count_and_others_load_on_demand(qtbot, model, mirror) -> None:
    assert model.rowCount() == 1000
    assert _cell(model, 0, Column.NAME) == "Product 00001"
    far = 3 * PAGE_SIZE + 5
    assert _cell(model, far, Column.NAME) == "Loading…"
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        pass
    assert _cell(model, far, Column.NAME) == f"Product {far + 1:05d}"
    assert _cell(model, far, Column.SKU) == f"SKU-{far + 1:05d}"
    assert threading.main_thread().name not in mirror.reader_threads


def test_sort_and_filters_query_the_mirror(qtbot, model) -> None:
    with qtbot.waitSignal(model.query_answered, timeout=5000):
        model.sort(Column.NAME, Qt.SortOrder.DescendingOrder)
    assert model.query.sort is ProductSort.NAME and model.query.descending
    assert _cell(model, 0, Column.NAME) == "Product 01000"

    with qtbot.waitSignal(model.query_answered, timeout=5000):
        model.set_query(ProductQuery(text="SKU-0099"))
    assert model.rowCount() == 10  # SKU-00990 … SKU-00999
    with qtbot.waitSignal(model.query_answered, timeout=5000):
        model.set_query(ProductQuery(visible=False))
    assert model.rowCount() == 200
    assert _cell(model, 0, Column.VISIBILITY) == "Hidden"


def test_refresh_keeps_rows_shown_and_follows_assignments(qtbot, model, mirror) -> None:
    assert _cell(model, 0, Column.BACKORDER) == "No"
    mirror.assign({1}, by="test", at=Clock().now())
    with qtbot.waitSignal(model.count_changed, timeout=5000):
        model.refresh()
    assert _cell(model, 0, Column.NAME) == "Product 00001"  # the stale row stays while it reloads
    qtbot.waitUntil(lambda: not model.is_loading(), timeout=5000)
    assert _cell(model, 0, Column.BACKORDER) == "Yes"

    mirror.apply_products([make_product(2000)], pass_id=None, keep_backorder_stock=False)
    with qtbot.waitSignal(model.count_changed, timeout=5000):
        model.refresh()
    assert model.rowCount() == 1001


def test_stock_is_read_only_with_a_reason(qtbot, model, mirror) -> None:
    tooltip = _cell(model, 1, Column.STOCK, Qt.ItemDataRole.ToolTipRole)
    assert tooltip == READ_ONLY_NOT_BACKORDER
    mirror.assign({1}, by="test", at=Clock().now())
    with qtbot.waitSignal(model.count_changed, timeout=5000):
        model.refresh()
    model.set_stock_policy(StockPolicy(mode=InventorySource.ERP, editing_available=True))
    index = model.index(0, Column.STOCK)
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) == READ_ONLY_ERP
    assert not model.flags(index) & Qt.ItemFlag.ItemIsEditable

    model.set_stock_policy(StockPolicy(mode=InventorySource.BIGCOMMERCE, editing_available=True))
    assert model.flags(index) & Qt.ItemFlag.ItemIsEditable
    with qtbot.waitSignal(model.stock_edit_requested, timeout=1000) as blocker:
        assert model.setData(index, 42)
    assert blocker.args[1] == 42


def test_fast_scrolling_loads_the_last_windows_asked(qtbot, model, mirror) -> None:
    before = mirror.query_calls
    for page in range(4):  # the view asked for windows 1..4 while scrolling past them
        _cell(model, page * PAGE_SIZE + 1, Column.NAME)
    qtbot.waitUntil(lambda: not model.is_loading(), timeout=5000)
    assert mirror.query_calls - before <= 4
    assert _cell(model, 3 * PAGE_SIZE + 1, Column.NAME) == f"Product {3 * PAGE_SIZE + 2:05d}"


def test_names_and_skus_sort_by_their_numbers(qtbot, model, mirror) -> None:
    """Natural order, as a merchant reads numbers: "#19555" before "#113332"."""
    odd = [
        dataclasses.replace(make_product(5000 + n), name=f"Chain {name}", sku=f"CH-{sku}")
        for n, (name, sku) in enumerate([("#113332", "113332"), ("#19555", "19555"), ("#2", "2")])
    ]
    mirror.apply_products(odd, pass_id=None, keep_backorder_stock=False)
    with qtbot.waitSignal(model.query_answered, timeout=5000):
        model.set_query(ProductQuery(text="chain"))
    names = [_cell(model, row, Column.NAME) for row in range(3)]
    assert names == ["Chain #2", "Chain #19555", "Chain #113332"]
    with qtbot.waitSignal(model.query_answered, timeout=5000):
        model.sort(Column.SKU, Qt.SortOrder.DescendingOrder)
    assert [_cell(model, row, Column.SKU) for row in range(3)] == ["CH-113332", "CH-19555", "CH-2"]
    with qtbot.waitSignal(model.query_answered, timeout=5000):
        model.set_query(ProductQuery())
    names = [_cell(model, row, Column.NAME) for row in range(14)]
    assert names[:4] == ["Chain #2", "Chain #19555", "Chain #113332", "Product 00001"]
    assert names[12] == "Product 00010"  # zero-padded numbers keep their order
