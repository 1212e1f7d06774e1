"""Imports and feed pulls at the command line say exactly why a row set no stock (unknown SKU, not a
BackOrder product, stock kept per variant), with counts and capped lists; a pull from the command
line is in the history like a scheduled one; an empty feed says how many rows it had last time;
a file that is not UTF-8 is named as the file, not as the feed."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli
from tests.integration.test_feed import FeedServer

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.stop()


def _products(store: DemoStore, tracking: str) -> list[dict]:  # type: ignore[type-arg]
    return [
        p
        for p in (store.catalog.get_product(pid) for pid in store.catalog.product_ids())
        if p["inventory_tracking"] == tracking and p["sku"]
    ]


def _synced(
    home: str, make_demo_store: MakeStore, make_context: MakeContext, **config: object
) -> tuple[DemoStore, dict[str, str]]:
    store = make_demo_store(**config)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    return store, {"BACKORDER_DESKTOP_TOKEN": store.token}


def test_an_import_keeps_unknown_not_backorder_and_per_variant_skus_apart(
    home: str, tmp_path: Path, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, env = _synced(home, make_demo_store, make_context)
    by_product, other = _products(store, "product")[:2]
    by_variant = _products(store, "variant")[0]
    assert run_cli(home, "assign", by_product["sku"], by_variant["sku"], env=env).code == 0
    unknown = [f"NOPE-{n:02}" for n in range(25)]
    rows = [
        f"{by_product['sku']},{by_product['inventory_level'] + 1}",
        f"{other['sku']},5",
        f"{by_variant['sku']},7",
        *(f"{sku},1" for sku in unknown),
    ]
    csv = tmp_path / "stock.csv"
    csv.write_text("sku,quantity\n" + "\n".join(rows) + "\n", encoding="utf-8")

    result = run_cli(home, "import", str(csv), env=env)

    assert result.code == 0, result.stderr
    assert result.stdout.startswith("28 rows: 1 change to apply, 0 unchanged.")
    lines = result.stderr.splitlines()
    unknown_line = next(line for line in lines if line.startswith("Unknown SKUs"))
    assert unknown_line.startswith("Unknown SKUs (25 SKUs skipped): NOPE-00, NOPE-01")
    assert unknown_line.endswith("and 5 more")
    assert by_product["sku"] not in unknown_line and other["sku"] not in unknown_line
    assert f"Not BackOrder products (1 SKU skipped): {other['sku']}" in result.stderr
    variant_skus = [v["sku"] for v in by_variant["variants"]]
    assert (
        f"Stock kept per variant (1 SKU skipped): {by_variant['sku']} (use {variant_skus[0]}" in result.stderr
    )


def test_a_file_that_is_not_utf8_is_named_as_the_file(
    home: str, tmp_path: Path, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    _store, env = _synced(home, make_demo_store, make_context)
    latin = tmp_path / "stock.csv"
    latin.write_bytes("sku,quantity\nCAFÉ-1,3\n".encode("latin-1"))

    result = run_cli(home, "import", str(latin), env=env)

    assert result.code == 1
    assert result.stderr.startswith("File not imported: The file is not UTF-8 text (byte 17")
    assert "feed" not in result.stderr.lower()


def _api_mode(home: str, store: DemoStore, env: dict[str, str], feed: FeedServer) -> list[dict]:  # type: ignore[type-arg]
    tracked = _products(store, "product")[:3]
    # The store keeps counting (the native method, its backorders beta on): the feed's levels are
    # written to it.
    assert run_cli(home, "settings", "set", "backorder-method", "native", env=env).code == 0
    assert run_cli(home, "assign", *(p["sku"] for p in tracked), env=env).code == 0
    assert run_cli(home, "settings", "set", "inventory-source", "api", env=env).code == 0
    assert run_cli(home, "settings", "set", "feed-url", feed.url, env=env).code == 0
    return tracked


def test_a_feed_pull_from_the_command_line_is_in_the_history(
    home: str,
    feed: FeedServer,
    make_demo_store: MakeStore,
    make_context: MakeContext,
) -> None:
    store, env = _synced(home, make_demo_store, make_context, native_backorders=True)
    tracked = _api_mode(home, store, env, feed)
    feed.body = ("sku,quantity\n" + "".join(f"{p['sku']},42\n" for p in tracked)).encode()

    pulled = run_cli(home, "feed", "pull", env=env)

    assert pulled.code == 0, pulled.stderr
    runs = run_cli(home, "history", "--json", env=env).json()
    assert runs[0]["trigger"] == "feed" and runs[0]["kind"] == "manual"
    assert runs[0]["outcome"] == "ok"
    assert (runs[0]["counts"]["seen"], runs[0]["counts"]["changed"]) == (3, 3)
    assert all(store.catalog.get_product(p["id"])["inventory_level"] == 42 for p in tracked)


def test_an_empty_feed_says_how_many_rows_it_had_last_time_and_is_in_the_history(
    home: str,
    feed: FeedServer,
    make_demo_store: MakeStore,
    make_context: MakeContext,
) -> None:
    store, env = _synced(home, make_demo_store, make_context, native_backorders=True)
    tracked = _api_mode(home, store, env, feed)
    feed.body = ("sku,quantity\n" + "".join(f"{p['sku']},42\n" for p in tracked)).encode()
    assert run_cli(home, "feed", "pull", env=env).code == 0
    feed.body = b"sku,quantity\n"

    empty = run_cli(home, "feed", "pull", env=env)

    assert empty.code == 1
    assert "The feed had 0 rows (last time 3). Nothing was changed." in empty.stderr
    runs = run_cli(home, "history", "--json", env=env).json()
    assert (runs[0]["trigger"], runs[0]["outcome"]) == ("feed", "failed")
    assert "last time 3" in runs[0]["error"]["message"]
    assert all(store.catalog.get_product(p["id"])["inventory_level"] == 42 for p in tracked)
