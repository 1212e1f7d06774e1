"""The method ``app`` end to end over HTTP: an expected date passing with units owed disables purchasing
of the items whose rule has it, only with ``disable-on-date-passed`` on; and a rule's write made while
the store cannot be reached waits and is written once when it is back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.app import open_profile
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import Maintenance
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile
from tests.integration.support import FAST_RETRY

MakeStore = Callable[..., DemoStore]


class StepClock:
    """The profile's clock: moved only by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def _profile(home: str | Path, store: DemoStore, clock: StepClock) -> Profile:
    profile = open_profile(
        home, env_token=store.token, secret_store=MemorySecretStore(), client_options={"retry": FAST_RETRY},
        clock=clock,
    )  # fmt: skip
    info = StoreInfo(store_hash=store.store_hash, name="Test", plan_name="Demo")
    profile.parts.mirror.set_store(info, store.api_url)
    return profile


def _sync(profile: Profile) -> list[Any]:
    return list(profile.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli").problems)


def _product_level(product: dict[str, Any]) -> bool:
    return product["inventory_tracking"] == "product" and product["availability"] != "disabled"


def _disabled(store: DemoStore, key: StockKey) -> bool:
    return bool(store.catalog.get_product(key.product_id)["availability"] == "disabled")


def test_a_passed_date_disables_the_items_it_rules_when_chosen_and_offline_rule_writes_wait(
    home: str, make_demo_store: MakeStore
) -> None:
    store = make_demo_store()
    clock = StepClock(datetime.now(UTC))
    profile = _profile(home, store, clock)
    try:
        profile.save_settings({"backorder-method": "app"})
        profile.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
        ids = [pid for pid in store.catalog.product_ids() if _product_level(store.catalog.get_product(pid))][
            :3
        ]
        owed_dated, stocked_dated, owed_undated = (StockKey(pid) for pid in ids)
        profile.assign([str(pid) for pid in ids])
        profile.edit_stock(owed_dated, AdjustmentKind.SET, -2)
        profile.edit_stock(stocked_dated, AdjustmentKind.SET, 5)
        profile.edit_stock(owed_undated, AdjustmentKind.SET, -2)
        due = (clock.now().astimezone() + timedelta(days=2)).date()
        profile.set_backorder_rules([str(ids[0]), str(ids[1])], limit=10, expected=due)
        profile.set_backorder_rules([str(ids[2])], limit=10)
        assert _sync(profile) == []
        assert not any(_disabled(store, k) for k in (owed_dated, stocked_dated, owed_undated))

        clock.at += timedelta(days=3)  # the supplier slipped: the date passed with units owed
        assert _sync(profile) == []
        assert not _disabled(store, owed_dated)  # told, not disabled: the merchant did not choose it

        profile.save_settings({"disable-on-date-passed": "on"})
        assert _sync(profile) == []
        assert _disabled(store, owed_dated)
        assert not _disabled(store, stocked_dated)  # nothing owed
        assert not _disabled(store, owed_undated)  # no date
        history = profile.stock_history(str(owed_dated.product_id), limit=100)
        assert any(
            a.source is AdjustmentSource.TRACKING and "expected date passed" in a.reason for a in history
        )

        # The store cannot be reached: the limit lowered meanwhile waits, and is written once back.
        store.faults.maintenance = True
        profile.set_backorder_rules([str(ids[2])], limit=2)
        with pytest.raises(Maintenance):  # the run fails; nothing is lost
            _sync(profile)
        assert profile.parts.stock.product_writes_waiting() > 0
        assert not _disabled(store, owed_undated)
        store.faults.maintenance = False
        assert _sync(profile) == []
        assert _disabled(store, owed_undated)
        assert profile.parts.stock.product_writes_waiting() == 0
        assert _sync(profile) == []
        notes = [a.reason for a in profile.stock_history(str(owed_undated.product_id), limit=100)]
        assert sum("disabled in BigCommerce (limit reached)" in n for n in notes) == 1
    finally:
        profile.close()
