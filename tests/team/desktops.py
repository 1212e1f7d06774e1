"""Desktops of a team as real processes: each campaigns for the sync lead on one database and
reports every change as a JSON line (``tests/team/desktop_process.py``).

Used by the leader tests and by ``bench/team.py``. Reading a process's lines happens on a thread
of its own, so a test waits on a condition (with a generous timeout) and never sleeps.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 30.0
PROCESS = (sys.executable, "-m", "tests.team.desktop_process")


class Desktop:
    """One campaigning process and what it has reported (``leads``, and when, in its monotonic
    time: on Linux one clock for every process, so the parent can subtract its own)."""

    _changed = threading.Condition()  # one for all desktops: a wait can span several of them

    def __init__(self, url: str, name: str, *, interval: float = 1.0) -> None:
        self.name = name
        self.reports: list[dict[str, Any]] = []
        self.process = subprocess.Popen(
            [*PROCESS, "campaign", url, name, str(interval)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stdout = self.process.stdout
        if stdout is None:
            return
        for line in stdout:
            with self._changed:
                self.reports.append(json.loads(line))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def leads(self) -> bool:
        with self._changed:
            return bool(self.reports) and bool(self.reports[-1]["leads"])

    def wait_reports(self, count: int, timeout: float = WAIT_S) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.reports) >= count, timeout)

    def led_at(self, since_report: int = 0) -> float | None:
        """When (monotonic) it reported leading, at or after report number ``since_report``."""
        with self._changed:
            return next((r["at"] for r in self.reports[since_report:] if r["leads"]), None)

    def kill(self) -> None:
        kill_process(self.process)

    def close(self) -> None:
        close_process(self.process, self._reader)


def kill_process(process: subprocess.Popen[str], wait: float = WAIT_S) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=wait)


def close_process(process: subprocess.Popen[str], reader: threading.Thread, wait: float = WAIT_S) -> None:
    """Closing its stdin asks the process to end; one that does not within ``wait`` seconds is killed."""
    if process.poll() is None:
        if process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):  # a killed process never read its last request
                process.stdin.close()
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            kill_process(process, wait)
    reader.join(timeout=wait)
    for stream in (process.stdin, process.stdout):
        if stream is not None and not stream.closed:
            with contextlib.suppress(BrokenPipeError):
                stream.close()


def wait_for_one_leader(desktops: list[Desktop], timeout: float = WAIT_S) -> Desktop | None:
    """The desktop that leads once exactly one of the living ones does; None after ``timeout``."""

    def leaders() -> list[Desktop]:
        return [d for d in desktops if d.process.poll() is None and d.reports and d.reports[-1]["leads"]]

    with Desktop._changed:
        if not Desktop._changed.wait_for(lambda: len(leaders()) == 1, timeout):
            return None
        return leaders()[0]
