"""One read at a time on the window's runner, and never a stale one last.

Refreshes arrive in bursts (a sync's end refreshes the status, the orders and the dashboard at
once); each would queue a read of the database. ``LatestRead.request`` starts a read when none
runs; asked again meanwhile, it reads once more after the running one, so the last figures shown
are never older than the last request.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from backorder_desktop.ui.workers import BackgroundRunner
from backorder_desktop.ui.workers import ErrorCallback
from backorder_desktop.ui.workers import ResultCallback

logger = logging.getLogger(__name__)


class LatestRead:
    def __init__(
        self, runner: BackgroundRunner, on_result: ResultCallback, on_error: ErrorCallback | None = None
    ) -> None:
        self._runner = runner
        self._on_result = on_result
        self._on_error = on_error
        self._running = False
        self._again: Callable[[], Any] | None = None
        self._generation = 0  # reads asked for before the last ``forget`` are not shown

    def forget(self) -> None:
        """The profile read so far is going (closed, or another one opened): a read asked for
        meanwhile is not made, and the one running is neither shown nor reported when it ends
        (it may fail on the closed database)."""
        self._again = None
        self._generation += 1

    def is_running(self) -> bool:
        return self._running

    def request(self, read: Callable[[], Any]) -> None:
        if self._running:
            self._again = read
            return
        self._running = True
        generation = self._generation
        self._runner.run_in_background(
            read,
            on_result=lambda value: self._result(generation, value),
            on_error=lambda error: self._error(generation, error),
            on_finished=self._finished,
        )

    def _result(self, generation: int, value: Any) -> None:
        if generation == self._generation:
            self._on_result(value)

    def _error(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            logger.debug("a read of a profile since closed ended in %r", error)
        elif self._on_error is not None:
            self._on_error(error)
        elif self._runner.unhandled_error is not None:
            self._runner.unhandled_error(error)
        else:
            sys.excepthook(type(error), error, error.__traceback__)

    def _finished(self) -> None:
        self._running = False
        again, self._again = self._again, None
        if again is not None:
            self.request(again)
