"""The ERP feed client over real HTTP on loopback: small feed servers and the demo store's sample feed.

Unreachable, refused credentials, HTML, a 200 MB body (refused at the limit, never allocated),
cut-off bodies, redirects, and which credential header is sent; no message or log line carries
the credential.
"""

from __future__ import annotations

import base64
import logging
import socket
import threading
from collections.abc import Callable
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest

from backorder_desktop.adapters.erp.feed_client import DEFAULT_DEADLINE_S
from backorder_desktop.adapters.erp.feed_client import FEED_TIMEOUTS
from backorder_desktop.adapters.erp.feed_client import HttpStockFeed
from backorder_desktop.adapters.erp.feed_client import shown_url
from backorder_desktop.adapters.http import Timeouts
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import FeedError
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.ports import FeedReport
from backorder_desktop.domain.ports import StockFeed

MB = 1024 * 1024
SECRET = "s3cret-feed-key"
Route = Callable[[BaseHTTPRequestHandler], None]


class FeedServer:
    """A loopback HTTP server whose paths answer with the routes a test sets."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.headers: list[dict[str, str]] = []
        self.sent = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.headers.append(dict(self.headers.items()))
                route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    _reply(404, b"not here", "text/plain")(self)
                else:
                    route(self)

            def log_message(self, format: str, *args: object) -> None:
                return None

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def stream(self, total: int, *, declare: bool) -> Route:
        """A body of ``total`` bytes written 1 MB at a time from one reused buffer."""
        block = b"sku,quantity\n" + b"A,1\n" * (MB // 4)

        def route(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/csv")
            if declare:
                handler.send_header("Content-Length", str(total))
            handler.end_headers()
            try:
                while self.sent < total:
                    handler.wfile.write(block)
                    self.sent += len(block)
            except OSError:
                return  # the client stopped reading

        return route

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _reply(status: int, body: bytes, content_type: str, **headers: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(body)

    return route


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def _fetch(
    url: str, credential: str | None = None, fmt: str = "csv", timeouts: Timeouts | None = None
) -> FeedReport:
    feed: StockFeed = HttpStockFeed(timeouts=timeouts)
    return feed.fetch(url, credential=credential, format=fmt, sku_field="sku", quantity_field="quantity")


# --- good feeds ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_demo_stores_sample_feed(demo_store: DemoStore, fmt: str) -> None:
    report = _fetch(f"{demo_store.api_url}/feeds/stock.{fmt}", fmt=fmt)
    assert report.problems == () and len(report.rows) == report.total_rows > 100
    assert all(500 <= row.quantity <= 999 for row in report.rows)


@pytest.mark.parametrize(
    ("credential", "expected"),
    [
        ("erp-user:pa:ss", "Basic " + base64.b64encode(b"erp-user:pa:ss").decode()),
        (SECRET, f"Bearer {SECRET}"),
        (None, None),
    ],
)
def test_basic_or_bearer_credential_is_sent(
    feed_server: FeedServer, credential: str | None, expected: str | None
) -> None:
    feed_server.routes["/stock.csv"] = _reply(200, b"sku,quantity\nA,1\n", "text/csv")
    report = _fetch(feed_server.url("/stock.csv"), credential)
    (seen,) = feed_server.headers
    assert seen.get("Authorization") == expected
    assert seen["User-Agent"].startswith("backorder-desktop/")
    assert [(r.sku, r.quantity) for r in report.rows] == [("A", 1)]


def test_redirects_are_followed_and_the_credential_stays_on_its_host(feed_server: FeedServer) -> None:
    other = FeedServer()
    try:
        other.routes["/moved.csv"] = _reply(200, b"sku,quantity\nB,2\n", "text/csv")
        feed_server.routes["/stock.csv"] = _reply(302, b"", "text/plain", Location=other.url("/moved.csv"))
        report = _fetch(feed_server.url("/stock.csv"), SECRET)
    finally:
        other.close()
    assert [(r.sku, r.quantity) for r in report.rows] == [("B", 2)]
    assert feed_server.headers[0]["Authorization"] == f"Bearer {SECRET}"
    assert "Authorization" not in other.headers[0]


# --- bad feeds ----------------------------------------------------------------------------------------


def test_an_unreachable_feed(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://erp-user:{SECRET}@127.0.0.1:{port}/stock.csv?token={SECRET}"
    with caplog.at_level(logging.DEBUG), pytest.raises(FeedError) as info:
        _fetch(url, f"erp-user:{SECRET}")
    assert info.value.message == (
        f"Could not reach the feed at http://127.0.0.1:{port}/stock.csv: connection refused. "
        "Check the address or your connection; nothing was changed."
    )
    assert SECRET not in caplog.text


def test_an_unknown_host_and_a_silent_server_are_unreachable() -> None:
    with pytest.raises(
        FeedError, match=r"^Stock feed not used: Could not reach the feed at http://feed\.invalid/"
    ):
        _fetch("http://feed.invalid/stock.csv")
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/stock.csv"
        with pytest.raises(FeedError, match=r"no answer in time\. Check the address or your connection"):
            _fetch(url, timeouts=Timeouts.uniform(0.3))


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_credential(feed_server: FeedServer, status: int) -> None:
    feed_server.routes["/stock.csv"] = _reply(status, b'{"error": "denied"}', "application/json")
    with pytest.raises(FeedError, match=f"refused the credential \\(HTTP {status}\\)") as info:
        _fetch(feed_server.url("/stock.csv"), SECRET)
    assert SECRET not in str(info.value)
    with pytest.raises(FeedError, match="it needs a credential"):
        _fetch(feed_server.url("/stock.csv"))


@pytest.mark.parametrize(
    ("status", "advice", "remedy"),
    [
        (404, "Check the address", Remedy.SET_FEED_URL),
        (500, "server had a problem", Remedy.RETRY_LATER),
        (418, "HTTP 418", Remedy.SET_FEED_URL),
    ],
)
def test_other_statuses_are_named(feed_server: FeedServer, status: int, advice: str, remedy: Remedy) -> None:
    feed_server.routes["/stock.csv"] = _reply(status, b"no", "text/plain")
    with pytest.raises(FeedError, match=f"answered HTTP {status}") as info:
        _fetch(feed_server.url("/stock.csv?token=abc"))
    assert advice in info.value.message and "token" not in info.value.message
    assert info.value.remedy is remedy


def test_a_login_page_instead_of_the_feed(feed_server: FeedServer) -> None:
    page = b"<!doctype html><html><form>Sign in</form></html>"
    feed_server.routes["/stock.csv"] = _reply(200, page, "text/html; charset=utf-8")
    with pytest.raises(FeedError, match=r"web page \(HTML\)"):
        _fetch(feed_server.url("/stock.csv"), SECRET)


@pytest.mark.parametrize("declare", [True, False])
def test_a_200_mb_body_is_refused_at_the_limit(feed_server: FeedServer, declare: bool) -> None:
    feed_server.routes["/huge.csv"] = feed_server.stream(200 * MB, declare=declare)
    with pytest.raises(FeedError, match=r"larger than 50 MB; it was not read"):
        _fetch(feed_server.url("/huge.csv"))
    # Declared: refused from the headers. Streamed: reading stopped at 50 MB (plus socket buffers).
    assert feed_server.sent < (8 * MB if declare else 60 * MB)


def test_a_body_cut_off_before_its_end(feed_server: FeedServer) -> None:
    def cut(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/csv")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"sku,quantity\nA,1\n")

    feed_server.routes["/stock.csv"] = cut
    with pytest.raises(FeedError, match="broke off before its end"):
        _fetch(feed_server.url("/stock.csv"))


@pytest.mark.parametrize("url", ["ftp://erp.example/stock.csv", "erp.example/stock.csv", "http:///stock.csv"])
def test_addresses_that_are_not_http(url: str) -> None:
    with pytest.raises(FeedError, match="not an http\\(s\\) address"):
        _fetch(url)


@pytest.mark.parametrize("credential", [f" {SECRET}", f"{SECRET}\n", f"clé-{SECRET}"])
def test_credentials_that_cannot_be_sent(credential: str) -> None:
    with pytest.raises(FeedError, match="Enter it again") as info:
        _fetch("http://127.0.0.1:9/stock.csv", credential)
    assert SECRET not in info.value.message and info.value.remedy is Remedy.SET_FEED_CREDENTIAL


def test_shown_url_drops_user_password_query_and_fragment() -> None:
    assert shown_url(f"https://u:{SECRET}@erp.example:8443/a/b.csv?key={SECRET}#x") == (
        "https://erp.example:8443/a/b.csv"
    )
    assert shown_url("http://[::1]:8080/f.json") == "http://[::1]:8080/f.json"


# --- a server that drips: the overall deadline ----------------------------------------------------


def _drip(part: str, ended: threading.Event) -> Route:
    """A byte every 50 ms for ever, in the headers or in the body, until the client goes away."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        if part == "headers":
            handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        else:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/csv")
            handler.end_headers()
            handler.wfile.write(b"sku,quantity\n")
        try:
            while not ended.wait(0.05):  # the pace of the drip, not a synchronisation
                handler.wfile.write(b"a" if part == "headers" else b"1")
        except OSError:
            ended.set()  # the client closed the connection

    return route


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_feed_that_drips_for_ever_is_stopped_at_the_deadline(feed_server: FeedServer, part: str) -> None:
    ended = threading.Event()
    feed_server.routes["/stock.csv"] = _drip(part, ended)
    feed = HttpStockFeed(timeouts=Timeouts.uniform(30.0), deadline_s=0.5)
    with pytest.raises(FeedError) as info:
        feed.fetch(
            feed_server.url("/stock.csv"),
            credential=SECRET,
            format="csv",
            sku_field="sku",
            quantity_field="quantity",
        )
    assert info.value.message.startswith(
        f"The feed at {feed_server.url('/stock.csv')} did not finish downloading within 0.5 seconds"
    )
    assert "Nothing was changed" in info.value.message and SECRET not in info.value.message
    assert ended.wait(10)  # the connection was dropped, not left dripping


def test_the_deadline_has_a_default_and_must_be_positive() -> None:
    assert HttpStockFeed().deadline_s == DEFAULT_DEADLINE_S > FEED_TIMEOUTS.read
    with pytest.raises(ValueError, match="deadline_s"):
        HttpStockFeed(deadline_s=0)
