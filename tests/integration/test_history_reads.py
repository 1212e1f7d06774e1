"""The stock chart and the sync timeline read what the ledger and the runs table hold, end to end:
a real profile over the demo store, with edits, orders, a cancelled order and a pushing sync."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.shopper import Shopper
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.runs import RunCounts
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import OutboxChoice
from backorder_desktop.domain.stock_history import EventKind
from backorder_desktop.domain.stock_history import StockChart
from backorder_desktop.domain.stock_history import TimelineLane
from backorder_desktop.services.profile import Profile
from tests.integration.test_orders_ledger import backorder_world


def _busy_product(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile]
) -> tuple[DemoStore, Profile, int]:
    """A BackOrder product with edits, orders (one cancelled) and a sync that pushed an edit."""
    store, context, ids, _start = backorder_world(make_demo_store, make_context, products=2)
    pid = ids[0]
    key = next(item.key for item in context.parts.mirror.stock_items([pid]))  # type: ignore[attr-defined]
    context.edit_stock(key, AdjustmentKind.SET, 12, reason="counted the shelf")
    context.sync(trigger=RunTrigger.CLI)  # writes the edit: a push for this item
    shopper = Shopper(store.orders, seed=7, product_ids=[pid])
    placed = []
    while len(placed) < 3:
        action = shopper.step()
        if action.kind == "order" and action.order_id:
            placed.append(action)
    context.pull_orders()
    store.orders.update(placed[0].order_id, {"status_id": 5})  # cancelled: the units come back
    store.orders.clock.advance(5)  # type: ignore[attr-defined]
    context.pull_orders()
    context.edit_stock(key, AdjustmentKind.ADD, 4)
    return store, context, pid


def _ledger(context: Profile, chart: StockChart) -> list[tuple[datetime, int, int]]:
    entries = [a for a in context.stock_history(chart.key.product_id, limit=10_000) if a.key == chart.key]
    return [(a.at, a.level_before, a.level_after) for a in reversed(entries)]


def test_the_chart_points_are_the_ledger_entries_of_the_item_with_its_events_marked(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile]
) -> None:
    _store, context, pid = _busy_product(make_demo_store, make_context)
    chart = context.stock_chart(pid)
    ledger = _ledger(context, chart)
    assert len(ledger) >= 5 and not chart.decimated and chart.entries == len(ledger)
    assert [(p.at, p.level) for p in chart.points[1:-1]] == [(at, after) for at, _, after in ledger]
    assert chart.points[0].at == chart.start and chart.points[0].level == ledger[0][1]
    assert chart.points[-1].at == chart.end and chart.points[-1].level == ledger[-1][2] == chart.level
    item_level = {i.key: i.level for i in context.parts.mirror.stock_items([pid])}  # type: ignore[attr-defined]
    assert chart.level == item_level[chart.key]

    kinds = [event.kind for event in chart.events]
    assert {EventKind.EDIT, EventKind.ORDER, EventKind.RESTORE, EventKind.PUSH} <= set(kinds)
    entry_ids = [e.adjustment.id for e in chart.events if e.adjustment is not None]
    history_ids = [a.id for a in context.stock_history(pid, limit=10_000) if a.key == chart.key]
    assert sorted(entry_ids) == sorted(history_ids)
    push = next(e for e in chart.events if e.kind is EventKind.PUSH)
    edit = next(e for e in chart.events if e.kind is EventKind.EDIT)
    assert push.push is not None and push.push.written >= 1 and push.at >= edit.at
    assert [e.at for e in chart.events] == sorted(e.at for e in chart.events)


def test_a_long_history_is_reduced_in_sql_to_its_range_and_last_level(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile]
) -> None:
    _store, context, pid = _busy_product(make_demo_store, make_context)
    key = context.stock_chart(pid).key
    for step in range(30):
        context.edit_stock(key, AdjustmentKind.ADD if step % 2 else AdjustmentKind.REMOVE, step)
    service = context.parts.stock_history
    assert service is not None
    chart = service.chart(pid, key.variant_id, max_points=9)
    ledger = _ledger(context, chart)
    assert chart.decimated and chart.entries == len(ledger) > 30
    assert 3 <= len(chart.points) - 2 <= 9 + 3
    inner = [p.level for p in chart.points[1:-1]]
    assert min(inner) == min(after for _, _, after in ledger)
    assert max(inner) == max(after for _, _, after in ledger)
    assert chart.level == ledger[-1][2]


def test_the_limit_and_expected_date_come_from_the_items_rule(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile]
) -> None:
    _store, context, ids, _start = backorder_world(make_demo_store, make_context, products=1)
    expected = datetime.now(UTC).date() + timedelta(days=9)
    context.set_backorder_rules([str(ids[0])], limit=5, expected=expected)
    chart = context.stock_chart(ids[0])
    assert (chart.limit, chart.expected) == (5, expected)
    assert chart.entries == 0 and len(chart.points) == 2 and chart.points[0].level == chart.level
    try:
        context.stock_chart("NO-SUCH-SKU")
    except UserFacingError as error:
        assert "NO-SUCH-SKU" in error.message
    else:
        raise AssertionError("an unknown SKU has no chart")


def test_the_timeline_has_a_bar_per_run_in_its_lane_with_failures_and_catch_ups(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile]
) -> None:
    store = make_demo_store()
    context = make_context(store)
    context.sync(trigger=RunTrigger.CLI, full=True)
    context.save_settings({"inventory-source": InventorySource.ERP.value})
    mirror = context.parts.mirror
    now = datetime.now(UTC)
    recorded = [
        (RunKind.AUTOMATIC, RunTrigger.POLL, RunOutcome.FAILED, 30),
        (RunKind.AUTOMATIC, RunTrigger.DAILY_CATCH_UP, RunOutcome.OK, 20),
        (RunKind.MANUAL, RunTrigger.FEED, RunOutcome.REFUSED, 10),
    ]
    for kind, trigger, outcome, hours in recorded:
        at = now - timedelta(hours=hours)
        run_id = mirror.start_run(kind=kind, trigger=trigger, mode=InventorySource.ERP, full=False, at=at)
        error = Offline("The store could not be reached.") if outcome != "ok" else None
        mirror.finish_run(
            run_id,
            outcome=outcome,
            counts=RunCounts(),
            at=at + timedelta(minutes=2),
            problems=[],
            error=error,
        )
    timeline = context.sync_timeline(days=3)
    runs = [r for r in context.history(limit=100) if r.started_at >= timeline.start]
    assert sorted(b.run.id for b in timeline.bars) == sorted(r.id for r in runs)
    by_id = {b.run.id: b for b in timeline.bars}
    for run in runs:
        bar = by_id[run.id]
        assert bar.failed == (run.outcome in (RunOutcome.FAILED, RunOutcome.REFUSED))
        assert (bar.start, bar.end) == (run.started_at, run.finished_at)
    lanes = [(b.lane, b.failed) for b in sorted(timeline.bars, key=lambda b: b.start)]
    assert lanes[:3] == [
        (TimelineLane.AUTOMATIC, True),
        (TimelineLane.DAILY, False),
        (TimelineLane.FEED, True),
    ]
    assert lanes[3:] and all(lane is TimelineLane.MANUAL for lane, _ in lanes[3:])
    assert len(timeline.daily_slots) >= 2 and set(timeline.missed_slots) <= set(timeline.daily_slots)
    catch_up = next(b for b in timeline.bars if b.run.trigger is RunTrigger.DAILY_CATCH_UP)
    assert catch_up.caught_up and catch_up.missed_slot is not None
    assert catch_up.missed_slot in timeline.missed_slots and catch_up.missed_slot <= catch_up.start


def test_a_product_taken_out_of_backorder_keeps_its_chart_from_the_ledger(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile]
) -> None:
    _store, context, ids, _start = backorder_world(make_demo_store, make_context, products=1)
    key = context.stock_chart(ids[0]).key
    context.edit_stock(key, AdjustmentKind.SET, -5, reason="sold on backorder")
    context.edit_stock(key, AdjustmentKind.ADD, 9, reason="delivery")
    context.unassign([str(ids[0])], outbox=OutboxChoice.DISCARD)
    assert not context.parts.mirror.stock_items([ids[0]])  # type: ignore[attr-defined]
    chart = context.stock_chart(ids[0])
    ledger = _ledger(context, chart)
    assert chart.key == key and [k for k, _ in chart.items] == [key]
    assert [(p.at, p.level) for p in chart.points[1:-1]] == [(at, after) for at, _, after in ledger]
    assert chart.level == ledger[-1][2] and len(ledger) == 3  # the discard is in the ledger too
