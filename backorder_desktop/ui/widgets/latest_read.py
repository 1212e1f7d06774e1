"""One read at a time on the window's runner, and never a stale one last.

Refreshes arrive in bursts (a sync's end refreshes the status, the orders and the dashboard at
once); each would queue a read of the database. ``LatestRead.request`` starts a read when none
runs; asked again meanwhile, it reads once more after the running one, so the last figures shown
are never older than the last request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backorder_desktop.ui.workers import BackgroundRunner
from backorder_desktop.ui.workers import ErrorCallback
from backorder_desktop.ui.workers import ResultCallback


class LatestRead:
    def __init__(
        self, runner: BackgroundRunner, on_result: ResultCallback, on_error: ErrorCallback | None = None
    ) -> None:
        self._runner = runner
        self._on_result = on_result
        self._on_error = on_error
        self._running = False
        self._again: Callable[[], Any] | None = None

    def drop_pending(self) -> None:
        """Forget a read asked for meanwhile (its profile is being closed)."""
        self._again = None

    def is_running(self) -> bool:
        return self._running

    def request(self, read: Callable[[], Any]) -> None:
        if self._running:
            self._again = read
            return
        self._running = True
        self._runner.run_in_background(
            read, on_result=self._on_result, on_error=self._on_error, on_finished=self._finished
        )

    def _finished(self) -> None:
        self._running = False
        again, self._again = self._again, None
        if again is not None:
            self.request(again)
