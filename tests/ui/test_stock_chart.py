"""The stock chart in the stock history dialog and the BackOrder pane: the drawn step line is the
ledger's, hovering a mark names its entry, the limit band and the expected date are drawn, and the
chart follows a dark palette — over a real profile (edits in the window's demo profile; orders from
the demo store's shopper over HTTP)."""

from __future__ import annotations

import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor
from PySide6.QtGui import QPalette

from backorder_desktop.demo.shopper import Shopper
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock_history import EventKind
from backorder_desktop.domain.stock_history import StockChart
from backorder_desktop.services.profile import Profile
from backorder_desktop.ui.charts.stock_chart import StockChartView
from backorder_desktop.ui.charts.stock_chart import epoch_ms
from backorder_desktop.ui.charts.stock_chart import event_text
from backorder_desktop.ui.dialogs.stock_history_dialog import StockHistoryDialog
from tests.demo.orders_helpers import FakeClock
from tests.integration.support import connect_context
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _ledger_corners(profile: Profile, chart: StockChart) -> list[tuple[float, float]]:
    """The step line the ledger gives: the level before the first entry from the window's start,
    then each entry's level after it, held until the next, to the window's end."""
    entries = [a for a in reversed(profile.stock_history(chart.key.product_id, 10_000)) if a.key == chart.key]
    corners = [(epoch_ms(chart.start), float(entries[0].level_before))]
    level = entries[0].level_before
    for entry in entries:
        corners += [(epoch_ms(entry.at), float(level)), (epoch_ms(entry.at), float(entry.level_after))]
        level = entry.level_after
    return [*corners, (epoch_ms(chart.end), float(level)), (epoch_ms(chart.end), float(level))]


def _hover(view: StockChartView, kind: EventKind, index: int = -1) -> str:
    event = view.events_of(kind)[index]
    view.marks[kind].hovered.emit(QPointF(epoch_ms(event.at), float(event.level)), True)
    return view.hover_text


def test_the_dialog_draws_the_ledger_and_hovering_an_edit_names_it(qtbot, demo) -> None:
    profile = demo.profile
    profile.assign(["1"])
    for kind, units, why in (
        (AdjustmentKind.SET, 8, "counted"),
        (AdjustmentKind.REMOVE, 11, "sold on backorder"),
        (AdjustmentKind.ADD, 2, "found two more"),
    ):
        profile.edit_stock("SKU-00001", kind, units, reason=why)
    profile.set_backorder_rules(["1"], limit=6, expected=datetime.now(UTC).date() + timedelta(days=5))
    product = profile.products("SKU-00001")[0]
    demo.show_stock_history(product)
    qtbot.waitUntil(lambda: bool(demo.window.findChildren(StockHistoryDialog)), timeout=20_000)
    dialog = demo.window.findChildren(StockHistoryDialog)[0]
    panel = dialog.chart
    assert panel is not None
    qtbot.waitUntil(lambda: panel.view.shown is not None and not panel.loading, timeout=20_000)
    wait_idle(qtbot, demo)
    chart = panel.view.shown
    assert chart is not None and chart.level == -1 and chart.entries == 3
    assert panel.view.points() == _ledger_corners(profile, chart)
    assert not panel.picker.isVisible()  # one item: nothing to pick

    newest = profile.stock_history(1)[0]
    text = _hover(panel.view, EventKind.EDIT)
    assert "found two more" in text and f"Ledger entry {newest.id}" in text and "→ -1" in text
    assert [(p.y()) for p in panel.view.band_bottom.points()] == [-6.0, -6.0]
    assert len(panel.view.expected_line.points()) == 2
    assert "may sell 6 units on backorder" in panel.caption.text()
    dialog.close()


def test_the_backorder_pane_shows_the_chart_of_one_selected_product_only(qtbot, demo) -> None:
    profile = demo.profile
    profile.assign(["1", "2"])
    profile.edit_stock("SKU-00001", AdjustmentKind.SET, -4, reason="sold")
    demo.refresh_after_change()
    wait_idle(qtbot, demo)
    products = demo.window.products
    pane = products.backorder
    products.select_rows(0, 0)
    qtbot.waitUntil(lambda: pane.chart.view.shown is not None and not pane.chart.loading, timeout=20_000)
    wait_idle(qtbot, demo)
    assert not pane.chart.isHidden()
    chart = pane.chart.view.shown
    assert chart is not None and chart.key.product_id == 1 and chart.level == -4
    assert pane.chart.view.points() == _ledger_corners(profile, chart)
    products.select_rows(0, 1)
    qtbot.waitUntil(lambda: pane.item_count == 2 and not pane.is_loading(), timeout=20_000)
    wait_idle(qtbot, demo)
    assert pane.chart.isHidden()


def test_orders_from_the_demo_store_are_marks_that_name_their_order(qtbot, make_demo_store, home) -> None:
    store = make_demo_store()
    profile = connect_context(home, store)
    try:
        profile.sync(trigger="cli", full=True)
        profile.save_settings({"backorder-method": "app"})
        pid = next(
            p
            for p in store.catalog.product_ids()
            if store.catalog.get_product(p)["inventory_tracking"] == "product"
        )
        profile.assign([str(pid)])
        store.catalog.update_product(pid, inventory_tracking="none")
        store.orders.clock = FakeClock(time.time() + 3600)  # orders dated after the assignment
        shopper = Shopper(store.orders, seed=4, product_ids=[pid])
        while not any(a.kind == "order" for a in shopper.log):
            shopper.step()
        assert profile.pull_orders().entries >= 1
        profile.edit_stock(profile.stock_chart(pid).key, AdjustmentKind.ADD, 3, reason="delivery")
        chart = profile.stock_chart(pid)
        view = StockChartView()
        qtbot.addWidget(view)
        view.show_chart(chart)
        assert view.points() == _ledger_corners(profile, chart)
        order = view.events_of(EventKind.ORDER)[-1]
        assert order.adjustment is not None and order.adjustment.reason.startswith("order #")
        text = _hover(view, EventKind.ORDER)
        assert text.startswith("Order · ") and order.adjustment.reason in text
        assert text == event_text(order)
    finally:
        profile.close()


def test_the_chart_takes_the_dark_palette(qtbot) -> None:
    view = StockChartView()
    qtbot.addWidget(view)
    light = view.chart().backgroundBrush().color()
    dark = QPalette(view.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#eeeeee"))
    view.setPalette(dark)
    assert view.colours.dark and view.chart().backgroundBrush().color() == QColor("#1e1e1e") != light
    assert view.line.pen().color() == view.colours.accent


def test_a_product_with_stock_per_variant_picks_the_variant_to_chart(qtbot, demo) -> None:
    profile = demo.profile
    profile.assign(["10"])  # three variants, each with its own level
    profile.edit_stock("SKU-00010-0", AdjustmentKind.SET, -2, reason="first variant sold")
    profile.edit_stock("SKU-00010-2", AdjustmentKind.SET, 7, reason="third variant counted")
    product = profile.products("SKU-00010")[0]
    demo.show_stock_history(product)
    qtbot.waitUntil(lambda: bool(demo.window.findChildren(StockHistoryDialog)), timeout=20_000)
    panel = demo.window.findChildren(StockHistoryDialog)[0].chart
    assert panel is not None
    qtbot.waitUntil(lambda: panel.view.shown is not None and not panel.loading, timeout=20_000)
    first = panel.view.shown
    assert first is not None and first.key.variant_id == product.variants[0].id and first.level == -2
    assert not panel.picker.isHidden() and panel.picker.count() == 3
    assert [panel.picker.itemText(i) for i in range(3)] == [v.sku for v in product.variants]
    panel.picker.setCurrentIndex(2)
    qtbot.waitUntil(
        lambda: panel.view.shown is not None and panel.view.shown.key.variant_id == product.variants[2].id,
        timeout=20_000,
    )
    qtbot.waitUntil(lambda: not panel.loading, timeout=20_000)
    third = panel.view.shown
    assert third.level == 7 and panel.view.points() == _ledger_corners(profile, third)
    assert "third variant counted" in _hover(panel.view, EventKind.EDIT)
    assert panel.picker.currentIndex() == 2
    # The facade picks a variant by its SKU too.
    assert profile.stock_chart("SKU-00010-2").key == third.key
    assert profile.stock_chart("SKU-00010").key == first.key


def test_the_hover_text_writes_numbers_and_dates_in_the_locale(qtbot) -> None:
    from PySide6.QtCore import QLocale

    from backorder_desktop.domain.stock import Adjustment
    from backorder_desktop.domain.stock import AdjustmentSource
    from backorder_desktop.domain.stock import StockKey
    from backorder_desktop.domain.stock_history import ChartEvent

    at = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
    entry = Adjustment(
        key=StockKey(1), kind=AdjustmentKind.ADD, quantity=1200, level_before=-34, level_after=1166,
        source=AdjustmentSource.IMPORT, actor="dana", at=at, reason="stock take", id=77,
    )  # fmt: skip
    event = ChartEvent(EventKind.IMPORT, at, 1166, adjustment=entry)
    german = event_text(event, QLocale(QLocale.Language.German, QLocale.Country.Germany))
    english = event_text(event, QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    assert "added 1.200: stock -34 → 1.166" in german and "23.11.26" in german
    assert "added 1,200: stock -34 → 1,166" in english and "11/23/26" in english
    assert "From import, by dana" in english and "stock take" in english and "Ledger entry 77" in english
