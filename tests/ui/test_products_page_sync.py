"""The products page while a sync runs: rows appear as pages land, the count follows them (with an
estimate during a full pull), and the variants pane is roomy at the default window size."""

from __future__ import annotations

import threading

import pytest

from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.status import SyncState
from backorder_desktop.ui.main_window import DEFAULT_SIZE
from backorder_desktop.ui.pages.variants_pane import VISIBLE_ROWS
from tests.ui.conftest import wait_idle
from tests.ui.fakes import FakeLauncher
from tests.ui.fakes import make_product

pytestmark = pytest.mark.gui


def test_the_first_sync_shows_rows_as_pages_land_with_a_count_and_an_estimate(
    qtbot, tmp_path, make_controller
) -> None:
    launcher = FakeLauncher(str(tmp_path), products=1000)  # 4 pages of 250
    gate = launcher.store.page_gate = threading.Semaphore(1)  # the first page only, for now
    controller = make_controller(launcher)
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start(start_demo=True)  # an empty demo profile: its first sync starts by itself
    products = controller.window.products
    qtbot.waitUntil(lambda: products.model.rowCount() == 250, timeout=20_000)
    qtbot.waitUntil(lambda: products.count_label.text() == "250 of ~1,000 products", timeout=20_000)
    assert controller.window.is_syncing()
    qtbot.waitUntil(lambda: products.model.product_at(0) is not None, timeout=20_000)
    assert products.model.product_at(0).name == "Product 00001"

    gate.release(3)
    qtbot.waitUntil(lambda: products.count_label.text() == "1,000 products", timeout=20_000)
    wait_idle(qtbot, controller)
    assert products.model.rowCount() == 1000 and not controller.window.is_syncing()


def test_a_search_count_follows_the_data_during_a_sync(qtbot, demo, fake_launcher) -> None:
    products = demo.window.products
    products.search_box.setText("product")
    products.search_box.returnPressed.emit()
    qtbot.waitUntil(lambda: products.count_label.text() == "120 products", timeout=20_000)
    store = fake_launcher.store
    store.catalog.extend(make_product(pid) for pid in range(121, 721))  # 720 products: 3 pages
    gate = store.page_gate = threading.Semaphore(1)
    engine = demo.profile.parts.engine
    full = threading.Thread(
        target=lambda: engine.sync(kind=RunKind.AUTOMATIC, trigger=RunTrigger.DAILY, full=True)
    )
    full.start()
    # Page 1 holds products 1-250: 130 new ones match the search; no estimate for a search.
    qtbot.waitUntil(lambda: products.count_label.text() == "250 products", timeout=20_000)
    assert demo.bridge.current_state is SyncState.SYNCING
    gate.release(2)
    full.join()
    qtbot.waitUntil(lambda: products.count_label.text() == "720 products", timeout=20_000)
    wait_idle(qtbot, demo)


def test_the_variants_pane_shows_eight_rows_at_the_default_size(qtbot, demo) -> None:
    window = demo.window
    window.resize(*DEFAULT_SIZE)
    window.show()
    qtbot.waitExposed(window)
    products = window.products
    products.select_rows(9, 9)  # product 10 has 3 variants
    qtbot.waitUntil(lambda: products.variants.table.rowCount() == 3, timeout=20_000)
    table = products.variants.table
    rows_shown = table.viewport().height() // table.verticalHeader().defaultSectionSize()
    assert rows_shown >= VISIBLE_ROWS
    assert products.table.viewport().height() > table.viewport().height()  # the products stay the larger part
