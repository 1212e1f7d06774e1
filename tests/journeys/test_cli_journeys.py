"""Journeys 4, 5, 6, 8 and 10 through the real command (``run_cli``) over the demo store on
loopback, with the token given for each run as ``BACKORDER_DESKTOP_TOKEN`` (no keyring touched)."""

from __future__ import annotations

import csv
import io
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from backorder_desktop.app import open_profile
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.services.schedule_rules import CURSOR_DAILY
from tests.integration.cli_runner import Result
from tests.integration.cli_runner import run_cli


def _ok(result: Result) -> Result:
    assert result.code == 0, result.stdout + result.stderr
    return result


UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused


def _point_at(home: str, address: str) -> str:
    """Points the profile's store at ``address`` (no network: an address nothing answers on);
    returns the address it had."""
    profile = open_profile(home)
    try:
        stored = profile.parts.mirror.get_store()
        assert stored is not None
        info, before = stored
        profile.parts.mirror.set_store(info, address)
    finally:
        profile.close()
    return before


def _synced(home: str, store: DemoStore) -> dict[str, str]:
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    _ok(run_cli(home, "sync", env=env))
    return env


def test_journey_4_assigning_out_of_stock_products(connected_home: str, demo_store: DemoStore) -> None:
    env = _synced(connected_home, demo_store)
    products = _ok(run_cli(connected_home, "products", "--json", env=env)).json()
    out_of_stock = [p for p in products if p["inventory_level"] == 0 and p["sku"]][:12]
    assert len(out_of_stock) == 12
    _ok(run_cli(connected_home, "assign", *[p["sku"] for p in out_of_stock], env=env))

    marked = _ok(run_cli(connected_home, "products", "--backorder", "--json", env=env)).json()
    assert sorted(p["id"] for p in marked) == sorted(p["id"] for p in out_of_stock)
    assert all(p["backorder"] for p in marked)
    # Their stock is now editable here (BigCommerce mode): an edit waits to be written.
    first = next(p for p in out_of_stock if p["inventory_tracking"] == "product")
    _ok(run_cli(connected_home, "stock", "set", first["sku"], "5", env=env))
    assert len(_ok(run_cli(connected_home, "outbox", "--json", env=env)).json()) == 1


def test_journey_5_offline_edits_and_sales_are_both_kept(connected_home: str, demo_store: DemoStore) -> None:
    env = _synced(connected_home, demo_store)
    product = next(
        demo_store.catalog.get_product(pid)
        for pid in demo_store.catalog.product_ids()
        if demo_store.catalog.get_product(pid)["inventory_tracking"] == "variant"
        and len(demo_store.catalog.get_product(pid)["variants"]) >= 3
    )
    variants = product["variants"][:3]
    # The store keeps counting (method native): its sales move its level while she is offline.
    _ok(run_cli(connected_home, "settings", "set", "backorder-method", "native", env=env))
    _ok(run_cli(connected_home, "assign", str(product["id"]), env=env))
    store_address = _point_at(connected_home, UNREACHABLE)  # on the train: no network
    counts = {v["sku"]: v["inventory_level"] + 10 + i for i, v in enumerate(variants)}  # she counted
    for sku, level in counts.items():
        _ok(run_cli(connected_home, "stock", "set", sku, str(level), env=env))
    assert len(_ok(run_cli(connected_home, "outbox", "--json", env=env)).json()) == 3
    offline = run_cli(connected_home, "sync", env=env)
    assert offline.code == 1 and offline.stderr.strip().splitlines()[-1].startswith("Offline:")
    assert len(_ok(run_cli(connected_home, "outbox", "--json", env=env)).json()) == 3

    _point_at(connected_home, store_address)  # home again; two units sold in the store meanwhile
    sold = variants[0]
    demo_store.catalog.adjust_stock(variant_id=sold["id"], delta=-2)
    _ok(run_cli(connected_home, "sync", env=env))

    assert _ok(run_cli(connected_home, "outbox", "--json", env=env)).json() == []
    levels = {v["sku"]: demo_store.catalog.get_variant(v["id"])["inventory_level"] for v in variants}
    assert levels == {sku: level - (2 if sku == sold["sku"] else 0) for sku, level in counts.items()}
    history = _ok(run_cli(connected_home, "stock", "history", str(product["id"]), "--json", env=env)).json()
    ours = [h for h in history if h["variant_id"] == sold["id"]]
    assert {"set"} <= {h["kind"] for h in ours} and len({h["source"] for h in ours}) >= 2  # edit and sale


def test_journey_6_a_missed_daily_sync_is_caught_up(connected_home: str, demo_store: DemoStore) -> None:
    env = _synced(connected_home, demo_store)
    _ok(run_cli(connected_home, "settings", "set", "inventory-source", "erp", env=env))
    profile = open_profile(connected_home)  # the laptop slept through the night's run
    try:
        profile.parts.mirror.set_cursor(CURSOR_DAILY, (datetime.now(UTC) - timedelta(days=2)).isoformat())
    finally:
        profile.close()

    opened = _ok(run_cli(connected_home, "service", "--once", env=env))
    assert "automatic/daily-catch-up full ok" in opened.stdout
    history = _ok(run_cli(connected_home, "history", "--json", env=env)).json()
    assert [(h["kind"], h["trigger"]) for h in history[:2]] == [
        ("automatic", "daily-catch-up"),
        ("manual", "cli"),
    ]
    status = _ok(run_cli(connected_home, "status", "--json", env=env)).json()
    assert status["last_manual_sync"] is not None and status["last_automatic_sync"] is not None
    assert status["last_manual_sync"] != status["last_automatic_sync"]  # shown apart


def test_journey_8_a_big_catalog_keeps_quota_free_and_finds_a_sku(home: str, make_demo_store) -> None:
    store = make_demo_store(products=3000, quota=150, window_s=30.0)  # BigCommerce's standard quota
    profile = open_profile(home)
    try:
        info = StoreInfo(store_hash=store.store_hash, name="Lee's Parts", plan_name="Plus")
        profile.parts.mirror.set_store(info, store.api_url)
    finally:
        profile.close()
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    _ok(run_cli(home, "sync", env=env, timeout=300))

    assert _ok(run_cli(home, "status", "--json", env=env)).json()["products"] == 3000
    assert store.requests.count(status=429) == 0  # other apps' share of the quota was left free
    wanted = store.catalog.get_product(store.catalog.product_ids()[2345])["sku"]
    found = _ok(run_cli(home, "products", "--search", wanted, "--json", env=env)).json()
    assert [p["sku"] for p in found][:1] == [wanted]


def test_journey_10_power_user_scripts_status_history_and_export(
    connected_home: str, demo_store: DemoStore, tmp_path
) -> None:
    env = _synced(connected_home, demo_store)
    products = _ok(run_cli(connected_home, "products", "--json", env=env)).json()
    chosen = [p for p in products if p["inventory_tracking"] == "product"][:4]
    _ok(run_cli(connected_home, "assign", *[p["sku"] for p in chosen], env=env))
    _ok(run_cli(connected_home, "stock", "set", chosen[0]["sku"], "17", env=env))

    status = _ok(run_cli(connected_home, "status", "--json", env=env)).json()
    assert (status["products"], status["backorder_products"], status["outbox"]) == (200, 4, 1)
    history = _ok(run_cli(connected_home, "history", env=env)).stdout
    assert "manual" in history.lower() and "ok" in history.lower()
    target = tmp_path / "stock.csv"
    _ok(run_cli(connected_home, "export", str(target), env=env))
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    # The same data the window shows: the profile's own stock items and waiting marks.
    profile = open_profile(connected_home)
    try:
        assert (
            rows
            and profile.export_stock().splitlines()[1:] == target.read_text(encoding="utf-8").splitlines()[1:]
        )
        waiting = {e.item.sku for e in profile.outbox()}
    finally:
        profile.close()
    assert {r["sku"] for r in rows if r["waiting"] == "yes"} == waiting == {chosen[0]["sku"]}
    assert next(r for r in rows if r["sku"] == chosen[0]["sku"])["quantity"] == "17"
