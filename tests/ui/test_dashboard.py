"""The Dashboard tab in the real window, over a profile whose ledger the demo store's orders wrote for
40 days (``tests/integration/test_dashboard_reads.py`` builds it): the tiles against the database,
their clicks against the lists they open, the chart against the ledger, and the quota meter against
what the store's rate-limit headers said."""

from __future__ import annotations

import math
from datetime import date
from datetime import datetime

import pytest
from PySide6.QtCore import Qt

from backorder_desktop.app import AppLauncher
from backorder_desktop.app import local_zone
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.ui.formatting import format_count
from tests.integration.test_dashboard_reads import dashboard_world
from tests.integration.test_dashboard_reads import reference_counts
from tests.integration.test_dashboard_reads import reference_owed_by_day
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui

QUOTA = 5000
OTHER_APPS = 120  # requests another app on the store spent in the window


@pytest.fixture
def world(make_demo_store, home, no_keyring_backend):
    """The 40-day world, its profile closed again: the window opens it as the app would."""
    built = dashboard_world(make_demo_store, home, quota=QUOTA, window_s=3600)
    built.profile.close()
    return built


def _started(qtbot, make_controller, home: str, token: str):
    controller = make_controller(AppLauncher(home, env_token=token))
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()
    wait_idle(qtbot, controller, timeout=30_000)
    page = controller.window.dashboard
    qtbot.waitUntil(lambda: page.dashboard is not None and not page.is_loading(), timeout=20_000)
    return controller


def _today() -> date:
    return datetime.now(local_zone()).date()


def test_the_window_opens_on_the_dashboard_with_the_databases_figures(qtbot, world, make_controller) -> None:
    controller = _started(qtbot, make_controller, world.home, world.store.token)
    window, page = controller.window, controller.window.dashboard
    assert window.tabs.currentWidget() is page
    assert window.tabs.tabText(0) == "Dashboard"
    expected = reference_counts(controller.profile, _today())
    tiles = page.tiles
    assert tiles["backorder_tile"].value() == format_count(expected["backorder_products"])
    assert tiles["backordered_tile"].value() == format_count(expected["units_backordered"])
    assert tiles["orders_tile"].value() == format_count(expected["orders_waiting"])
    assert tiles["limit_tile"].value() == format_count(expected["at_or_near_limit"])
    assert tiles["arrivals_tile"].value() == format_count(expected["arriving_soon"])
    assert tiles["date_passed_tile"].value() == format_count(expected["date_passed"])
    assert tiles["backordered_tile"].detail_label.text() == (
        f"in {expected['backordered_products']} products"
    )
    assert tiles["limit_tile"].detail_label.text() == "1 at the limit · 1 near it"
    assert page.arrivals.topLevelItemCount() == 2  # in 3 days and in 20
    assert not page.hint.isVisible()


@pytest.mark.parametrize(
    ("tile", "checked", "figure"),
    [
        ("backorder_tile", "backorder_only", "backorder_products"),
        ("backordered_tile", "backordered", "backordered_products"),
        ("limit_tile", "at_limit", "at_limit"),
        ("date_passed_tile", "date_passed", "date_passed"),
    ],
)
def test_a_tile_opens_the_products_list_it_counts(
    qtbot, world, make_controller, tile: str, checked: str, figure: str
) -> None:
    controller = _started(qtbot, make_controller, world.home, world.store.token)
    window, products = controller.window, controller.window.products
    products.search_box.setText("something typed before")
    products.out_of_stock.setChecked(True)
    qtbot.mouseClick(window.dashboard.tiles[tile], Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is products
    boxes = ("backorder_only", "out_of_stock", "backordered", "near_limit", "at_limit", "date_passed")
    assert {name for name in boxes if getattr(products, name).isChecked()} == {checked}
    assert products.search_box.text() == ""
    expected = reference_counts(controller.profile, _today())[figure]
    assert expected > 0
    qtbot.waitUntil(lambda: products.model.rowCount() == expected, timeout=20_000)
    assert products.model.query.text == ""


def test_the_orders_tile_opens_the_orders_tab_and_the_arrivals_tile_the_next_dates(
    qtbot, world, make_controller
) -> None:
    controller = _started(qtbot, make_controller, world.home, world.store.token)
    window, page = controller.window, controller.window.dashboard
    qtbot.mouseClick(page.tiles["orders_tile"], Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.orders
    window.tabs.setCurrentWidget(page)
    qtbot.mouseClick(page.tiles["arrivals_tile"], Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is page
    assert page.arrivals.currentItem() is page.arrivals.topLevelItem(0)
    soonest = page.dashboard.next_arrivals[0]
    assert page.arrivals.currentItem().text(2) == soonest.sku


def test_the_charts_points_are_the_ledger_replayed_for_30_and_90_days(qtbot, world, make_controller) -> None:
    controller = _started(qtbot, make_controller, world.home, world.store.token)
    page = controller.window.dashboard
    drawn = page.chart.points()
    assert len(drawn) == 30 and drawn[-1].day == _today()
    expected = reference_owed_by_day(controller.profile, [p.day for p in drawn], local_zone())
    assert [p.units for p in drawn] == expected
    assert len(set(expected)) > 5
    qtbot.mouseClick(page.span_buttons.button(90), Qt.MouseButton.LeftButton)
    drawn = page.chart.points()
    assert len(drawn) == 90
    assert [p.units for p in drawn] == reference_owed_by_day(
        controller.profile, [p.day for p in drawn], local_zone()
    )
    assert drawn[0].units == 0  # before the 40 days nothing was owed


def test_the_dashboard_reads_again_after_a_change_without_waiting_for_a_sync(
    qtbot, world, make_controller
) -> None:
    controller = _started(qtbot, make_controller, world.home, world.store.token)
    profile, page = controller.profile, controller.window.dashboard
    before = page.dashboard.counts.units_backordered
    owed = next(item for item in profile.parts.mirror.stock_items() if item.level < 0)
    profile.edit_stock(owed.sku, AdjustmentKind.ADD, -owed.level, reason="delivery")
    controller.refresh_after_change()  # what the Products tab's edit does
    after = before + owed.level
    qtbot.waitUntil(lambda: page.tiles["backordered_tile"].value() == format_count(after), timeout=20_000)
    assert page.chart.points()[-1].units == after


def test_the_quota_meter_shows_what_the_stores_headers_last_said_and_this_apps_share(
    qtbot, world, make_controller
) -> None:
    world.store.rate.spend(OTHER_APPS)
    controller = _started(qtbot, make_controller, world.home, world.store.token)
    window = controller.window
    with qtbot.waitSignal(controller.manual_sync_finished, timeout=60_000):
        window.sync_action.trigger()  # in the sync child: its requests count in the same file
    wait_idle(qtbot, controller)
    state = world.store.rate.peek()  # nothing has been sent since the last reply
    left = state.left
    bar = window.quota_meter
    qtbot.waitUntil(lambda: bar.meter is not None and bar.meter.left == left, timeout=20_000)
    assert bar.isVisible()
    assert bar.text() == f"API {format_count(left)}/{format_count(QUOTA)}"
    assert bar.value() == left and bar.maximum() == QUOTA
    ours = QUOTA - left - OTHER_APPS
    assert bar.meter.sent_by_app == ours > 0
    tip = bar.toolTip()
    assert f"{format_count(left)} of {format_count(QUOTA)} requests left" in tip
    assert f"This app sent {format_count(ours)} requests" in tip
    reserve = math.ceil(QUOTA * 0.2)
    assert f"keeps {format_count(reserve)} requests (20 %)" in tip
    summary = f"API quota left: {format_count(left)} of {format_count(QUOTA)}"
    assert window.quota_label.text().startswith(summary)


def test_a_read_of_a_profile_since_closed_is_neither_shown_nor_reported(qtbot, runner) -> None:
    import threading

    from backorder_desktop.domain.errors import BugError
    from backorder_desktop.ui.widgets.latest_read import LatestRead

    shown: list[object] = []
    reported: list[BaseException] = []
    runner.unhandled_error = reported.append
    read = LatestRead(runner, shown.append)
    release = threading.Event()

    def closed_database() -> object:
        release.wait(20)
        raise BugError("the database was used after it was closed")

    read.request(closed_database)
    read.request(lambda: "figures of the old profile")  # asked for meanwhile
    read.forget()  # the window moves to another profile
    read.request(lambda: "figures of the new profile")
    release.set()
    qtbot.waitUntil(lambda: bool(shown) and runner.is_idle(), timeout=20_000)
    assert shown == ["figures of the new profile"]
    assert reported == []
    read.request(closed_database)  # the same failure for the current profile is a bug shown
    qtbot.waitUntil(lambda: bool(reported) and runner.is_idle(), timeout=20_000)
    assert isinstance(reported[0], BugError)
