"""The receiver under a flood: idle and slow connections cost no threads, a request must arrive
whole within the receiver's deadline however slowly it trickles in, and a connection over a cap
closes the oldest unfinished one, so that genuine deliveries still get through."""

from __future__ import annotations

import contextlib
import http.client
import os
import resource
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from backorder_desktop.adapters.webhook_receiver import MAX_PER_PEER
from backorder_desktop.adapters.webhook_receiver import WebhookReceiver
from backorder_desktop.services.webhooks import SECRET_HEADER
from tests.webhooks.conftest import SECRET
from tests.webhooks.conftest import ReceiverFactory
from tests.webhooks.conftest import Recorder
from tests.webhooks.conftest import post
from tests.webhooks.conftest import product_updated

Kit = tuple[WebhookReceiver, Recorder]
GOOD = {SECRET_HEADER: SECRET}
FLOOD = 1000
PACE_S = 0.05  # between two bytes of a slow sender: paces it, and is how long each check for a close waits


def _proc_threads() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def _connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    """A connection from ``source``: Linux routes all of 127/8 to loopback, each a peer of its own."""
    return socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def _head(length: int, **headers: str) -> bytes:
    """A delivery's request line and headers, with the secret, for a body of ``length`` bytes."""
    lines = ["POST / HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}", f"{SECRET_HEADER}: {SECRET}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return "\r\n".join([*lines, "", ""]).encode()


def _deliver(sock: socket.socket, body: bytes) -> int:
    """One delivery on an open connection; the answer's status."""
    sock.sendall(_head(len(body)) + body)
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.read()
    return response.status


@pytest.fixture
def files_for_a_flood() -> Iterator[None]:
    """A soft open-file limit with room for the flood's sockets (both ends are in this process)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = _open_files() + 2 * FLOOD + 256
    if soft != resource.RLIM_INFINITY and soft < need:
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (need if hard == resource.RLIM_INFINITY else min(need, hard), hard)
        )
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_flood_of_idle_and_slow_connections_takes_no_threads_and_deliveries_get_through(
    receiver: Kit, files_for_a_flood: None
) -> None:
    server, recorder = receiver
    threads_before, files_before = _proc_threads(), _open_files()
    with ExitStack() as flood:
        for i in range(FLOOD):
            sock = flood.enter_context(_connect(server.port))
            if i % 2:
                with contextlib.suppress(ConnectionError):  # already closed to make room: as good
                    sock.sendall(b"POST / HTTP/1.1\r\nX-Never-Finished: ")
        assert server.wait_until(lambda stats: stats.connections >= FLOOD, 60), server.stats()
        threads_during = _proc_threads()
        # One from another address, and one from the flood's own: behind a tunnel every delivery
        # comes from 127.0.0.1.
        assert post(server.url, product_updated(41), GOOD, source="127.0.0.2")[0] == 200
        assert post(server.url, product_updated(42), GOOD)[0] == 200
        files_during = _open_files()
    assert recorder.batches == [{41}, {42}]
    assert threads_during <= threads_before + 2, (threads_before, threads_during)
    # The flood's own FLOOD sockets, and at most MAX_PER_PEER of the receiver's ends of them.
    assert files_during <= files_before + FLOOD + MAX_PER_PEER + 8, (files_before, files_during)
    stats = server.stats()
    assert stats.evicted >= FLOOD - MAX_PER_PEER and stats.accepted == 2


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(b"POST / HTTP/1.1\r\nX-Slow: ", id="headers"),
        pytest.param(_head(1000), id="body"),
    ],
)
def test_a_sender_dribbling_its_request_is_cut_off_at_the_deadline(
    receiver_factory: ReceiverFactory, start: bytes
) -> None:
    """Each byte arrives well within any per-read timeout; the deadline is for the whole request."""
    server, recorder = receiver_factory(request_timeout=0.2)
    closed = False
    with _connect(server.port) as sock:
        sock.sendall(start)
        sock.settimeout(PACE_S)
        for _ in range(400):  # 20 s of dribbling, 100 times the deadline
            try:
                sock.sendall(b"a")
                closed = _closed_by_server(sock)
                break  # the server answered or closed; a slow request is never answered
            except TimeoutError:
                continue
            except ConnectionError:
                closed = True
                break
    assert closed
    assert server.stats().timed_out == 1 and recorder.batches == []


@pytest.mark.parametrize(
    ("limits", "sources", "dropped"),
    [
        # Over the cap for 127.0.0.1: its oldest goes, not the older one from 127.0.0.2.
        ({"max_per_peer": 2}, ["127.0.0.2", "127.0.0.1", "127.0.0.1", "127.0.0.1"], 1),
        # Over the cap for all: the oldest goes, whatever its address.
        ({"max_connections": 3}, ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.3"], 0),
    ],
    ids=["per-address", "total"],
)
def test_a_connection_over_a_cap_closes_the_oldest_unfinished_one(
    receiver_factory: ReceiverFactory, limits: dict[str, int], sources: list[str], dropped: int
) -> None:
    server, recorder = receiver_factory(**limits)
    with ExitStack() as stack:
        socks = []
        for source in sources:
            socks.append(stack.enter_context(_connect(server.port, source)))
            assert server.wait_until(lambda stats: stats.connections == len(socks), 10)  # in this order
        assert _closed_by_server(socks[dropped])
        statuses = [_deliver(sock, product_updated(i)) for i, sock in enumerate(socks, 1) if i != dropped + 1]
    assert statuses == [200] * (len(sources) - 1)
    assert server.stats().evicted == 1
    assert recorder.batches == [{i} for i in range(1, len(sources) + 1) if i != dropped + 1]


def test_deliveries_on_one_kept_alive_connection_are_each_answered(receiver: Kit) -> None:
    server, recorder = receiver
    with _connect(server.port) as sock:
        assert [_deliver(sock, product_updated(i)) for i in (5, 6, 7)] == [200, 200, 200]
    assert recorder.batches == [{5}, {6}, {7}]
    assert server.stats().connections == 1


def test_a_sender_expecting_100_continue_is_told_to_go_on(receiver: Kit) -> None:
    server, recorder = receiver
    body = product_updated(8)
    with _connect(server.port) as sock:
        sock.sendall(_head(len(body), Expect="100-continue"))
        assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        response = http.client.HTTPResponse(sock)
        sock.sendall(body)
        response.begin()
        assert response.status == 200
    assert recorder.batches == [{8}]


def test_stopping_closes_the_open_connections(receiver_factory: ReceiverFactory) -> None:
    server, _ = receiver_factory()
    with _connect(server.port) as idle, _connect(server.port) as unfinished:
        unfinished.sendall(b"POST / HTTP/1.1\r\n")
        assert server.wait_until(lambda stats: stats.connections == 2, 10)
        server.stop()
        assert _closed_by_server(idle) and _closed_by_server(unfinished)
