"""The Orders tab follows the store between syncs: an order a webhook delivers is counted in the
window's process and the tab (and the products' owed units) show it without a sync running."""

from __future__ import annotations

import time

import pytest

from tests.demo.orders_helpers import FakeClock
from tests.demo.orders_helpers import item
from tests.ui.test_orders_page import _place
from tests.ui.test_orders_page import _plain_products
from tests.ui.test_orders_page import _started
from tests.webhooks.conftest import free_port

pytestmark = pytest.mark.gui


@pytest.fixture
def keyring_home(home: str, demo_store, keyring_store) -> str:
    """A profile connected to ``demo_store`` with a real keyring (the webhooks' shared secret is
    kept there; its entries are purged after the test)."""
    from backorder_desktop.app import open_profile
    from backorder_desktop.domain.models import StoreInfo

    context = open_profile(home)
    try:
        info = StoreInfo(store_hash=demo_store.store_hash, name="Dana's Bikes", plan_name="Plus")
        context.parts.mirror.set_store(info, demo_store.api_url)
    finally:
        context.close()
    return home


def test_an_order_a_webhook_delivers_appears_on_the_orders_page_without_a_sync(
    qtbot, keyring_home, demo_store, make_controller
) -> None:
    controller = _started(qtbot, make_controller, keyring_home, demo_store.token)
    profile, page = controller.profile, controller.window.orders
    (shirt,) = _plain_products(demo_store, 1)
    profile.parts.catalog.set_setting("backorder-method", "app")  # the app counts the orders
    profile.assign([str(shirt["id"])])
    # Before the hooks exist. The app method: the store no longer tracks its stock, so an order
    # moves nothing there (and raises no product webhook whose sync would refresh the window).
    demo_store.catalog.update_product(shirt["id"], inventory_tracking="none")
    # Webhooks set up as `webhooks setup` does, and the receiver started in the window's process
    # (as the window's start does when webhooks are set up).
    port = free_port()
    profile.parts.catalog.set_setting("webhook-port", str(port))
    profile.parts.catalog.set_setting("webhook-public-url", f"http://127.0.0.1:{port}/")
    assert profile.parts.webhooks.setup().healthy  # type: ignore[union-attr]
    assert profile.parts.start_receiver() is not None
    controller.window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20_000)
    assert page.model.rowCount() == 0
    runs: list[tuple[str, str]] = []
    controller.bridge.run_started.connect(lambda _id, kind, trigger: runs.append((kind, trigger)))

    demo_store.orders.clock = FakeClock(time.time() + 3600)  # placed after the assignment
    order_id = _place(demo_store, item(shirt, 2))  # the store delivers store/order/created

    qtbot.waitUntil(lambda: [o.order_id for o in page.model.orders] == [order_id], timeout=20_000)
    assert page.model.orders[0].units == 2
    qtbot.waitUntil(lambda: profile.status().orders_waiting == 1, timeout=20_000)
    assert "1 order waiting for stock" in page.count_label.text()
    assert runs == []  # no sync ran: the webhook's count told the window
