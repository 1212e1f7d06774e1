"""Logging setup: secrets masked in the file, the tail and foreign handlers; rotation; idempotence."""

from __future__ import annotations

import http.server
import json
import logging
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backorder_desktop.logging_setup import LOG_FILE_NAME
from backorder_desktop.logging_setup import LogHandles
from backorder_desktop.logging_setup import RedactingRecordFactory
from backorder_desktop.logging_setup import register_secret
from backorder_desktop.logging_setup import setup_logging

TOKEN = "tok-5d1e9b0c7a4f4e21b8c3"  # registered, as the app does once it has the token
UNREGISTERED = "zz-9c8b7a6f5e4d3c2b1a00"  # never registered: only the patterns can catch it
log = logging.getLogger("backorder_desktop.tests.logging")


def everything_logged(handles: LogHandles) -> str:
    """The log file(s) and the tail, as one text."""
    handles.flush()
    files = sorted(handles.log_file.parent.glob(LOG_FILE_NAME + "*"))
    return "\n".join([*(f.read_text(encoding="utf-8") for f in files), handles.tail.text()])


def assert_masked(text: str, *secrets: str) -> None:
    for secret in secrets or (TOKEN, UNREGISTERED):
        assert secret not in text
    assert "***" in text


@pytest.fixture
def handles(tmp_path: Path) -> Iterator[LogHandles]:
    handles = setup_logging(tmp_path, debug=True)
    handles.register_secret(TOKEN)
    try:
        yield handles
    finally:
        handles.close()


class EchoHandler(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the request's headers, in the body and as response headers."""

    def do_GET(self) -> None:
        body = json.dumps(dict(self.headers)).encode()
        self.send_response(200)
        for name in ("X-Auth-Token", "Authorization"):
            if self.headers.get(name):
                self.send_header(name, self.headers[name])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet: not our log
        pass


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_plain_message_is_masked(handles: LogHandles) -> None:
    log.info(f"connected with {TOKEN} and access_token={UNREGISTERED}")
    text = everything_logged(handles)
    assert "connected with *** and access_token=***" in text
    assert_masked(text)


def test_percent_args_are_masked(handles: LogHandles) -> None:
    log.info("token %s for %s, body %s", TOKEN, "store-1", {"client_secret": UNREGISTERED, "id": 7})
    text = everything_logged(handles)
    assert "store-1" in text and "'id': 7" in text
    assert_masked(text)


def test_exception_traceback_and_stack_info_are_masked(
    handles: LogHandles, expected_warnings: list[logging.LogRecord]
) -> None:
    def fail(secret: str) -> None:
        raise ValueError(f"server said the password: {UNREGISTERED} for {secret}")

    try:
        fail(TOKEN)
    except ValueError:
        log.exception("request failed for %s", TOKEN, stack_info=True)
    text = everything_logged(handles)
    assert "Traceback (most recent call last)" in text and "ValueError: server said" in text
    assert "Stack (most recent call last)" in text
    assert_masked(text)
    # The suite's own warning collector (a handler we did not install) got the masked record.
    assert [r.getMessage() for r in expected_warnings] == ["request failed for ***"]


def test_library_loggers_are_masked_too(handles: LogHandles) -> None:
    logging.getLogger("apscheduler.executors.default").warning("job args %r", (TOKEN,))
    logging.getLogger("urllib3.connectionpool").debug("GET /x?token=%s", UNREGISTERED)
    text = everything_logged(handles)
    assert "apscheduler.executors.default" in text and "urllib3.connectionpool" in text
    assert_masked(text)


def test_httpx_debug_logs_of_a_real_request_are_masked(handles: LogHandles, echo_url: str) -> None:
    headers = {"X-Auth-Token": TOKEN, "Authorization": f"Bearer {UNREGISTERED}"}
    with httpx.Client(headers=headers) as client:
        response = client.get(f"{echo_url}/v3/catalog?access_token={UNREGISTERED}&page=1")
    assert response.status_code == 200
    assert response.headers["X-Auth-Token"] == TOKEN  # the secrets really were on the wire
    log.debug("response body: %s", response.text)
    text = everything_logged(handles)
    # httpx and httpcore really logged the request and the echoed headers …
    assert "HTTP Request: GET" in text and "receive_response_headers.complete" in text
    assert "(b'X-Auth-Token', b'***')" in text
    assert "page=1" in text
    # … and no secret made it out, registered or not.
    assert_masked(text)


def test_unregistered_header_values_are_caught_by_patterns(tmp_path: Path, echo_url: str) -> None:
    handles = setup_logging(tmp_path, debug=True)  # nothing registered at all
    try:
        with httpx.Client(headers={"X-Auth-Token": UNREGISTERED}) as client:
            client.get(f"{echo_url}/v2/store")
        text = everything_logged(handles)
    finally:
        handles.close()
    assert "receive_response_headers.complete" in text
    assert_masked(text, UNREGISTERED)


class Snapshot(logging.Handler):
    """A foreign handler that formats each record the moment it arrives (exception included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(message)s"))
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


def test_handlers_we_did_not_install_see_masked_records(
    handles: LogHandles, caplog: pytest.LogCaptureFixture
) -> None:
    # Attached below the root logger, this handler runs before any handler of ours (and their
    # filters) could touch the record: only redaction at record creation protects it.
    snapshot = Snapshot()
    log.addHandler(snapshot)
    try:
        with caplog.at_level(logging.INFO):
            log.info("token=%s", TOKEN)
            try:
                raise RuntimeError(TOKEN)
            except RuntimeError:
                log.info("boom", exc_info=True)
    finally:
        log.removeHandler(snapshot)
    assert snapshot.texts[0] == "token=***"
    assert snapshot.texts[1].startswith("boom\nTraceback") and snapshot.texts[1].endswith("RuntimeError: ***")
    assert TOKEN not in caplog.text
    assert caplog.records[1].exc_info is None  # the exception object (holding the token) is gone


def test_records_made_without_the_factory_are_masked_by_the_handler_filter(handles: LogHandles) -> None:
    record = logging.makeLogRecord(
        {"name": log.name, "levelno": logging.INFO, "levelname": "INFO", "msg": "t=%s", "args": (TOKEN,)}
    )
    log.handle(record)
    text = everything_logged(handles)
    assert "t=***" in text
    assert_masked(text, TOKEN)


def test_debug_off_keeps_library_debug_out(tmp_path: Path, echo_url: str) -> None:
    handles = setup_logging(tmp_path)
    try:
        with httpx.Client() as client:
            client.get(echo_url)
        log.debug("a debug line")
        log.info("an info line")
        text = everything_logged(handles)
    finally:
        handles.close()
    assert "an info line" in text
    assert (
        "a debug line" not in text and "receive_response_headers" not in text and "HTTP Request" not in text
    )


def test_the_file_rotates_and_rotated_files_are_masked(tmp_path: Path) -> None:
    handles = setup_logging(tmp_path, max_bytes=2_000, backup_count=2)
    handles.register_secret(TOKEN)
    try:
        for i in range(200):
            log.info("line %03d with %s", i, TOKEN)
        text = everything_logged(handles)
    finally:
        handles.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [LOG_FILE_NAME, f"{LOG_FILE_NAME}.1", f"{LOG_FILE_NAME}.2"]
    assert all(p.stat().st_size <= 2_000 for p in tmp_path.iterdir())
    assert "line 199 with ***" in (tmp_path / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert_masked(text, TOKEN)


def test_setup_twice_does_not_duplicate_and_close_undoes_everything(tmp_path: Path) -> None:
    root = logging.getLogger()
    factory_before = logging.getLogRecordFactory()
    handlers_before = list(root.handlers)
    level_before = logging.getLogger("backorder_desktop").level

    first = setup_logging(tmp_path)
    first.register_secret(TOKEN)
    second = setup_logging(tmp_path, debug=True)
    assert len(root.handlers) == len(handlers_before) + 2  # one file, one tail
    log.info("once %s", TOKEN)  # the secret registered before the second setup still counts
    second.flush()
    text = (tmp_path / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert text.count("once ***") == 1
    assert second.tail.lines()[-1].endswith("once ***")
    assert first.tail.lines() == []  # the replaced tail no longer receives anything

    first.close()  # an outdated handle must not tear down the newer setup
    assert isinstance(logging.getLogRecordFactory(), RedactingRecordFactory)
    second.close()
    second.close()
    assert root.handlers == handlers_before
    assert logging.getLogRecordFactory() is factory_before
    assert logging.getLogger("backorder_desktop").level == level_before
    assert register_secret(TOKEN) is False  # nothing to register with any more


def test_tail_is_bounded_and_feeds_listeners(tmp_path: Path) -> None:
    handles = setup_logging(tmp_path, tail_capacity=3)
    seen: list[str] = []
    remove = handles.tail.add_listener(seen.append)
    try:
        for i in range(5):
            log.info("n=%d", i)
        remove()
        log.info("after removal")
    finally:
        handles.close()
    assert [line.rsplit(" ", 1)[-1] for line in handles.tail.lines()] == ["n=3", "n=4", "removal"]
    assert [line.rsplit(" ", 1)[-1] for line in seen] == [f"n={i}" for i in range(5)]


def test_module_register_secret_reaches_the_active_setup(tmp_path: Path) -> None:
    handles = setup_logging(tmp_path)
    try:
        assert register_secret(UNREGISTERED) is True
        log.info("value %s", UNREGISTERED)
        text = everything_logged(handles)
    finally:
        handles.close()
    assert "value ***" in text
    assert UNREGISTERED not in text


def test_console_handler_is_masked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    handles = setup_logging(tmp_path, console_level=logging.INFO)
    handles.register_secret(TOKEN)
    try:
        log.info("console %s", TOKEN)
        log.debug("not on the console")
    finally:
        handles.close()
    err = capsys.readouterr().err
    assert "console ***" in err
    assert TOKEN not in err and "not on the console" not in err


def test_the_log_file_is_private_before_anything_is_logged_and_opened_by_the_first_record(
    tmp_path: Path,
) -> None:
    handles = setup_logging(tmp_path, max_bytes=300, backup_count=1)
    log_file = tmp_path / LOG_FILE_NAME
    try:
        created_mode = stat.S_IMODE(log_file.stat().st_mode)
        empty_before = log_file.read_text(encoding="utf-8")
        for i in range(10):
            log.info("line %d", i)
        handles.flush()
    finally:
        handles.close()
    assert created_mode == 0o600
    assert empty_before == ""
    assert "line 9" in log_file.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == [LOG_FILE_NAME, f"{LOG_FILE_NAME}.1"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()} == {0o600}
