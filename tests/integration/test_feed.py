"""The ERP feed (api mode) end to end: a pull applies and pushes; bad feeds change nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any

import pytest

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import FeedError
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.services.profile import Profile

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


class FeedServer:
    """A loopback feed whose reply the test sets: status, content type and body."""

    def __init__(self) -> None:
        self.status = 200
        self.content_type = "text/csv"
        self.body = b""
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(feed.status)
                self.send_header("Content-Type", feed.content_type)
                self.send_header("Content-Length", str(len(feed.body)))
                self.end_headers()
                self.wfile.write(feed.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stock.csv"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.stop()


def _api_mode(make_demo_store: MakeStore, make_context: MakeContext) -> tuple[DemoStore, Profile, list[dict]]:  # type: ignore[type-arg]
    store = make_demo_store(products=60)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    tracked = [
        p
        for p in (store.catalog.get_product(pid) for pid in store.catalog.product_ids())
        if p["inventory_tracking"] == "variant"
    ][:8]
    context.save_settings({"backorder-method": "native"})  # the store counts: the feed writes its levels
    context.parts.catalog.assign([str(p["id"]) for p in tracked], by="dana")
    context.parts.stock.switch_mode("api", outbox=None, actor="dana")
    return store, context, tracked


def test_a_feed_pull_applies_and_pushes(make_demo_store: MakeStore, make_context: MakeContext) -> None:
    store, context, tracked = _api_mode(make_demo_store, make_context)
    context.parts.catalog.set_setting("feed-url", f"{store.api_url}/feeds/stock.csv")

    run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")  # a manual sync pulls the feed

    variants = [v for p in tracked for v in p["variants"]]
    assert run.counts.written == len(variants)
    levels = {v["id"]: store.catalog.get_variant(v["id"])["inventory_level"] for v in variants}
    assert all(500 <= level <= 999 for level in levels.values())  # the demo feed's quantities
    history = context.parts.stock.history(tracked[0]["id"])
    assert {a.source for a in history} == {AdjustmentSource.FEED}
    again = context.parts.feed.pull()
    assert again.changes == [] and again.unchanged == len(variants)


BAD_FEEDS = [
    ("html", 200, "text/html", b"<html><body>Login</body></html>", "HTML"),
    ("401", 401, "text/plain", b"no", "refused"),
    ("empty", 200, "text/csv", b"sku,quantity\r\n", "0 rows"),
]


@pytest.mark.parametrize(
    ("name", "status", "content_type", "body", "needle"), BAD_FEEDS, ids=[b[0] for b in BAD_FEEDS]
)
def test_a_bad_feed_changes_nothing(
    name: str,
    status: int,
    content_type: str,
    body: bytes,
    needle: str,
    feed_server: FeedServer,
    make_demo_store: MakeStore,
    make_context: MakeContext,
) -> None:
    _store, context, _tracked = _api_mode(make_demo_store, make_context)
    context.parts.catalog.set_setting("feed-url", feed_server.url)
    before = context.parts.mirror.stock_items()
    feed_server.status, feed_server.content_type, feed_server.body = status, content_type, body

    with pytest.raises(FeedError) as info:
        context.parts.feed.pull()

    assert needle.lower() in info.value.message.lower()
    assert context.parts.mirror.stock_items() == before
    assert context.parts.stock.outbox_count() == 0


def test_a_far_shorter_feed_is_refused(
    feed_server: FeedServer, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    _store, context, _tracked = _api_mode(make_demo_store, make_context)
    context.parts.catalog.set_setting("feed-url", feed_server.url)
    items = context.parts.mirror.stock_items()
    assert len(items) >= 20
    feed_server.body = ("\ufeffquantity,sku\r\n" + "".join(f"7,{i.sku}\r\n" for i in items)).encode()
    first = context.parts.feed.pull()  # BOM, CRLF and another column order are fine
    assert len(first.changes) == len(items)
    feed_server.body = ("sku,quantity\n" + "".join(f"{i.sku},8\n" for i in items[:3])).encode()

    with pytest.raises(FeedError) as info:
        context.parts.feed.pull()

    assert f"last time {len(items):,}" in info.value.message
    assert {i.level for i in context.parts.mirror.stock_items()} == {7}


def test_bad_rows_are_reported_one_by_one_and_the_rest_apply(
    feed_server: FeedServer, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    _store, context, _tracked = _api_mode(make_demo_store, make_context)
    context.parts.catalog.set_setting("feed-url", feed_server.url)
    items = context.parts.mirror.stock_items()
    good, dup, bad = items[0], items[1], items[2]
    feed_server.body = (
        "sku,quantity\n"
        f"{good.sku},11\n{dup.sku},5\n{dup.sku},6\n{bad.sku},ten\n{items[3].sku},-4\n"
        f"{items[4].sku},99999999999\nNOT-A-SKU,3\n"
    ).encode()

    report = context.parts.feed.pull()

    levels = {i.key: i.level for i in context.parts.mirror.stock_items()}
    assert levels[good.key] == 11
    assert levels[dup.key] == dup.level and levels[bad.key] == bad.level  # never zero or a guess
    assert levels[items[3].key] == -4  # owed units: the ERP sold on backorder
    assert levels[items[4].key] == items[4].level
    assert report.unknown == ["NOT-A-SKU"]
    assert len(report.problems) == 4  # two duplicate lines, non-numeric, out of range


def test_edits_by_hand_are_refused_in_api_mode(make_demo_store: MakeStore, make_context: MakeContext) -> None:
    _store, context, tracked = _api_mode(make_demo_store, make_context)
    with pytest.raises(UserFacingError, match="feed"):
        context.parts.stock.edit(tracked[0]["variants"][0]["sku"], AdjustmentKind.SET, 3, actor="dana")


def test_automatic_polls_leave_the_feed_to_its_own_schedule(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context, _tracked = _api_mode(make_demo_store, make_context)
    context.parts.catalog.set_setting("feed-url", f"{store.api_url}/feeds/stock.csv")

    context.parts.engine.sync(kind=RunKind.AUTOMATIC, trigger="poll")

    assert store.requests.count(path_contains="/feeds/") == 0
    assert context.parts.stock.outbox_count() == 0
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="button")
    assert store.requests.count(path_contains="/feeds/") == 1
