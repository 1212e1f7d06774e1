"""The one way the window runs slow work: ``run_in_background`` on a thread pool (STYLE rule 7).

Every network, keyring, database or file call of the window goes through
``BackgroundRunner.run_in_background(fn, on_result, on_error, on_finished)``:

- ``fn`` runs on a pool thread and must not touch widgets;
- its result or exception comes back to the GUI thread as a *queued* signal of a small emitter
  ``QObject`` that lives on the GUI thread, then ``finished`` fires — always, after either;
- an error without an ``on_error`` goes to the runner's ``unhandled_error`` handler (the error
  router) or, without one, to ``sys.excepthook``: errors are never swallowed.

The runner counts tasks in flight so that ``--screenshot`` and the tests can wait until the window
is idle, and quitting can wait for work that is still running.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtCore import QThreadPool
from PySide6.QtCore import Signal
from PySide6.QtCore import Slot

logger = logging.getLogger(__name__)

ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], object]
FinishedCallback = Callable[[], None]

# A sync holds one thread for its whole run (and a joining request a second one): keep enough
# threads that table windows and settings still load meanwhile.
DEFAULT_MAX_THREADS = 8


class _Emitter(QObject):
    """Lives on the GUI thread; the pool thread emits, Qt queues, the callbacks run on the GUI."""

    result_ready = Signal(object)
    error_raised = Signal(object)
    finished = Signal()

    def __init__(
        self,
        on_result: ResultCallback | None,
        on_error: ErrorCallback,
        on_finished: Callable[[_Emitter], None],
    ) -> None:
        super().__init__()
        self._on_result = on_result
        self._on_error = on_error
        self._on_finished = on_finished
        queued = Qt.ConnectionType.QueuedConnection
        self.result_ready.connect(self._on_self_result_ready, queued)
        self.error_raised.connect(self._on_self_error_raised, queued)
        self.finished.connect(self._on_self_finished, queued)

    @Slot(object)
    def _on_self_result_ready(self, value: object) -> None:
        if self._on_result is not None:
            self._on_result(value)

    @Slot(object)
    def _on_self_error_raised(self, error: BaseException) -> None:
        self._on_error(error)

    @Slot()
    def _on_self_finished(self) -> None:
        self._on_finished(self)


class BackgroundRunner(QObject):
    """Owns the thread pool of the window. Create it and call it on the GUI thread."""

    busy_changed = Signal(bool)
    became_idle = Signal()

    def __init__(self, parent: QObject | None = None, *, max_threads: int = DEFAULT_MAX_THREADS) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._live: set[_Emitter] = set()
        self._after: list[tuple[set[_Emitter], Callable[[], None]]] = []
        self.unhandled_error: ErrorCallback | None = None

    def run_in_background(
        self,
        fn: Callable[[], Any],
        on_result: ResultCallback | None = None,
        on_error: ErrorCallback | None = None,
        on_finished: FinishedCallback | None = None,
    ) -> None:
        """Run ``fn()`` on a pool thread; the callbacks run later on the GUI thread."""

        def finished(emitter: _Emitter) -> None:
            self._live.discard(emitter)
            try:
                if on_finished is not None:
                    on_finished()
                self._start_what_waited_for(emitter)
            finally:
                emitter.deleteLater()
                if not self._live:
                    self.busy_changed.emit(False)
                    self.became_idle.emit()

        emitter = _Emitter(on_result, on_error or self._report_unhandled, finished)
        was_idle = not self._live
        self._live.add(emitter)
        if was_idle:
            self.busy_changed.emit(True)

        def task() -> None:
            try:
                try:
                    value = fn()
                except BaseException as exc:  # handed to the GUI thread, never swallowed
                    emitter.error_raised.emit(exc)
                else:
                    emitter.result_ready.emit(value)
                finally:
                    emitter.finished.emit()
            except RuntimeError:  # the emitter died with the application while fn ran
                logger.debug("a background task ended after the window was gone", exc_info=True)

        self._pool.start(task)

    def run_after_current(self, fn: Callable[[], Any], on_finished: FinishedCallback | None = None) -> None:
        """``run_in_background(fn)`` once every task started before this call has finished: how a
        profile the window no longer shows is closed, never under a read still using it."""
        earlier = set(self._live)

        def start() -> None:
            self.run_in_background(fn, on_finished=on_finished)

        if earlier:
            self._after.append((earlier, start))
        else:
            start()

    def _start_what_waited_for(self, emitter: _Emitter) -> None:
        ready = []
        for waiting, start in self._after:
            waiting.discard(emitter)
            if not waiting:
                ready.append(start)
        self._after = [(waiting, start) for waiting, start in self._after if waiting]
        for start in ready:
            start()

    def _report_unhandled(self, error: BaseException) -> None:
        if self.unhandled_error is not None:
            self.unhandled_error(error)
            return
        sys.excepthook(type(error), error, error.__traceback__)

    def active_count(self) -> int:
        """Tasks started and not yet finished (their ``finished`` not yet delivered)."""
        return len(self._live)

    def is_idle(self) -> bool:
        return not self._live

    def wait_for_threads(self, msecs: int) -> bool:
        """Block until the pool threads are done (shutdown only); True when they all ended."""
        return bool(self._pool.waitForDone(msecs))
