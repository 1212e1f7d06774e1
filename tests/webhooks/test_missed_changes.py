"""Changes a hash-keyed de-duplication or a deactivated hook would lose, over the demo store: two
changes to one product that share a ``hash`` (created_at is in whole seconds) both reach the mirror,
and turning a deactivated hook back on catches up on what changed while it was off."""

from __future__ import annotations

from backorder_desktop.domain.runs import RunTrigger
from tests.webhooks.conftest import Hooked


def _named(hooked: Hooked, product_id: int, name: str) -> bool:
    product = hooked.context.parts.mirror.get_product(product_id)
    return product is not None and product.name == name


def test_two_changes_with_one_hash_both_reach_the_mirror(hooked: Hooked) -> None:
    store, context = hooked.store, hooked.context
    receiver, fetcher = context.parts.receiver  # type: ignore[misc]
    store.stop_webhook_clock(1_700_000_000)  # both deliveries: the same payload, the same hash
    product_id = store.catalog.product_ids()[7]

    store.catalog.update_product(product_id, name="First Change")
    assert hooked.wait_for(lambda: _named(hooked, product_id, "First Change"))
    assert fetcher.wait_idle(20)
    store.catalog.update_product(product_id, name="Second Change")

    assert hooked.wait_for(lambda: _named(hooked, product_id, "Second Change"))
    assert receiver.stats().duplicates == 0 and receiver.stats().accepted == 2
    assert len(hooked.webhook_runs()) == 2


def test_a_hook_turned_back_on_catches_up_on_what_it_missed(hooked: Hooked) -> None:
    store, context = hooked.store, hooked.context
    webhooks, scheduler = context.parts.webhooks, context.parts.scheduler
    assert webhooks is not None and scheduler is not None
    scheduler.shutdown()  # no poll of its own: only the catch-up can bring the change
    product_hook = next(h for h in store.hooks.all() if h["scope"] == "store/product/*")
    store.hooks.deactivate(product_hook["id"])  # BigCommerce gave up after 48 hours of failures
    product_id = store.catalog.product_ids()[9]
    store.catalog.update_product(product_id, name="Changed While The Hook Was Off")
    assert not _named(hooked, product_id, "Changed While The Hook Was Off")

    report = webhooks.health()

    assert report.reactivated == 1 and report.healthy
    assert _named(hooked, product_id, "Changed While The Hook Was Off")
    catch_up = [r for r in hooked.finished if r.trigger == RunTrigger.WEBHOOK and not r.full]
    assert catch_up and catch_up[-1].counts.changed >= 1
