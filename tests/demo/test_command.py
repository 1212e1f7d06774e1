"""``backorder-desktop demo-store`` as a real process: prints where it serves, serves, stops on SIGTERM."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def _demo_store(*args: str) -> Iterator[subprocess.Popen[str]]:
    command = [sys.executable, "-m", "backorder_desktop", "demo-store", *args]
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def _read_banner(process: subprocess.Popen[str], timeout: float = 15.0) -> dict[str, str]:
    """The ``Key: value`` lines printed before serving (read on a thread: readline would block)."""
    stdout = process.stdout
    assert stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        try:
            for line in stdout:
                lines.put(line)
        except (ValueError, OSError):  # closed when the test ends
            pass
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    values: dict[str, str] = {}
    while "Token" not in values:
        line = lines.get(timeout=timeout)
        assert line, f"the command exited before printing its banner; got {values}"
        key, _, value = line.strip().partition(": ")
        values[key] = value
    return values


def test_serves_until_sigterm_and_exits_cleanly() -> None:
    options = ["--port", "0", "--products", "300", "--seed", "4", "--store-hash", "abc123", "--token", "t0k"]
    with _demo_store(*options, "--read-only-token", "ro", "--quota", "50") as process:
        banner = _read_banner(process)
        assert banner["API URL"].startswith("http://127.0.0.1:")
        assert banner["Store hash"] == "abc123"
        assert banner["Token"] == "t0k"
        base = f"{banner['API URL']}/stores/abc123"
        reply = httpx.get(f"{base}/v3/catalog/products", headers={"X-Auth-Token": "t0k"}, params={"limit": 1})
        assert reply.status_code == 200
        assert reply.json()["meta"]["pagination"]["total"] == 300
        assert reply.headers["X-Rate-Limit-Requests-Quota"] == "50"
        assert (
            httpx.put(f"{base}/v3/catalog/products", headers={"X-Auth-Token": "ro"}, json=[]).status_code
            == 403
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None
        errors = process.stderr.read()
    assert "Traceback" not in errors and "stopped" in errors


def test_ctrl_c_stops_cleanly_too() -> None:
    with _demo_store("--products", "10") as process:
        _read_banner(process)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_bad_options_are_refused() -> None:
    with _demo_store("--store-hash", "Not Valid!") as process:
        _out, errors = process.communicate(timeout=30)
        assert process.returncode == 2
    assert "store_hash" in errors
